import type { GalleryApplied, GallerySnapshot } from '@shopwatch/protocols';
import type { Principal } from '../auth/principal';
import type { EventBus } from '../bus';
import type { Logger } from '../log';
import type { GalleryRepository } from '../storage/gallery-repository';
import type { Repository } from '../storage/repository';

/**
 * Keeps edge boxes' galleries in step with the hub: each version is announced on the bus (the
 * MQTT adapter retains it on `gallery/version`, mqtt/fanout.ts); boxes fetch the snapshot over
 * HTTP and report what they applied. Expired templates are purged here every minute and the
 * version bumped, so boxes purge them too.
 */
export class GallerySync {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private gallery: GalleryRepository,
    private repo: Pick<Repository, 'listSchemes'>,
    private bus: EventBus,
    private log: Logger,
    private sweepMs = 60_000,
  ) {}

  /** Every scheme's current version, for this node's broker (each node announces its own). */
  async announceAll() {
    for (const s of await this.repo.listSchemes()) await this.publish(s.id, await this.gallery.version(s.id));
  }

  /**
   * The expired-template sweep alone, now and every `sweepMs`: in a cluster only the leader runs
   * it (features.ts). Restartable as the lead moves; a purge is claimed by its DELETE anyway.
   */
  startSweeps() {
    this.stop();
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
    void this.sweep();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async publish(scheme: string, version: number) {
    this.bus.emit('gallery', { scheme, version, at: new Date().toISOString() });
  }

  /** Announces a change made elsewhere (enrolment, removal). */
  async changed(scheme: string, version: number) {
    this.log.info({ scheme, version }, 'gallery changed');
    await this.publish(scheme, version);
  }

  async sweep() {
    try {
      for (const { scheme, version, subjects } of await this.gallery.purgeExpired(new Date().toISOString())) {
        this.log.info({ scheme, version, subjects: subjects.length }, 'expired templates purged');
        await this.publish(scheme, version);
      }
    } catch (err) {
      this.log.error({ err }, 'gallery expiry sweep failed');
    }
  }

  async snapshot(scheme: string): Promise<GallerySnapshot> {
    return {
      scheme,
      version: await this.gallery.version(scheme),
      templates: await this.gallery.activeTemplates(scheme, new Date().toISOString()),
    };
  }

  async applied(p: Principal, a: GalleryApplied) {
    await this.gallery.recordApplied(p.id, a.version, a.templates, new Date().toISOString());
    this.log.info({ deviceId: p.id, version: a.version, templates: a.templates }, 'edge box applied gallery');
  }
}
