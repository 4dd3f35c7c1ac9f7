import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../storage/file-modes';

/**
 * What makes the audit chain more than self-consistent. A hash chain alone can be recomputed by
 * anyone who can write the database, and rows cut from its end leave a shorter chain that still
 * verifies. So the hub keeps, OUTSIDE the database:
 * - a secret key (`keys/audit-hmac.key`, 32 random bytes, mode 0600) used for an HMAC-SHA256 of
 *   every entry's hash, stored beside the entry: a recomputed chain has no valid MACs;
 * - an anchor file (`audit-anchor.json`) naming the newest entry (seq and hash) under the same
 *   key: a log that ends before the anchor's entry was truncated.
 * Whoever holds the key can still forge; keep a copy of it and of the anchor off the machine to
 * check against (see SECURITY.md, key custody).
 */
export interface AnchorState {
  /** First entry covered by MACs (entries before it predate the key). */
  macFrom: number;
  seq: number;
  hash: string;
}

const KEY_FILE = path.join('keys', 'audit-hmac.key');
const ANCHOR_FILE = 'audit-anchor.json';

export class AuditAnchor {
  private constructor(
    private dir: string,
    private key: Buffer,
  ) {}

  /** Opens the key in `dir`, creating it (and a first anchor after `lastSeq`) when there is none. */
  static open(dir: string, last: { seq: number; hash: string }): AuditAnchor {
    const file = path.join(dir, KEY_FILE);
    ensurePrivateDir(path.dirname(file));
    let key: Buffer;
    try {
      key = fs.readFileSync(file);
    } catch {
      key = crypto.randomBytes(32);
      try {
        fs.writeFileSync(file, key, { flag: 'wx', mode: 0o600 });
        const a = new AuditAnchor(dir, key);
        a.write({ macFrom: last.seq + 1, seq: last.seq, hash: last.hash });
        return a;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        key = fs.readFileSync(file); // another process made it first
      }
    }
    if (key.length < 32) throw new Error(`the audit key ${file} is shorter than 32 bytes`);
    return new AuditAnchor(dir, key);
  }

  /** Opens an existing key for checking only; null when there is none. */
  static existing(dir: string): AuditAnchor | null {
    try {
      return new AuditAnchor(dir, fs.readFileSync(path.join(dir, KEY_FILE)));
    } catch {
      return null;
    }
  }

  /** The MAC stored with an entry. */
  entryMac(seq: number, hash: string): string {
    return crypto.createHmac('sha256', this.key).update(`entry:${seq}:${hash}`).digest('hex');
  }

  macMatches(seq: number, hash: string, mac: string | null | undefined): boolean {
    if (!mac) return false;
    const a = Buffer.from(this.entryMac(seq, hash));
    const b = Buffer.from(mac);
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }

  private anchorMac(s: AnchorState) {
    const text = `anchor:${JSON.stringify([s.macFrom, s.seq, s.hash])}`;
    return crypto.createHmac('sha256', this.key).update(text).digest('hex');
  }

  /**
   * Records the newest entry. Never moves backwards (two processes may append in turn), and never
   * rewrites a missing or altered anchor: that must stay visible to `audit verify`.
   */
  advance(seq: number, hash: string): boolean {
    const cur = this.read();
    if (!cur.state) return false;
    if (cur.state.seq >= seq) return true;
    this.write({ macFrom: cur.state.macFrom, seq, hash });
    return true;
  }

  private write(s: AnchorState) {
    writePrivateFile(path.join(this.dir, ANCHOR_FILE), JSON.stringify({ ...s, mac: this.anchorMac(s) }));
  }

  /** The anchor, or why it cannot be trusted. */
  read(): { state: AnchorState | null; problem: string | null } {
    let raw: string;
    try {
      raw = fs.readFileSync(path.join(this.dir, ANCHOR_FILE), 'utf8');
    } catch {
      return { state: null, problem: `the audit anchor file ${ANCHOR_FILE} is missing` };
    }
    try {
      const j = JSON.parse(raw) as AnchorState & { mac: string };
      const s: AnchorState = { macFrom: j.macFrom, seq: j.seq, hash: j.hash };
      const ok =
        typeof j.mac === 'string' &&
        j.mac.length === 64 &&
        crypto.timingSafeEqual(Buffer.from(j.mac), Buffer.from(this.anchorMac(s)));
      if (!ok) return { state: null, problem: 'the audit anchor file was altered (MAC mismatch)' };
      return { state: s, problem: null };
    } catch {
      return { state: null, problem: 'the audit anchor file is unreadable' };
    }
  }
}
