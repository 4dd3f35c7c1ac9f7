import { closeSync, fsyncSync, openSync, renameSync, writeSync, copyFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Files that must survive a power cut: written to a temporary name, fsynced, renamed into place,
 * and the directory fsynced so the rename itself is durable (POSIX rename(2) is atomic but not
 * durable until the directory is synced).
 */
export function writeFileDurable(file: string, data: Buffer | Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  fsyncDir(dirname(file));
}

/** Copies a file durably (see {@link writeFileDurable}). */
export function copyFileDurable(from: string, to: string): void {
  const tmp = `${to}.tmp-${process.pid}`;
  try {
    copyFileSync(from, tmp);
    fsyncFile(tmp);
    renameSync(tmp, to);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(to));
}

export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
