/**
 * `npm run lint` (after Biome): fails on any line longer than 120 characters in a tracked source
 * file. Biome's formatter wraps code at 120 columns but leaves long strings, SQL and comments as
 * they are; this catches those. Markdown and JSON are not source and are not checked.
 *
 * Usage: `tsx scripts/check-line-length.ts` (from anywhere inside the repository).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MAX_LINE = 120;
export const SOURCE_PATTERNS = ['*.ts', '*.tsx', '*.mts', '*.cts', '*.js', '*.mjs', '*.cjs', '*.css', '*.py', '*.sh'];

export interface LongLine {
  file: string;
  line: number;
  length: number;
}

/** The long lines of one file's text (length in characters, as an editor counts them). */
export function longLines(file: string, text: string, max = MAX_LINE): LongLine[] {
  const out: LongLine[] = [];
  text.split('\n').forEach((l, i) => {
    const length = [...l.replace(/\r$/, '')].length;
    if (length > max) out.push({ file, line: i + 1, length });
  });
  return out;
}

function trackedSources(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', ...SOURCE_PATTERNS], { cwd: root, encoding: 'utf8' });
  // A file deleted but not yet staged is still listed: there is nothing to check in it.
  return out.split('\0').filter((f) => f && existsSync(join(root, f)));
}

function main(): void {
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
  const found = trackedSources(root).flatMap((f) => longLines(f, readFileSync(join(root, f), 'utf8')));
  for (const l of found) console.error(`${l.file}:${l.line}: ${l.length} characters (at most ${MAX_LINE})`);
  if (found.length) {
    console.error(`${found.length} line(s) over ${MAX_LINE} characters: wrap them.`);
    process.exit(1);
  }
  console.log(`line length: every tracked source line is at most ${MAX_LINE} characters`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
