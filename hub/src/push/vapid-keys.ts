import fs from 'node:fs';
import path from 'node:path';
import webpush from 'web-push';
import type { Logger } from '../log';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const FILE = 'vapid.json';

/**
 * The hub's VAPID key pair (RFC 8292), made on first start and kept in the data dir. The file
 * holds a private key, so it is created 0600 and a wider mode found later is narrowed again.
 * Keeping it stable matters: every browser subscription is bound to this public key, and a new
 * key would silently orphan all of them.
 */
export function loadOrCreateVapidKeys(dataDir: string, log: Logger): VapidKeys {
  const file = path.join(dataDir, FILE);
  if (fs.existsSync(file)) {
    if ((fs.statSync(file).mode & 0o077) !== 0) {
      fs.chmodSync(file, 0o600);
      log.warn({ file }, 'VAPID key file was readable by others; narrowed to 0600');
    }
    const keys = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<VapidKeys>;
    if (typeof keys.publicKey !== 'string' || typeof keys.privateKey !== 'string') {
      throw new Error(`${file} is not a VAPID key file ({ publicKey, privateKey })`);
    }
    return { publicKey: keys.publicKey, privateKey: keys.privateKey };
  }
  const keys = webpush.generateVAPIDKeys();
  fs.mkdirSync(dataDir, { recursive: true });
  // 'wx' fails if another process created it meanwhile; mode applies at creation, before any byte.
  fs.writeFileSync(file, JSON.stringify(keys), { mode: 0o600, flag: 'wx' });
  log.info({ file }, 'generated the VAPID key pair for Web Push');
  return keys;
}
