import fs from 'node:fs';
import path from 'node:path';
import { asyncApiDocument } from '../src/docs/asyncapi';
import { openApiDocument } from '../src/docs/openapi';
// The HTTP routes are declared once, in the hub's route table, beside their handlers.
import { ROUTE_GROUPS, WEBSOCKETS } from '../../hub/src/http/routes';

/** Writes protocols/asyncapi.json and protocols/openapi.json from the zod schemas and the route table. */
export const DOCS = {
  'asyncapi.json': asyncApiDocument,
  'openapi.json': () => openApiDocument(ROUTE_GROUPS, WEBSOCKETS),
};

export const render = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  for (const [file, make] of Object.entries(DOCS)) {
    const out = path.join(import.meta.dirname, '..', file);
    fs.writeFileSync(out, render(make()));
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  }
}
