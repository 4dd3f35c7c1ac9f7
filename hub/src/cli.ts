import fs from 'node:fs';
import { AuditLog } from './audit/log';
import { EXPORT_USAGE, runExportCommand } from './export/cli-export';
import { type HubConfig, filesRoot } from './config';
import { subjectAccessExport } from './gallery/sar';
import { renderSubjectAccessHtml } from './gallery/sar-html';
import { LocalBlobStore } from './files/local-blob-store';
import { photoKey } from './gallery/subjects';
import { bidiSafeJson } from './http/bidi-json';
import { logger } from './log';
import { SecretKey } from './auth/device-secrets';
import { applyProvisioning, readProvisioning } from './provisioning/apply';
import { type Storage, openStorage } from './storage/open';
import { checkSharedKeys } from './storage/shared-keys';
import { migrateTo } from './storage/postgres/migrate-command';

const USAGE = `usage:
  npm run hub                                   start the hub
  npm run hub -- audit verify                   check the audit log's hash chain, MACs and anchor
  npm run hub -- sar --subject ID --out FILE    export everything held about a gallery subject
                                                (FILE.html: a readable document; otherwise JSON)
  npm run hub -- provision FILE                 apply a provisioning file to the data folder; a running
                                                hub ends removed users' sessions and devices' connections
  npm run hub -- migrate-to postgres://…        copy the data folder's database into an empty PostgreSQL one
${EXPORT_USAGE}`;

/** Offline admin commands on the hub's data folder. Returns the process exit code. */
export async function runCommand(args: string[], config: HubConfig): Promise<number> {
  const exported = await runExportCommand(args, config);
  if (exported !== null) return exported;
  if (args[0] === 'audit' && args[1] === 'verify') {
    const r = await withStorage(config, async (s) => (await AuditLog.open(s.audit, config.dataDir)).verify());
    if (r.ok) {
      console.log(`audit log intact: ${r.entries} entries, hash chain, MACs and anchor verified`);
      return 0;
    }
    console.error(`audit log BROKEN at entry ${r.brokenAt}: ${r.reason}`);
    return 1;
  }
  if (args[0] === 'provision' && args[1]) return provision(args[1], config);
  if (args[0] === 'migrate-to' && args[1]) return migrateTo(args[1], config);
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
    // FILE.html gets the readable document (photos embedded), any other name the JSON.
    const html = out.endsWith('.html');
    const blobs = new LocalBlobStore(filesRoot(config));
    const data = await withStorage(config, async (storage) =>
      subjectAccessExport(
        {
          gov: storage.governance,
          photoFile: (s, p) => blobs.localPath(photoKey(s, p)),
          evidence: storage.evidence,
          repo: storage.repo,
          audit: await AuditLog.open(storage.audit, config.dataDir),
          templates: (id) => storage.gallery.count(id),
        },
        subject,
        { kind: 'user', id: 'cli', name: 'command line' },
        html ? 'html' : 'json',
      ),
    );
    if (!data) {
      console.error(`no subject "${subject}"`);
      return 1;
    }
    fs.writeFileSync(out, html ? renderSubjectAccessHtml(data) : bidiSafeJson(data, 2));
    console.log(
      `wrote ${out}: ${data.incidents.length} incidents, ${data.photos.length} photos, ` +
        `${data.reviewVerdicts.length} review verdicts, ${data.audit.length} audit entries`,
    );
    return 0;
  }
  console.error(USAGE);
  return 2;
}

/** Applies a file to the data folder; a hub running on it notices within seconds (see Revocation). */
async function provision(file: string, config: HubConfig): Promise<number> {
  const p = readProvisioning(file); // a ProvisioningError becomes exit code 2 in main.ts
  const r = await withStorage(config, async (storage) => {
    const key = SecretKey.forDataDir(config.dataDir);
    // Digests written under another key than the hubs' would lock every device out.
    await checkSharedKeys(storage.keys, config.dataDir);
    return applyProvisioning(storage.repo, p, key, logger('hub:provisioning'));
  });
  console.log(
    `applied ${file} in ${r.ms} ms: ${r.devicesWritten} devices written, ${r.devicesUnchanged} unchanged, ` +
      `${r.revokedDevices.length} revoked; ${r.usersHashed} passwords set, ${r.removedUsers.length} users removed`,
  );
  return 0;
}

/** Opens the data folder's storage for one command and closes it however the command ends. */
async function withStorage<T>(config: HubConfig, work: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config, logger('hub:cli'));
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}
