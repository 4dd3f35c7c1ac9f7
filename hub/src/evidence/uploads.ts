import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { Sha256 } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import type { DeviceRecord } from '../storage/repository';
import { type EvidenceStore, fsyncPath } from './store';

export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface UploadState {
  offset: number;
  length: number | null;
  complete: boolean;
}

const kindOf = (name: string) => (name.startsWith('clip') ? 'clip' : name.startsWith('crop') ? 'crop' : 'frame');

/**
 * Resumable uploads of evidence files (a small subset of the tus protocol): `HEAD` tells how
 * many bytes the hub holds, `PATCH` with `Upload-Offset` appends from there. The hub hashes the
 * complete file and keeps it only if the SHA-256 equals the one the edge computed at capture.
 */
export class Uploads {
  /** Called once a file is verified, so the review queue can show it at once. */
  onVerified: (candidateId: string, name: string) => Promise<void> = async () => {};

  constructor(private repo: EvidenceRepository, private store: EvidenceStore, private log: Logger) {}

  private async candidateOf(device: DeviceRecord, candidateId: string) {
    const c = await this.repo.getCandidate(candidateId);
    if (!c || c.deviceId !== device.id) throw new HubError('not_found', `candidate "${candidateId}" not found for this device`);
    return c;
  }

  async state(device: DeviceRecord, candidateId: string, name: string): Promise<UploadState> {
    await this.candidateOf(device, candidateId);
    const f = await this.repo.getFile(candidateId, name);
    if (f?.verifiedAt) return { offset: f.bytes ?? 0, length: f.bytes, complete: true };
    return { offset: this.store.partSize(candidateId, name), length: f?.bytes ?? null, complete: false };
  }

  async append(device: DeviceRecord, candidateId: string, name: string, h: { offset: number; length: number; sha256: string }, body: ReadableStream<Uint8Array> | null): Promise<UploadState & { sha256?: string }> {
    const c = await this.candidateOf(device, candidateId);
    // A reviewer may confirm before the clip (post-roll) arrives: that evidence is the one that
    // matters most (issue 11.1). Only a rejected or expired candidate's media is gone for good.
    if (c.status === 'rejected' || c.status === 'expired') {
      throw new HubError('gone', `candidate is ${c.status}; its evidence was deleted and is no longer accepted`);
    }
    if (!Sha256.safeParse(h.sha256).success) throw new HubError('bad_request', 'X-Content-Sha256 must be the hex SHA-256 of the whole file');
    if (!Number.isInteger(h.length) || h.length <= 0 || h.length > MAX_FILE_BYTES) throw new HubError('bad_request', `Upload-Length must be 1..${MAX_FILE_BYTES}`);
    let f = await this.repo.getFile(candidateId, name);
    if (f?.verifiedAt) return { offset: f.bytes!, length: f.bytes, complete: true, sha256: f.sha256 };
    if (f && f.sha256 !== h.sha256) throw new HubError('conflict', `${name} was declared with another SHA-256`);
    if (f && f.bytes !== null && f.bytes !== h.length) throw new HubError('conflict', `${name} was declared with another length`);
    if (!f) {
      await this.repo.declareFile({ candidateId, name, kind: kindOf(name), sha256: h.sha256, bytes: h.length });
      f = await this.repo.getFile(candidateId, name);
    } else if (f.bytes === null) {
      await this.repo.declareFile({ candidateId, name, kind: f.kind, sha256: h.sha256, bytes: h.length });
    }
    fs.mkdirSync(this.store.dir(candidateId), { recursive: true });
    const part = this.store.part(candidateId, name);
    const have = this.store.partSize(candidateId, name);
    if (h.offset !== have) throw Object.assign(new HubError('conflict', `Upload-Offset ${h.offset} does not match the ${have} bytes held`), { offset: have });

    let written = 0;
    const limit = h.length - have;
    const guard = new Transform({
      transform(chunk: Buffer, _e, cb) {
        written += chunk.length;
        if (written > limit) return cb(new HubError('payload_too_large', 'more bytes than Upload-Length'));
        cb(null, chunk);
      },
    });
    if (body) {
      try {
        await pipeline(Readable.fromWeb(body as any), guard, fs.createWriteStream(part, { flags: 'a' }));
      } catch (err) {
        // A broken connection keeps what arrived: the edge resumes from HEAD's offset.
        if (err instanceof HubError) throw err;
        this.log.info({ candidateId, name, held: this.store.partSize(candidateId, name) }, 'upload interrupted; resumable');
        throw new HubError('bad_request', 'upload interrupted; resume from Upload-Offset');
      }
    }
    const held = this.store.partSize(candidateId, name);
    await this.repo.setReceived(candidateId, name, held);
    if (held < h.length) return { offset: held, length: h.length, complete: false };

    fsyncPath(part);
    const actual = await this.store.sha256(part);
    if (actual !== h.sha256) {
      fs.rmSync(part, { force: true });
      await this.repo.setReceived(candidateId, name, 0);
      await this.repo.custody(candidateId, name, `device:${device.id}`, 'refused', { reason: 'sha256 mismatch', declared: h.sha256, actual });
      this.log.warn({ candidateId, name }, 'evidence file refused: SHA-256 mismatch');
      throw new HubError('bad_request', `SHA-256 mismatch: declared ${h.sha256}, received ${actual}; upload again`);
    }
    fs.renameSync(part, this.store.file(candidateId, name));
    fsyncPath(this.store.dir(candidateId));
    await this.repo.markVerified(candidateId, name, new Date().toISOString());
    await this.repo.custody(candidateId, name, `device:${device.id}`, 'received', { sha256: actual, bytes: held, verified: true });
    await this.onVerified(candidateId, name).catch((err) => this.log.error({ err }, 'announcing a verified file failed'));
    return { offset: held, length: h.length, complete: true, sha256: actual };
  }
}
