import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/evidence/hash';
import { SqliteSpool } from '../../src/spool/sqlite-spool';
import { spoolContract } from './contract';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'edge-spool-'));
  dirs.push(d);
  return d;
};
afterAll(() =>
  dirs.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

spoolContract(
  'SqliteSpool',
  (opts) => new SqliteSpool({ dir: freshDir(), ...opts }),
  (spool, id, name) => readFileSync(spool.get(id)!.files.find((f) => f.name === name)!.path!),
);

describe('SqliteSpool on disk', () => {
  it('keeps undelivered items, delivery marks and files across a restart', async () => {
    const dir = freshDir();
    let spool = new SqliteSpool({ dir, quotaBytes: 1e9 });
    await spool.enqueue({ id: 'a', kind: 'candidate', payload: { n: 1 } }, [
      { name: 'crop.jpg', data: Buffer.from('jpeg') },
    ]);
    await spool.enqueue({ id: 'b', kind: 'candidate', payload: { n: 2 } });
    spool.markDelivered('a');
    spool.close();
    spool = new SqliteSpool({ dir, quotaBytes: 1e9 });
    expect(spool.peek()?.id).toBe('b');
    expect(readFileSync(spool.get('a')!.files[0].path!, 'utf8')).toBe('jpeg');
    expect(spool.durability()).toEqual({ journalMode: 'wal', synchronous: 2 });
    spool.close();
  });

  it('leaves no folder behind for records evicted by the quota', async () => {
    const dir = freshDir();
    const spool = new SqliteSpool({ dir, quotaBytes: 1_000 });
    for (const id of ['r1', 'r2', 'r3']) {
      await spool.enqueue({ id, kind: 'candidate', payload: { pad: 'x'.repeat(400) } }, [
        { name: 'crop.jpg', data: Buffer.alloc(100) },
      ]);
    }
    expect(spool.get('r1')).toBeUndefined();
    expect(readdirSync(join(dir, 'files')).length).toBe(spool.usage().items);
    spool.close();
  });

  it('survives SIGKILL of a process that was enqueueing, then delivers in order, each once', async () => {
    const dir = freshDir();
    const script = fileURLToPath(new URL('./enqueue-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let killScheduled = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith('ok ')) acknowledged.push(l.slice(3));
        if (acknowledged.length >= 40 && !killScheduled) {
          killScheduled = true;
          // at a random moment inside the next enqueues: while files are written or rows commit
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, Math.random() * 30);
        }
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${stderr}`)),
      );
    });
    await new Promise((r) => child.once('close', r));

    const foldersBefore = readdirSync(join(dir, 'files')).length;
    const spool = new SqliteSpool({ dir, quotaBytes: 1e10 });
    console.log(
      `SIGKILL after ${acknowledged.length} acknowledged enqueues: ${foldersBefore} item folders on disk, ` +
        `${spool.usage().items} committed items`,
    );
    const delivered: string[] = [];
    for (let item = spool.peek(); item; item = spool.peek()) {
      for (const f of item.files) expect(sha256(readFileSync(f.path!))).toBe(f.sha256);
      expect(item.files.map((f) => f.name)).toEqual(['clip.mp4', 'crop.jpg']);
      delivered.push(item.id);
      spool.markDelivered(item.id);
    }
    // every acknowledged item, in order, once; at most the one in flight besides
    expect(delivered.slice(0, acknowledged.length)).toEqual(acknowledged);
    expect(delivered.length - acknowledged.length).toBeLessThanOrEqual(1);
    expect(new Set(delivered).size).toBe(delivered.length);
    // no file without a committed row
    expect(readdirSync(join(dir, 'files')).length).toBe(delivered.length);
    spool.close();
    const reopened = new SqliteSpool({ dir, quotaBytes: 1e10 });
    expect(reopened.peek()).toBeUndefined();
    reopened.close();
  });
});
