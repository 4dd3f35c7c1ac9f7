import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExhibitRef } from '@shopwatch/protocols';
import { AuditLog } from '../audit/log';
import { type HubConfig, filesRoot } from '../config';
import { HubError } from '../errors';
import { EvidenceStore } from '../evidence/store';
import { logger } from '../log';
import { openStorage } from '../storage/open';
import { SigningKey, parsePublicKey, publicPem, rawPublicKey } from './keys';
import { exportEvidence } from './package';
import { verifyPackage } from './verify';

export const EXPORT_USAGE = `  npm run hub -- export --alert ID|--candidate ID --exhibit REF --out FILE.zip
                [--to NAME --organisation ORG --reason TEXT]
                                                write a signed BagIt evidence package for the police
  npm run hub -- export verify FILE.zip [--key PUBKEY]
                                                check a package (PUBKEY: PEM file or base64 key)
  npm run hub -- keys                           print the evidence signing key (made on first use)`;

const NOT_STATED = 'not stated (exported from the command line)';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `export`, `export verify` and `keys`; null when `args` is none of them. Returns the exit code. */
export async function runExportCommand(args: string[], config: HubConfig): Promise<number | null> {
  if (args[0] === 'keys') return printKey(config.dataDir);
  if (args[0] !== 'export') return null;
  if (args[1] === 'verify') return verifyCommand(args, config.dataDir);

  const candidateId = option(args, 'candidate');
  const alertId = option(args, 'alert');
  const exhibit = ExhibitRef.safeParse(option(args, 'exhibit') ?? '');
  const out = option(args, 'out');
  if (!out || !exhibit.success || (candidateId === undefined) === (alertId === undefined)) {
    console.error(`usage:\n${EXPORT_USAGE}`);
    if (!exhibit.success) console.error(`--exhibit: ${exhibit.error.issues[0]?.message}`);
    return 2;
  }
  const log = logger('hub:export');
  const storage = await openStorage(config, log);
  try {
    const deps = {
      repo: storage.repo,
      evidence: storage.evidence,
      files: new EvidenceStore(filesRoot(config)),
      audit: await AuditLog.open(storage.audit, config.dataDir),
      alias: (s: string, id: string) => storage.governance.alias(s, id),
      dataDir: config.dataDir,
      log,
    };
    const order = {
      candidateId,
      alertId,
      exhibit: exhibit.data,
      to: option(args, 'to') ?? NOT_STATED,
      organisation: option(args, 'organisation') ?? NOT_STATED,
      reason: option(args, 'reason') ?? NOT_STATED,
    };
    const who = { kind: 'user', id: 'cli', name: `hub command line on ${os.hostname()}`, scheme: null };
    const r = await exportEvidence(deps, order, who, path.resolve(out));
    for (const n of r.notes) console.error(`WARNING: ${n}`);
    const what = r.candidateId ? `candidate ${r.candidateId}` : `alert ${r.alertId} (record only)`;
    console.log(`wrote ${r.file}: bag ${r.bagName}/, ${what}, ${r.payloadFiles} payload files, ${r.bytes} bytes`);
    console.log(`package SHA-256 ${r.sha256}; signed by ${r.keyFingerprint}`);
    return 0;
  } catch (err) {
    if (!(err instanceof HubError)) throw err;
    console.error(`export refused (${err.code}): ${err.message}`);
    return 1;
  } finally {
    await storage.close();
  }
}

function printKey(dataDir: string): number {
  const key = SigningKey.loadOrCreate(dataDir);
  console.log(`evidence signing key (Ed25519) of ${dataDir}`);
  console.log(`public key: ed25519:${rawPublicKey(key.publicKey).toString('base64')}`);
  console.log(`fingerprint: ${key.fingerprint}`);
  process.stdout.write(publicPem(key.publicKey));
  return 0;
}

function verifyCommand(args: string[], dataDir: string): number {
  const file = args[2];
  if (!file || file.startsWith('--')) {
    console.error(`usage:\n${EXPORT_USAGE}`);
    return 2;
  }
  const spec = option(args, 'key');
  let key: KeyObject | undefined;
  try {
    key = spec ? parsePublicKey(spec) : SigningKey.load(dataDir)?.publicKey;
  } catch (err) {
    console.error(`--key: ${(err as Error).message}`);
    return 2;
  }
  if (!key) {
    console.error(`this data folder (${dataDir}) has no signing key; give the hub's public key with --key`);
    return 2;
  }
  let zip: Buffer;
  try {
    zip = fs.readFileSync(file);
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  const r = verifyPackage(zip, key);
  if (r.ok) {
    const exhibit = r.info.find(([k]) => k === 'External-Identifier')?.[1];
    console.log(
      `${file}: GOOD. Bag ${r.bagName}/ (exhibit ${exhibit}), ${r.payloadFiles} payload files, ` +
        `every hash matches, signed by ${r.keyFingerprint}`,
    );
    for (const [, note] of r.info.filter(([k]) => k === 'Evidence-Note')) console.log(`note: ${note}`);
    return 0;
  }
  console.error(`${file}: FAILED verification`);
  for (const p of r.problems) console.error(`  ${p.file}: ${p.problem}`);
  return 1;
}
