import { Sha256 } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { EvidenceRepository, FileRecord } from '../storage/evidence-repository';
import type { DeviceRecord } from '../storage/repository';
import { DEFAULT_UPLOAD_LIMITS, UploadRate, type UploadLimits } from './limits';
import { checkClip } from './probe';
import { Interrupted, bodyChunks } from './receive';
import { SNIFF_BYTES, describeType, sniff } from './sniff';
import type { EvidenceStore } from './store';
import { UploadQuota } from './upload-quota';

export interface UploadState {
  offset: number;
  length: number | null;
  complete: boolean;
}

type Declared = FileRecord & { bytes: number };
type Body = ReadableStream<Uint8Array> | null;

/** The type each kind of evidence file must be, read from its bytes. */
const EXPECTED = { crop: 'image/jpeg', frame: 'image/jpeg', clip: 'video/mp4' } as const;

/**
 * Resumable uploads of evidence files (a small subset of the tus protocol): `HEAD` tells how
 * many bytes the hub holds, `PATCH` with `Upload-Offset` appends from there. Only files that
 * the candidate report (crop, frame) or the clip report (clip) declared are taken, with the
 * declared size and SHA-256 — a device can neither add files nor change a declaration by
 * uploading. A candidate's files are taken while it is pending AND after confirmation (the clip
 * of a confirmed match is the evidence that matters most); after a rejection or expiry its
 * media is deleted and uploads get 410 Gone.
 *
 * Replicas (issue 14): the PATCHes of one file may land on different hub replicas sharing the
 * blob store. Nothing the next PATCH needs is kept in memory: the offset is the size of the
 * `.part` blob, bytes are written at that offset and fsynced before the answer, and the file is
 * published only after its SHA-256 matched. Two replicas writing the same offset at once write
 * the same bytes to the same place (a device sending different bytes fails the hash and starts
 * over); the `busy` set below only spares one replica the wasted work.
 */
export class Uploads {
  limits: UploadLimits = { ...DEFAULT_UPLOAD_LIMITS };
  private rate = new UploadRate(() => this.limits);
  /** Files with a PATCH in progress: a second concurrent one would interleave bytes. */
  private busy = new Set<string>();
  /** Bytes each device's PATCHes in progress may still write, reserved in the shared database. */
  private quota: UploadQuota;

  constructor(
    private repo: EvidenceRepository,
    private store: EvidenceStore,
    private log: Logger,
    /** Called once a file is verified, so the review queue can show it at once. */
    private onVerified: (candidateId: string, name: string) => Promise<void>,
  ) {
    this.quota = new UploadQuota(repo, log);
  }

  private async candidateOf(device: DeviceRecord, candidateId: string) {
    const c = await this.repo.getCandidate(candidateId);
    if (!c || c.deviceId !== device.id) {
      throw new HubError('not_found', `candidate "${candidateId}" not found for this device`);
    }
    if (c.status === 'rejected' || c.status === 'expired') {
      throw new HubError('gone', `candidate is ${c.status}; its media was deleted and no upload is taken for it`);
    }
    return c;
  }

  private async declared(candidateId: string, name: string): Promise<Declared> {
    const f = await this.repo.getFile(candidateId, name);
    if (!f || f.bytes === null) {
      throw new HubError(
        'conflict',
        `${name} was not declared for candidate ${candidateId}: ` +
          'only the files named in its candidate or clip report are taken',
      );
    }
    if (f.deletedAt) throw new HubError('gone', `${name} was deleted`);
    return f as Declared;
  }

  async state(device: DeviceRecord, candidateId: string, name: string): Promise<UploadState> {
    await this.candidateOf(device, candidateId);
    const f = await this.declared(candidateId, name);
    if (f.verifiedAt) return { offset: f.bytes, length: f.bytes, complete: true };
    return { offset: await this.store.partSize(candidateId, name), length: f.bytes, complete: false };
  }

  async append(
    device: DeviceRecord,
    candidateId: string,
    name: string,
    h: { offset: number; length: number; sha256: string },
    body: Body,
  ): Promise<UploadState & { sha256?: string }> {
    const c = await this.candidateOf(device, candidateId);
    const f = await this.declared(candidateId, name);
    if (f.verifiedAt) return { offset: f.bytes, length: f.bytes, complete: true, sha256: f.sha256 };
    if (!Sha256.safeParse(h.sha256).success) {
      throw new HubError('bad_request', 'X-Content-Sha256 must be the hex SHA-256 of the whole file');
    }
    // The declaration wins: a request that disagrees with it is refused and records nothing, so
    // a wrong header never blocks the file (the next correct request goes through).
    if (h.sha256 !== f.sha256) {
      throw new HubError('conflict', `${name} was declared with another SHA-256; nothing was recorded`);
    }
    if (h.length !== f.bytes) {
      const why = `Upload-Length ${h.length} differs from the declared ${f.bytes} bytes; nothing was recorded`;
      throw new HubError('conflict', why);
    }
    const key = `${candidateId}/${name}`;
    // 503, not 409: the other PATCH may be a connection about to be found dead; retrying is right.
    if (this.busy.has(key)) {
      throw new HubError('unavailable', `an upload of ${name} is already in progress; retry shortly`);
    }
    this.busy.add(key);
    try {
      return await this.write(device, c.status === 'pending', f, h.offset, body);
    } finally {
      this.busy.delete(key);
    }
  }

  private async write(device: DeviceRecord, pending: boolean, f: Declared, offset: number, body: Body) {
    const { candidateId, name } = f;
    const part = this.store.partKey(candidateId, name);
    const have = await this.store.partSize(candidateId, name);
    if (offset !== have) {
      const err = new HubError('conflict', `Upload-Offset ${offset} does not match the ${have} bytes held`);
      throw Object.assign(err, { offset: have });
    }
    this.rate.check(device.id);
    // The quota protects the disk from a box flooding the review queue; the clip of a match a
    // reviewer already confirmed is always taken.
    const need = f.bytes - have;
    const reservation = await this.quota.reserve(device.id, need, pending ? this.limits.deviceQuotaBytes : null);
    try {
      return await this.receive(device, f, part, have, body);
    } finally {
      await reservation.release();
    }
  }

  private async receive(device: DeviceRecord, f: Declared, part: string, have: number, body: Body) {
    const { candidateId, name } = f;
    const expected = EXPECTED[f.kind];
    const blobs = this.store.blobs;
    let head = have > 0 ? await blobs.head(part, SNIFF_BYTES) : Buffer.alloc(0);
    let written = 0;
    const limit = f.bytes - have;
    const check = (chunk: Buffer) => {
      written += chunk.length;
      this.rate.count(device.id, chunk.length);
      if (written > limit) throw new HubError('payload_too_large', `more bytes than the declared ${f.bytes}`);
      // Sniffed as soon as the first bytes are in: a wrong type is refused before it is stored.
      if (head.length < SNIFF_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        if (head.length >= SNIFF_BYTES && sniff(head) !== expected) throw notOfType(name, expected, head);
      }
    };
    if (body) {
      try {
        await blobs.writeAt(part, have, bodyChunks(body), check);
      } catch (err) {
        if (err instanceof HubError && err.code === 'unsupported_media_type') {
          return this.refuse(device, f, part, err, { reason: err.message });
        }
        // A broken connection keeps what arrived: the edge resumes from HEAD's offset.
        if (err instanceof Interrupted) {
          const held = await this.store.partSize(candidateId, name);
          this.log.info({ candidateId, name, held }, 'upload interrupted; resumable');
        }
        throw err;
      }
    }
    if (await this.publishedElsewhere(f)) return { offset: f.bytes, length: f.bytes, complete: true, sha256: f.sha256 };
    const held = await this.store.partSize(candidateId, name);
    await this.repo.setReceived(candidateId, name, held);
    if (held < f.bytes) return { offset: held, length: f.bytes, complete: false };
    return this.complete(device, f, part, held);
  }

  /**
   * True when another replica, writing the same bytes at the same time, already checked and
   * published the file: the `.part` is gone and the file is there at its declared size (a file
   * is only ever published after its hash and type matched).
   */
  private async publishedElsewhere(f: Declared): Promise<boolean> {
    const blobs = this.store.blobs;
    if ((await blobs.size(this.store.partKey(f.candidateId, f.name))) !== null) return false;
    return (await blobs.size(this.store.fileKey(f.candidateId, f.name))) === f.bytes;
  }

  /** Every byte is here: hash, then check what it is, then keep it. */
  private async complete(device: DeviceRecord, f: Declared, part: string, held: number) {
    const { candidateId, name } = f;
    const blobs = this.store.blobs;
    let actual: string;
    try {
      actual = await blobs.sha256(part); // every PATCH was fsynced before it was answered
    } catch (err) {
      if (!(await this.publishedElsewhere(f))) throw err;
      return { offset: f.bytes, length: f.bytes, complete: true, sha256: f.sha256 };
    }
    if (actual !== f.sha256) {
      const why = `SHA-256 mismatch: declared ${f.sha256}, received ${actual}; upload again`;
      const err = new HubError('bad_request', why);
      return this.refuse(device, f, part, err, { reason: 'sha256 mismatch', declared: f.sha256, actual });
    }
    const expected = EXPECTED[f.kind];
    const head = await blobs.head(part, SNIFF_BYTES);
    if (sniff(head) !== expected) {
      return this.refuse(device, f, part, notOfType(name, expected, head), { reason: 'type' });
    }
    if (f.kind === 'clip') {
      const probe = await checkClip(blobs.localPath(part), { timeoutMs: this.limits.probeTimeoutMs });
      if (!probe.ok) {
        const err = new HubError('unsupported_media_type', `${name} refused: ${probe.reason}`);
        return this.refuse(device, f, part, err, { reason: probe.reason });
      }
    }
    if (!(await blobs.publish(part, this.store.fileKey(candidateId, name)))) {
      // Another replica finished the same bytes a moment earlier and published them after the
      // same checks; it records the custody entry, once.
      return { offset: held, length: f.bytes, complete: true, sha256: actual };
    }
    // Verified and custody-logged in one transaction: never one without the other, even across a crash.
    const received = { sha256: actual, bytes: held, verified: true };
    await this.repo.recordVerified(candidateId, name, new Date().toISOString(), `device:${device.id}`, received);
    const announced = this.onVerified(candidateId, name);
    await announced.catch((err) => this.log.error({ err }, 'announcing a verified file failed'));
    return { offset: held, length: f.bytes, complete: true, sha256: actual };
  }

  /** Deletes what arrived of a refused file, logs the refusal in its custody log, and throws `err`. */
  private async refuse(
    device: DeviceRecord,
    f: FileRecord,
    part: string,
    err: HubError,
    detail: object,
  ): Promise<never> {
    await this.store.blobs.delete(part);
    await this.repo.setReceived(f.candidateId, f.name, 0);
    await this.repo.custody(f.candidateId, f.name, `device:${device.id}`, 'refused', detail);
    this.log.warn({ candidateId: f.candidateId, name: f.name, reason: err.message }, 'evidence file refused');
    throw err;
  }
}

function notOfType(name: string, expected: string, head: Buffer) {
  const what = describeType(sniff(head));
  return new HubError('unsupported_media_type', `${name} must be ${expected}; its bytes are ${what}`);
}
