import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EvidenceId, FileName } from '@shopwatch/protocols';
import { HubError } from '../errors';

/**
 * Where evidence files live: `{dataDir}/evidence/{candidateId}/{name}`, with `.part` files
 * while an upload is incomplete. Names are checked against the protocol's patterns, so a
 * path can never leave the evidence folder.
 */
export class EvidenceStore {
  readonly root: string;
  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'evidence');
    fs.mkdirSync(this.root, { recursive: true });
  }

  dir(candidateId: string) {
    if (!EvidenceId.safeParse(candidateId).success) throw new HubError('bad_request', 'invalid candidate id');
    return path.join(this.root, candidateId);
  }

  file(candidateId: string, name: string) {
    if (!FileName.safeParse(name).success) throw new HubError('bad_request', 'invalid file name');
    return path.join(this.dir(candidateId), name);
  }

  part(candidateId: string, name: string) {
    return `${this.file(candidateId, name)}.part`;
  }

  partSize(candidateId: string, name: string): number {
    try {
      return fs.statSync(this.part(candidateId, name)).size;
    } catch {
      return 0;
    }
  }

  /** Hashes a stored file; every transfer out of the hub is checked against the recorded hash. */
  async sha256(file: string): Promise<string> {
    const h = crypto.createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
    return h.digest('hex');
  }

  /** Deletes a file and its partial upload, overwriting nothing else. */
  remove(candidateId: string, name: string) {
    fs.rmSync(this.file(candidateId, name), { force: true });
    fs.rmSync(this.part(candidateId, name), { force: true });
  }

  removeDirIfEmpty(candidateId: string) {
    try {
      fs.rmdirSync(this.dir(candidateId));
    } catch {}
  }
}

export function fsyncPath(p: string) {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
