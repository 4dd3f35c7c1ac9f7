import fs from 'node:fs';
import { EvidenceId, FileName } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { BlobStore } from '../files/blob-store';
import { LocalBlobStore } from '../files/local-blob-store';

/**
 * Where evidence files live in the blob store: `evidence/{candidateId}/{name}`, with `.part`
 * blobs while an upload is incomplete. Names are checked against the protocol's patterns, so a
 * key can never leave the evidence folder. `file()` and `dir()` are local paths for the tools
 * that need one (ffprobe, the export).
 */
export class EvidenceStore {
  readonly blobs: BlobStore;
  constructor(dataDir: string, blobs?: BlobStore) {
    this.blobs = blobs ?? new LocalBlobStore(dataDir);
  }

  /** The blob key of a candidate's folder. */
  dirKey(candidateId: string) {
    if (!EvidenceId.safeParse(candidateId).success) throw new HubError('bad_request', 'invalid candidate id');
    return `evidence/${candidateId}`;
  }

  fileKey(candidateId: string, name: string) {
    if (!FileName.safeParse(name).success) throw new HubError('bad_request', 'invalid file name');
    return `${this.dirKey(candidateId)}/${name}`;
  }

  partKey(candidateId: string, name: string) {
    return `${this.fileKey(candidateId, name)}.part`;
  }

  dir(candidateId: string) {
    return this.blobs.localPath(this.dirKey(candidateId));
  }

  file(candidateId: string, name: string) {
    return this.blobs.localPath(this.fileKey(candidateId, name));
  }

  part(candidateId: string, name: string) {
    return this.blobs.localPath(this.partKey(candidateId, name));
  }

  /** Bytes held of an upload in progress: read from the shared file, never from memory. */
  async partSize(candidateId: string, name: string): Promise<number> {
    return (await this.blobs.size(this.partKey(candidateId, name))) ?? 0;
  }

  /** Hashes a stored file; every transfer out of the hub is checked against the recorded hash. */
  async sha256(file: string): Promise<string> {
    const root = this.blobs.localPath('evidence');
    const rel = file.startsWith(`${root}/`) ? file.slice(root.length + 1) : null;
    if (rel === null) throw new HubError('bad_request', 'not an evidence file');
    return this.blobs.sha256(`evidence/${rel}`);
  }

  /** Deletes a file and its partial upload, overwriting nothing else. */
  async remove(candidateId: string, name: string) {
    await this.blobs.delete(this.fileKey(candidateId, name));
    await this.blobs.delete(this.partKey(candidateId, name));
  }

  async removeDirIfEmpty(candidateId: string) {
    try {
      await fs.promises.rmdir(this.dir(candidateId));
    } catch {
      // not empty (another file still held) or already gone
    }
  }
}

/** Makes what was written (a file) or renamed (a directory) at `p` durable, synchronously. */
export function fsyncPath(p: string) {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
