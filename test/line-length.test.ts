import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { longLines, MAX_LINE } from '../scripts/check-line-length';

const root = join(import.meta.dirname, '..');
const script = join(root, 'scripts', 'check-line-length.ts');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A real git repository with these files committed (the check reads `git ls-files`). */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'line-length-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  return dir;
}

const run = (cwd: string) =>
  spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [script], { cwd, encoding: 'utf8', timeout: 60_000 });

describe('the line-length check run by npm run lint', () => {
  it('counts characters, not bytes, and names each long line', () => {
    const ok = `const s = '${'×'.repeat(MAX_LINE - 13)}';`; // 120 characters, 240+ bytes
    expect(ok.length).toBe(MAX_LINE);
    expect(longLines('a.ts', `${ok}\n${ok}x\n`)).toEqual([{ file: 'a.ts', line: 2, length: MAX_LINE + 1 }]);
  });

  it('fails on a long line in a tracked source file and passes once it is wrapped', () => {
    const long = `// ${'x'.repeat(130)}\n`;
    const bad = run(repo({ 'a.ts': 'export const a = 1;\n', 'b.css': long, 'notes.md': long, 'c.json': long }));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('b.css:1: 133 characters');
    // Markdown and JSON are not source: never reported.
    expect(bad.stderr).not.toMatch(/notes\.md|c\.json/);

    const good = run(repo({ 'a.ts': 'export const a = 1;\n', 'notes.md': long }));
    expect(good.status).toBe(0);
  });
});
