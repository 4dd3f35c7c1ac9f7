import crypto from 'node:crypto';
import type { Logger } from '../log';
import type { EvidenceRepository } from '../storage/evidence-repository';
import { quotaExceeded } from './limits';

/**
 * How long a reservation lives unless renewed. A PATCH renews it every third of this while it
 * runs, so only a replica that died mid-PATCH leaves one behind, and it lapses within this time.
 */
export const RESERVATION_LEASE_MS = 60_000;

/** A reservation held for one PATCH: release it when the PATCH ends, whatever the outcome. */
export interface Reservation {
  release(): Promise<void>;
}

/**
 * The upload quota shared by every hub replica (issue 14). Before a PATCH writes a byte it
 * reserves the bytes it may still write, in the database, checked against the device's quota
 * together with what the device already holds and what its other PATCHes — on any replica —
 * have reserved. A device therefore cannot pass its quota by sending PATCHes to several
 * replicas at once. On one machine this is the same check in SQLite.
 */
export class UploadQuota {
  constructor(
    private repo: EvidenceRepository,
    private log: Logger,
    private leaseMs = RESERVATION_LEASE_MS,
  ) {}

  /**
   * Reserves `bytes` for `deviceId`; with `quota` null (a confirmed candidate's clip, always
   * taken) nothing is checked but the bytes still count against the device's other uploads.
   * Throws `quota_exceeded` (507) when the reservation would pass the quota; nothing is kept then.
   */
  async reserve(deviceId: string, bytes: number, quota: number | null): Promise<Reservation> {
    const id = crypto.randomUUID();
    const now = Date.now();
    const until = (t: number) => new Date(t + this.leaseMs).toISOString();
    const r = await this.repo.reserveUpload({
      id,
      deviceId,
      bytes,
      quota,
      now: new Date(now).toISOString(),
      until: until(now),
    });
    if (!r.ok) throw quotaExceeded(r.held, bytes, quota!);
    const renew = setInterval(() => {
      this.repo.renewUpload(id, until(Date.now())).catch((err) => {
        this.log.warn({ err, deviceId }, 'renewing an upload reservation failed; it lapses on its own');
      });
    }, this.leaseMs / 3);
    renew.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renew);
        // A failed delete is not the PATCH's failure: the lease lapses within leaseMs anyway.
        await this.repo.releaseUpload(id).catch((err) => {
          this.log.warn({ err, deviceId }, 'releasing an upload reservation failed; it lapses on its own');
        });
      },
    };
  }
}
