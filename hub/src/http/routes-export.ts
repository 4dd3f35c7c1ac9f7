import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { ExportRequest } from '@shopwatch/protocols';
import { EvidenceStore } from '../evidence/store';
import type { ExportDeps } from '../export/evidence-case';
import { SigningKey, publicPem, rawPublicKey } from '../export/keys';
import { exportEvidence } from '../export/package';
import { logger } from '../log';
import type { HubServices } from '../services';
import { type Env, body, requireRole, requireUser } from './context';

/**
 * Police evidence packages from the console. Control-room roles only (members and wardens get
 * 403). The package is built in a private temp folder and streamed out after its name is
 * deleted: the hub keeps no second copy of the evidence, only the disclosure in the audit and
 * custody logs.
 */
export function exportRoutes(svc: HubServices) {
  const app = new Hono<Env>();
  app.use('*', requireUser(svc), requireRole('admin', 'coordinator', 'operator'));
  const deps: ExportDeps = {
    repo: svc.repo,
    evidence: svc.evidenceRepo,
    files: new EvidenceStore(svc.config.dataDir),
    audit: svc.audit,
    alias: (scheme, id) => svc.governance.gov.alias(scheme, id),
    dataDir: svc.config.dataDir,
    log: logger('hub:export'),
  };

  app.post('/', async (c) => {
    const p = c.get('principal');
    const order = await body(c, ExportRequest);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shopwatch-package-'));
    try {
      const who = { kind: p.kind, id: p.id, name: p.displayName, scheme: p.scheme };
      const r = await exportEvidence(deps, order, who, path.join(dir, 'package.zip'));
      // Open, then delete: the open file streams out while no name for it is left on disk.
      const file = fs.createReadStream(r.file);
      await once(file, 'open');
      fs.rmSync(dir, { recursive: true, force: true });
      return c.body(Readable.toWeb(file) as ReadableStream, 200, {
        'content-length': String(r.bytes),
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${r.bagName}.zip"`,
        'cache-control': 'no-store',
        'x-package-sha256': r.sha256,
        'x-signing-key-fingerprint': r.keyFingerprint,
        // Notes such as "CLIP MISSING" must reach the person exporting, not only the package.
        'x-evidence-notes': encodeURIComponent(JSON.stringify(r.notes)),
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  /** The public half of the signing key, to give to a force with the package. */
  app.get('/key', (c) => {
    const key = SigningKey.loadOrCreate(svc.config.dataDir);
    const publicKey = `ed25519:${rawPublicKey(key.publicKey).toString('base64')}`;
    return c.json({ publicKey, fingerprint: key.fingerprint, pem: publicPem(key.publicKey) });
  });
  return app;
}
