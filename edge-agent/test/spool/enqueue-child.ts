// Child process for the crash test: enqueues items with files as fast as it can and prints
// "ok <id>" after each enqueue resolved, until the parent SIGKILLs it.
import { randomBytes } from 'node:crypto';
import { SqliteSpool } from '../../src/spool/sqlite-spool';

const dir = process.argv[2];
const spool = new SqliteSpool({ dir, quotaBytes: 10_000_000_000 });
for (let i = 0; ; i++) {
  const id = `item-${String(i).padStart(5, '0')}`;
  await spool.enqueue({ id, kind: 'candidate', payload: { i, at: Date.now() } }, [
    { name: 'crop.jpg', data: randomBytes(20_000) },
    { name: 'clip.mp4', data: randomBytes(200_000 + (i % 7) * 10_000) },
  ]);
  process.stdout.write(`ok ${id}\n`);
}
