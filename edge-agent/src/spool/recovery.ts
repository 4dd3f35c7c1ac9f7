import type { Database } from 'better-sqlite3';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { KEPT } from './types';

/** Removes what a crash left behind: folders and files no committed row keeps. */
export function recoverSpool(db: Database, filesDir: string, log: Logger): void {
  const dirs = new Set(db.prepare('SELECT dir FROM items').pluck().all() as string[]);
  const kept = new Set(db.prepare(`SELECT rel_path FROM files WHERE ${KEPT}`).pluck().all() as string[]);
  let removed = 0;
  for (const dir of readdirSync(filesDir)) {
    const abs = join(filesDir, dir);
    if (!dirs.has(dir)) {
      rmSync(abs, { recursive: true, force: true });
      removed++;
      continue;
    }
    for (const name of readdirSync(abs)) {
      if (!kept.has(join(dir, name))) {
        rmSync(join(abs, name), { force: true });
        removed++;
      }
    }
  }
  if (removed) log.info({ removed }, 'spool recovery removed uncommitted files');
  for (const rel of kept) {
    if (!existsSync(join(filesDir, rel))) log.error({ rel }, 'spool file missing on disk');
  }
}
