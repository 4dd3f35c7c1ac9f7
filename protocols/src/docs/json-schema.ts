import { z } from 'zod';

/** JSON Schema (2020-12, as OpenAPI 3.1 and AsyncAPI 3 accept) of one shared zod schema. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}
