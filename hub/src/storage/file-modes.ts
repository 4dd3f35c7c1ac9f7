import fs from 'node:fs';
import path from 'node:path';

/**
 * The data directory holds personal data (gallery photos, evidence, the database) and keys:
 * readable by the hub's own user only. Modes are set explicitly with chmod after creating,
 * because the mode given to mkdir/open is masked by the process umask (often 022).
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

export function ensurePrivateDir(dir: string) {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  fs.chmodSync(dir, PRIVATE_DIR);
}

/** Writes a small file atomically (temp file, fsync, rename) with mode 0600. */
export function writePrivateFile(file: string, data: string | Buffer) {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', PRIVATE_FILE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * Tightens every file and directory under `root` (and `root` itself) to 0600 / 0700, for data
 * written by an older hub or by a process with a loose umask. Symbolic links are not followed.
 * Returns how many modes it changed.
 */
export function tightenModes(root: string): number {
  let changed = 0;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? PRIVATE_DIR : PRIVATE_FILE;
    if ((st.mode & 0o777) !== want) {
      fs.chmodSync(p, want);
      changed++;
    }
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  if (fs.existsSync(root)) walk(root);
  return changed;
}

/** The data dir's entries the hub owns: the database files, photos, evidence, keys, anchors. */
const HUB_ENTRIES = [/^shopwatch\.db(-wal|-shm|-journal)?$/, /^(gallery|evidence|keys)$/, /^audit-anchor\.json$/];

/**
 * Run once at start-up, before anything is written: files the hub creates from here on
 * (photos, evidence, spools) get 0600 / 0700 whatever the caller's umask, and what an older
 * hub left behind is tightened.
 */
export function secureDataDir(dataDir: string, log: { warn: (o: object, m: string) => void }) {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask; modes are still set explicitly where files are made.
  }
  ensurePrivateDir(dataDir);
  // Only what the hub keeps there: SHOPWATCH_DATA_DIR pointed at a shared folder by mistake must
  // not have unrelated files chmodded.
  let changed = 0;
  for (const name of fs.readdirSync(dataDir)) {
    if (HUB_ENTRIES.some((re) => re.test(name))) changed += tightenModes(path.join(dataDir, name));
  }
  if (changed) log.warn({ dataDir, changed }, 'tightened the modes of files in the data dir to 0600/0700');
}
