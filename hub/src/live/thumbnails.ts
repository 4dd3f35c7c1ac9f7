import crypto from 'node:crypto';
import type { WebSocket } from 'ws';
import { LiveEdgeMessage, type LiveRequest } from '@shopwatch/protocols';
import { HubError } from '../errors';
import type { DeviceRecord } from '../storage/repository';

const MAX_JPEG_BYTES = 1024 * 1024;

export interface Thumbnail {
  jpeg: Buffer;
  at: Date;
}

interface Waiter {
  deviceId: string;
  resolve: (t: Thumbnail) => void;
  reject: (e: Error) => void;
}

/**
 * Device-board thumbnails: a JPEG per camera, fetched from the edge box only while someone looks
 * and at most once per `maxAgeMs` (10 s) however many look; everyone else gets the cached one.
 */
export class LiveThumbnails {
  private cache = new Map<string, Thumbnail>();
  private inflight = new Map<string, Promise<Thumbnail>>();
  private waiting = new Map<string, Waiter>();

  constructor(
    private d: {
      /** Rejects when the box cannot be asked (cluster mode, Redis away): the picture is refused at once. */
      request: (scheme: string, deviceId: string, req: LiveRequest) => Promise<void> | void;
      isOnline: (deviceId: string) => boolean;
      maxAgeMs?: number;
      timeoutMs?: number;
    },
  ) {}

  async get(device: DeviceRecord, cameraId: string): Promise<Thumbnail> {
    const key = `${device.id}/${cameraId}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at.getTime() < (this.d.maxAgeMs ?? 10_000)) return cached;
    if (!this.d.isOnline(device.id)) {
      if (cached) return cached;
      throw new HubError('unavailable', `edge box "${device.id}" is offline`);
    }
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(device, cameraId).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    const t = await p;
    this.cache.set(key, t);
    return t;
  }

  private fetch(device: DeviceRecord, cameraId: string): Promise<Thumbnail> {
    const streamId = crypto.randomBytes(16).toString('base64url');
    return new Promise<Thumbnail>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(streamId);
        reject(new HubError('unavailable', 'the edge box sent no picture in time'));
      }, this.d.timeoutMs ?? 10_000);
      const done =
        <T>(f: (v: T) => void) =>
        (v: T) => (clearTimeout(timer), this.waiting.delete(streamId), f(v));
      this.waiting.set(streamId, { deviceId: device.id, resolve: done(resolve), reject: done(reject) });
      Promise.resolve(this.d.request(device.scheme, device.id, { action: 'thumbnail', streamId, cameraId })).catch(
        (err) => this.waiting.get(streamId)?.reject(err),
      );
    });
  }

  /** True while this node waits for the edge box to dial back with `streamId`'s picture. */
  waitsFor(streamId: string): boolean {
    return this.waiting.has(streamId);
  }

  /** The edge box dialled back with the picture: one JPEG (or a `failed` report), then it closes. */
  attachEdge(device: DeviceRecord, streamId: string, ws: WebSocket): boolean {
    const w = this.waiting.get(streamId);
    if (!w || w.deviceId !== device.id) return false;
    this.waiting.delete(streamId);
    ws.once('message', (data: Buffer, isBinary) => {
      ws.close(1000, 'thank you');
      if (!isBinary) {
        const r = LiveEdgeMessage.safeParse(safeJson(data));
        const why = r.success ? `no picture: ${r.data.reason}` : 'the edge box sent no picture';
        return w.reject(new HubError('unavailable', why));
      }
      // JPEG: SOI (FF D8) first and EOI (FF D9) last; anything else is not relayed to browsers.
      const jpeg =
        data.length <= MAX_JPEG_BYTES &&
        data[0] === 0xff &&
        data[1] === 0xd8 &&
        data.at(-2) === 0xff &&
        data.at(-1) === 0xd9;
      if (jpeg) w.resolve({ jpeg: Buffer.from(data), at: new Date() });
      else w.reject(new HubError('unavailable', 'the edge box sent something that is not a JPEG'));
    });
    ws.on('error', () => w.reject(new HubError('unavailable', 'the picture was lost on the way')));
    return true;
  }
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}
