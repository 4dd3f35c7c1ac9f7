import type { MqttClient } from 'mqtt';
import { LiveRequest, topics } from '@shopwatch/protocols';
import type { CameraConfig } from '../config';
import type { Logger } from '../log';
import { type HubLink, failure, redactUrls, sendOnce } from './hub-socket';
import { LiveStream } from './live-stream';
import { sendThumbnail } from './thumbnail';

export interface LiveStreamerOptions {
  client: MqttClient;
  scheme: string;
  link: HubLink;
  cameras: CameraConfig[];
  ffmpegPath: string;
  log: Logger;
  /** At most this many streams at once: a box's uplink and CPU are finite (default 4). */
  maxStreams?: number;
  fragmentMs?: number;
}

/**
 * Answers the hub's live-view requests (`devices/{id}/live/request`, hub-only): starts one
 * {@link LiveStream} per requested stream, stops it on request, and grabs thumbnails. The
 * request arrives over the box's existing MQTT connection; the media goes out on its own socket.
 */
export class LiveStreamer {
  readonly streams = new Map<string, LiveStream>();
  private thumbnailsBusy = new Set<string>();
  private topic: string;
  private stopped = false;
  /** How many ffmpeg live processes this box has started (tests check one per camera, not per viewer). */
  started = 0;

  constructor(private o: LiveStreamerOptions) {
    this.topic = topics.liveRequest(o.scheme, o.link.deviceId);
    o.client.on('connect', this.subscribe);
    o.client.on('message', this.onMessage);
    if (o.client.connected) this.subscribe();
  }

  private subscribe = () => {
    this.o.client.subscribe(this.topic, { qos: 1 }, (err) => {
      if (err) this.o.log.warn({ err: err.message }, 'cannot follow live requests');
    });
  };

  private onMessage = (topic: string, payload: Buffer) => {
    if (topic !== this.topic || this.stopped) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      return this.o.log.warn('malformed live request ignored');
    }
    const r = LiveRequest.safeParse(json);
    if (!r.success) return this.o.log.warn({ issues: r.error.issues.length }, 'invalid live request ignored');
    this.handle(r.data);
  };

  private handle(req: LiveRequest) {
    const { log } = this.o;
    const camera = this.o.cameras.find((c) => c.id === req.cameraId && c.enabled);
    if (req.action === 'stop') return this.streams.get(req.streamId)?.stop('stopped by the hub');
    if (!camera) {
      log.warn({ cameraId: req.cameraId }, 'live request for an unknown camera');
      return this.refuse(req.streamId, `camera "${req.cameraId}" is not configured on this box`);
    }
    if (req.action === 'thumbnail') {
      if (this.thumbnailsBusy.has(camera.id)) return;
      this.thumbnailsBusy.add(camera.id);
      sendThumbnail(this.o.link, req.streamId, camera, this.o.ffmpegPath)
        .catch((err) => {
          log.warn({ cameraId: camera.id, err: redactUrls((err as Error).message) }, 'thumbnail not sent');
        })
        .finally(() => this.thumbnailsBusy.delete(camera.id));
      return;
    }
    if (this.streams.has(req.streamId)) return; // a repeated request (QoS 1 may deliver twice)
    if (this.streams.size >= (this.o.maxStreams ?? 4)) {
      return this.refuse(req.streamId, 'this box already streams its maximum of live views');
    }
    this.started++;
    const stream = new LiveStream({
      link: this.o.link,
      streamId: req.streamId,
      camera,
      ffmpegPath: this.o.ffmpegPath,
      fragmentMs: this.o.fragmentMs,
      log: log.child({ cameraId: camera.id }),
      onEnd: () => this.streams.delete(req.streamId),
    });
    this.streams.set(req.streamId, stream);
  }

  /** Dials the stream's socket only to say why there will be no stream, so viewers are not left waiting. */
  private refuse(streamId: string, reason: string) {
    sendOnce(this.o.link, streamId, failure(reason)).catch(() => {});
  }

  async stop() {
    this.stopped = true;
    this.o.client.off('connect', this.subscribe);
    this.o.client.off('message', this.onMessage);
    const all = [...this.streams.values()];
    for (const s of all) s.stop('edge agent stopping');
    await Promise.all(all.map((s) => s.exited()));
  }
}
