import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUFFER_MARKER,
  BufferDirError,
  fileSystemOf,
  prepareBufferDir,
  wipeBufferDir,
} from '../../src/evidence/buffer-dir';
import { memoryDir } from '../support/memory-dir';

const dirs: string[] = [];
afterAll(() =>
  dirs.forEach((d) => {
    fs.rmSync(d, { recursive: true, force: true });
  }),
);

describe('where the pre-roll buffer may live', () => {
  it('reads the file system of a folder from the mount table, the innermost mount winning', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-mounts-'));
    dirs.push(tmp);
    const mounts = path.join(tmp, 'mounts');
    const shm = fs.realpathSync('/dev/shm');
    fs.writeFileSync(mounts, `/dev/vda / ext4 rw 0 0\ntmpfs ${shm} tmpfs rw 0 0\nnone ${tmp} ramfs rw 0 0\n`);
    expect(fileSystemOf(path.join(shm, 'not-yet-made', 'ring'), mounts)).toBe('tmpfs');
    expect(fileSystemOf(path.join(tmp, 'ring'), mounts)).toBe('ramfs');
    expect(fileSystemOf('/usr/share', mounts)).toBe('ext4');
  });

  it('refuses a folder on disk, and one that holds files it did not write', () => {
    const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-ring-'));
    dirs.push(disk);
    expect(() => prepareBufferDir({ dir: disk, allowDisk: false })).toThrow(BufferDirError);
    const foreign = memoryDir();
    dirs.push(foreign);
    fs.writeFileSync(path.join(foreign, 'thesis.pdf'), 'not footage');
    expect(() => prepareBufferDir({ dir: foreign, allowDisk: false })).toThrow(/not a ShopWatch buffer/);
    expect(fs.readdirSync(foreign)).toEqual(['thesis.pdf']); // untouched
  });

  it('empties its own folder on start and removes it on release', () => {
    const ring = memoryDir();
    dirs.push(ring);
    expect(prepareBufferDir({ dir: ring, allowDisk: false })).toBe(0);
    fs.mkdirSync(path.join(ring, 'cam-1'));
    fs.writeFileSync(path.join(ring, 'cam-1', 'abc-000001.ts'), 'footage');
    expect(prepareBufferDir({ dir: ring, allowDisk: false })).toBe(1);
    expect(fs.readdirSync(ring)).toEqual([BUFFER_MARKER]);
    fs.mkdirSync(path.join(ring, 'cam-1'));
    fs.writeFileSync(path.join(ring, 'cam-1', 'abc.csv'), 'list');
    expect(wipeBufferDir(ring, { release: true })).toBe(1);
    expect(fs.existsSync(ring)).toBe(false);
  });
});
