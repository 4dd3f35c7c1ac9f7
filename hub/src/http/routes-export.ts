import { CONTROL_ROOM_ROLES } from '@shopwatch/protocols';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ExportRequest, SigningKeyInfo } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import { type HubConfig, filesRoot } from '../config';
import { EvidenceStore } from '../evidence/store';
import type { ExportDeps } from '../export/evidence-case';
import { SigningKey, publicPem, rawPublicKey } from '../export/keys';
import { exportEvidence } from '../export/package';
import type { GovernanceRepository } from '../storage/governance-repository';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { Repository } from '../storage/repository';
import { logger } from '../log';
import { type HubRouteGroup, routeOf } from './route-table';

/** What an evidence export reads. */
export interface ExportRouteDeps {
  config: Pick<HubConfig, 'dataDir' | 'filesDir'>;
  repo: Repository;
  evidenceRepo: EvidenceRepository;
  audit: AuditLog;
  governance: { gov: Pick<GovernanceRepository, 'alias'> };
}

type Prepared = { deps: ExportDeps; dataDir: string };
const route = routeOf<Prepared>();

/**
 * Police evidence packages from the console. Control-room roles only (members and wardens get
 * 403). The package is built in a private temp folder and streamed out after its name is
 * deleted: the hub keeps no second copy of the evidence, only the disclosure in the audit and
 * custody logs.
 */
export const EXPORT_ROUTES: HubRouteGroup<ExportRouteDeps, Prepared> = {
  prefix: '/api/exports',
  access: CONTROL_ROOM_ROLES,
  prepare: (svc) => ({
    dataDir: svc.config.dataDir,
    deps: {
      repo: svc.repo,
      evidence: svc.evidenceRepo,
      files: new EvidenceStore(filesRoot(svc.config)),
      audit: svc.audit,
      alias: (scheme, id) => svc.governance.gov.alias(scheme, id),
      dataDir: svc.config.dataDir,
      log: logger('hub:export'),
    },
  }),
  routes: [
    route({
      method: 'post',
      path: '/',
      summary:
        'A signed BagIt evidence package of one alert or candidate for the police (a disclosure: audited ' +
        'and custody-logged); the hub keeps no copy',
      body: ExportRequest,
      responses: {
        200: {
          description: 'The package (ZIP)',
          raw: ['application/zip'],
          headers: {
            'X-Package-Sha256': 'SHA-256 of the ZIP',
            'X-Signing-Key-Fingerprint': 'the key that signed the tag manifest',
            'X-Evidence-Notes': 'URI-encoded JSON array of notes such as "CLIP MISSING"',
          },
        },
      },
      errors: [404, 409],
      handle: async (c, { body: order }, { deps }) => {
        const p = c.get('principal');
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
      },
    }),
    route({
      method: 'get',
      path: '/key',
      summary: 'The public half of the signing key, to give to a force with the package',
      responses: { 200: { description: 'The key', schema: SigningKeyInfo } },
      handle: (c, _, { dataDir }) => {
        const key = SigningKey.loadOrCreate(dataDir);
        const publicKey = `ed25519:${rawPublicKey(key.publicKey).toString('base64')}`;
        return c.json({ publicKey, fingerprint: key.fingerprint, pem: publicPem(key.publicKey) });
      },
    }),
  ],
};
