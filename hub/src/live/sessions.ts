import crypto from 'node:crypto';
import type { WebSocket } from 'ws';
import { type LiveRequest, topics } from '@shopwatch/protocols';
import type { AuditLog } from '../audit/log';
import { HubError } from '../errors';
import type { Logger } from '../log';
import type { LiveStreamDirectory } from '../cluster/live-streams';
import type { DeviceRecord } from '../storage/repository';
import { LiveSession } from './session';
import type { LiveViewer } from './viewer';

export interface LiveSessionDeps {
  publish: (topic: string, payload: string) => Promise<void>;
  isOnline: (deviceId: string) => boolean;
  audit: Pick<AuditLog, 'append'>;
  log: Logger;
  /** The stream stops this long after its last viewer left (a reload or a second look costs no restart). */
  graceMs?: number;
  /** A stream whose edge box has not sent its init segment by then is given up. */
  startTimeoutMs?: number;
  /** Cluster mode: where other nodes look up who waits for a stream (edge-relay.ts). */
  directory?: LiveStreamDirectory;
}

/**
 * The hub's live streams: one {@link LiveSession} per camera however many watch, started by an
 * MQTT request to the edge box on the first viewer and stopped a grace period after the last.
 * Every view is audited twice: when it opens (who, camera, why) and when it ends (with its start).
 */
export class LiveSessions {
  private byCamera = new Map<string, LiveSession>();
  private byStream = new Map<string, LiveSession>();
  private stopped = false;
  /** Streams whose box was never asked (their claim failed): no stop is sent for them. */
  private unasked = new WeakSet<LiveSession>();

  constructor(private d: LiveSessionDeps) {}

  get active(): LiveSession[] {
    return [...this.byCamera.values()];
  }

  session(deviceId: string, cameraId: string): LiveSession | undefined {
    return this.byCamera.get(`${deviceId}/${cameraId}`);
  }

  /** Adds an authorised viewer to the camera's stream, asking the edge box to start it if needed. */
  async open(device: DeviceRecord, viewer: LiveViewer): Promise<LiveSession> {
    if (this.stopped) throw new HubError('unavailable', 'the hub is stopping');
    const { cameraId } = viewer.request;
    let s = this.session(device.id, cameraId);
    if (!s) {
      if (!this.d.isOnline(device.id)) throw new HubError('unavailable', `edge box "${device.id}" is offline`);
      s = this.start(device, cameraId);
    }
    // Cluster mode: a stream no node could route the box's socket for is refused here, at once.
    await s.requested;
    const p = viewer.principal;
    // Awaited: a view that cannot be audited is refused (the error reaches the viewer).
    await this.d.audit.append({
      scheme: p.scheme,
      actor: { kind: 'user', id: p.id },
      action: 'view',
      object: { kind: 'camera', id: `${device.id}/${cameraId}` },
      detail: {
        what: 'live view opened',
        reason: viewer.request.reason,
        streamId: s.streamId,
        startedAt: viewer.openedAt.toISOString(),
      },
    });
    s.addViewer(viewer);
    return s;
  }

  /** A viewer left: audit the end; the last one out starts the grace timer. */
  close(s: LiveSession, viewer: LiveViewer) {
    if (!s.viewers.has(viewer)) return;
    s.removeViewer(viewer);
    const p = viewer.principal;
    const endedAt = new Date();
    // A view that cannot be audited is refused when it opens; its end is logged if storage fails.
    // Not awaited: the viewer is gone either way, and closing must not wait on storage.
    const audit = (e: Parameters<AuditLog['append']>[0]) => {
      this.d.audit.append(e).catch((err) => {
        this.d.log.error({ err, streamId: s.streamId, user: p.id }, 'could not audit the end of a live view');
      });
    };
    audit({
      scheme: p.scheme,
      actor: { kind: 'user', id: p.id },
      action: 'view',
      object: { kind: 'camera', id: `${s.deviceId}/${s.cameraId}` },
      detail: {
        what: 'live view closed',
        reason: viewer.request.reason,
        streamId: s.streamId,
        startedAt: viewer.openedAt.toISOString(),
        endedAt: endedAt.toISOString(),
        seconds: Math.round((endedAt.getTime() - viewer.openedAt.getTime()) / 1000),
        dropped: viewer.dropped,
      },
    });
    if (s.viewers.size === 0 && s.state !== 'ended' && !s.graceTimer) {
      s.graceTimer = setTimeout(() => s.viewers.size === 0 && s.end('nobody is watching'), this.d.graceMs ?? 5000);
    }
  }

  private start(device: DeviceRecord, cameraId: string): LiveSession {
    const streamId = crypto.randomBytes(16).toString('base64url');
    const onEnd = (ended: LiveSession, reason: string) => this.ended(ended, reason);
    const s = new LiveSession(streamId, device.scheme, device.id, cameraId, this.d.log, onEnd);
    this.byCamera.set(`${device.id}/${cameraId}`, s);
    this.byStream.set(streamId, s);
    const giveUp = () => s.state === 'starting' && s.end('the edge box did not start the stream in time');
    s.startTimer = setTimeout(giveUp, this.d.startTimeoutMs ?? 15_000);
    s.requested = this.request(device.scheme, device.id, { action: 'start', streamId, cameraId });
    s.requested.catch((err) => {
      this.unasked.add(s);
      s.end((err as Error).message);
    });
    this.d.log.info({ streamId, deviceId: device.id, cameraId }, 'live stream requested');
    return s;
  }

  private ended(s: LiveSession, reason: string) {
    this.byCamera.delete(`${s.deviceId}/${s.cameraId}`);
    this.byStream.delete(s.streamId);
    // Closing the socket already ends the edge's ffmpeg; the request covers a socket that never came.
    // A box that was never asked is not told to stop either (only the claim is released).
    if (this.unasked.has(s)) this.d.directory?.release(s.streamId).catch(() => {});
    else this.request(s.scheme, s.deviceId, { action: 'stop', streamId: s.streamId, cameraId: s.cameraId });
    const ids = { streamId: s.streamId, deviceId: s.deviceId, cameraId: s.cameraId };
    this.d.log.info({ ...ids, reason, fragments: s.fragments }, 'live stream ended');
  }

  /**
   * Sends a live request to the edge box. In a cluster a start or thumbnail is claimed in the
   * directory first, so whichever node the box's socket reaches can find the node that waits for it.
   */
  request(scheme: string, deviceId: string, req: LiveRequest): Promise<void> {
    const dir = this.d.directory;
    const claimed = dir && req.action !== 'stop' ? dir.claim(req.streamId) : Promise.resolve();
    if (dir && req.action === 'stop') {
      dir.release(req.streamId).catch((err) => this.d.log.debug({ err: (err as Error).message }, 'release failed'));
    }
    claimed
      .then(() => this.d.publish(topics.liveRequest(scheme, deviceId), JSON.stringify(req)))
      .catch((err) => this.d.log.warn({ deviceId, err: (err as Error).message }, 'live request not published'));
    // The caller learns whether the box is asked at all; a failed publish is only logged, as before.
    return claimed.catch((err) => {
      throw err instanceof HubError ? err : new HubError('unavailable', 'the other hub nodes cannot be told; retry');
    });
  }

  /** True while this node waits for, or runs, the stream with this id. */
  waitsFor(streamId: string): boolean {
    return this.byStream.has(streamId);
  }

  /** An edge box dialled `/live/edge?stream=<id>`: only for a stream the hub asked that very box for. */
  attachEdge(device: DeviceRecord, streamId: string, ws: WebSocket): boolean {
    const s = this.byStream.get(streamId);
    if (!s || s.deviceId !== device.id || s.state === 'ended' || s.edgeConnected) return false;
    s.attachEdge(ws);
    return true;
  }

  stop() {
    this.stopped = true;
    for (const s of this.active) {
      s.end('the hub is stopping'); // tells every viewer why
      // Audit the ends now, while storage is still open (the sockets finish closing after it is gone).
      for (const v of [...s.viewers]) this.close(s, v);
    }
  }
}
