import fs from 'node:fs';
import { AuditLog } from './audit/log';
import { EXPORT_USAGE, runExportCommand } from './export/cli-export';
import type { HubConfig } from './config';
import { subjectAccessExport } from './gallery/sar';
import { photoPath, photoRoot } from './gallery/subjects';
import { bidiSafeJson } from './http/bidi-json';
import { logger } from './log';
import { SecretKey } from './auth/device-secrets';
import { applyProvisioning, readProvisioning } from './provisioning/apply';
import { SqliteEvidenceRepository } from './storage/evidence-repository';
import { SqliteGalleryRepository } from './storage/gallery-repository';
import { GovernanceRepository } from './storage/governance-repository';
import { openDatabase } from './storage/sqlite';
import { SqliteRepository } from './storage/sqlite-repository';

const USAGE = `usage:
  npm run hub                                   start the hub
  npm run hub -- audit verify                   check the audit log's hash chain, MACs and anchor
  npm run hub -- sar --subject ID --out FILE    export everything held about a gallery subject
  npm run hub -- provision FILE                 apply a provisioning file to the data folder; a running
                                                hub ends removed users' sessions and devices' connections
${EXPORT_USAGE}`;

/** Offline admin commands on the hub's data folder. Returns the process exit code. */
export async function runCommand(args: string[], config: HubConfig): Promise<number> {
  const log = logger('hub:cli');
  const exported = await runExportCommand(args, config);
  if (exported !== null) return exported;
  if (args[0] === 'audit' && args[1] === 'verify') {
    const db = openDatabase(config.dataDir, log);
    const r = new AuditLog(db).verify();
    db.close();
    if (r.ok) {
      console.log(`audit log intact: ${r.entries} entries, hash chain, MACs and anchor verified`);
      return 0;
    }
    console.error(`audit log BROKEN at entry ${r.brokenAt}: ${r.reason}`);
    return 1;
  }
  if (args[0] === 'provision' && args[1]) return provision(args[1], config);
  if (args[0] === 'sar') {
    const opt = (name: string) => {
      const i = args.indexOf(`--${name}`);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const subject = opt('subject');
    const out = opt('out');
    if (!subject || !out) {
      console.error(USAGE);
      return 2;
    }
    const db = openDatabase(config.dataDir, log);
    try {
      const gov = new GovernanceRepository(db);
      const audit = new AuditLog(db);
      const root = photoRoot(config.dataDir);
      const data = await subjectAccessExport(
        {
          gov,
          photoFile: (s, p) => photoPath(root, s, p),
          evidence: new SqliteEvidenceRepository(db),
          repo: new SqliteRepository(db),
          audit,
          templates: (id) => new SqliteGalleryRepository(db).count(id),
        },
        subject,
        { kind: 'user', id: 'cli' },
      );
      if (!data) {
        console.error(`no subject "${subject}"`);
        return 1;
      }
      fs.writeFileSync(out, bidiSafeJson(data, 2));
      console.log(
        `wrote ${out}: ${data.incidents.length} incidents, ${data.photos.length} photos, ` +
          `${data.reviewVerdicts.length} review verdicts, ${data.audit.length} audit entries`,
      );
      return 0;
    } finally {
      db.close();
    }
  }
  console.error(USAGE);
  return 2;
}

/** Applies a file to the data folder; a hub running on it notices within seconds (see Revocation). */
async function provision(file: string, config: HubConfig): Promise<number> {
  const p = readProvisioning(file); // a ProvisioningError becomes exit code 2 in main.ts
  const db = openDatabase(config.dataDir, logger('hub:cli'));
  try {
    const key = SecretKey.forDataDir(config.dataDir);
    const r = await applyProvisioning(new SqliteRepository(db), p, key, logger('hub:provisioning'));
    console.log(
      `applied ${file} in ${r.ms} ms: ${r.devicesWritten} devices written, ${r.devicesUnchanged} unchanged, ` +
        `${r.revokedDevices.length} revoked; ${r.usersHashed} passwords set, ${r.removedUsers.length} users removed`,
    );
    return 0;
  } finally {
    db.close();
  }
}
