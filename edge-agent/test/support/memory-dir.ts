import fs from 'node:fs';
import path from 'node:path';

/**
 * A fresh folder on a memory-backed file system (Linux `/dev/shm`, tmpfs), where the agent
 * requires its pre-roll buffer to live. Remove it with `fs.rmSync(dir, { recursive: true })`.
 */
export function memoryDir(prefix = 'shopwatch-test-ring-'): string {
  return fs.mkdtempSync(path.join('/dev/shm', prefix));
}
