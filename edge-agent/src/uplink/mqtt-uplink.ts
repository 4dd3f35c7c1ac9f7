import mqtt, { type MqttClient } from 'mqtt';
import {
  CandidateReport,
  ClipReport,
  GalleryApplied,
  type CameraReport,
  redactText,
  topics,
} from '@shopwatch/protocols';
import type { Logger } from '../log';
import type { Uplink } from '../ports';
import type { LocalCameraStatus } from '../camera/watchdog';
import type { SpoolItem, SpoolStatus } from '../spool/types';
import { type HubHttp, uploadFile } from './files';

export interface UplinkOptions {
  mqttUrl: string;
  http: HubHttp;
  scheme: string;
  log: Logger;
  /** Called when the hub announces a new gallery version (retained `gallery/version`). */
  onGalleryVersion?: (version: number) => void;
  /** Called when the hub verified one file of a spooled item (so a restart does not send it again). */
  onFileUploaded?: (itemId: string, name: string) => void;
  /**
   * Called when the hub refused one file for good (never on a "retry later" answer). With
   * `purge`, the candidate's media must be deleted here too (the hub deleted its own).
   */
  onFileRefused?: (itemId: string, name: string, reason: string, purge: boolean) => void;
}

/**
 * The edge agent's link to the hub: MQTT for reports (QoS 1: the hub stores before PUBACK),
 * HTTP for evidence files (resumable, verified). Spooled items are delivered in order; a
 * rejection leaves the item in the spool for the next attempt.
 */
export class HubUplink implements Uplink {
  readonly client: MqttClient;
  private cameras = new Map<string, LocalCameraStatus>();

  constructor(private o: UplinkOptions) {
    const { deviceId, secret } = o.http;
    this.client = mqtt.connect(o.mqttUrl, {
      username: deviceId,
      password: secret,
      clientId: `${deviceId}:agent`,
      clean: true,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      keepalive: 30,
    });
    this.client.on('connect', () => {
      o.log.info('connected to the hub');
      this.client.subscribe([topics.galleryVersion(o.scheme), topics.deviceErrors(o.scheme, deviceId)], { qos: 1 });
      for (const s of this.cameras.values()) this.publishCamera(s); // the hub may have missed changes
    });
    this.client.on('error', (err) => o.log.warn({ err: err.message }, 'hub connection error'));
    this.client.on('message', (topic, payload) => {
      try {
        const body = JSON.parse(payload.toString());
        if (topic === topics.galleryVersion(o.scheme)) o.onGalleryVersion?.(Number(body.version));
        // (live requests arrive on this client too; the live streamer handles them)
        else if (topic === topics.deviceErrors(o.scheme, deviceId)) {
          o.log.warn({ error: body }, 'the hub refused a message');
        }
      } catch {}
    });
  }

  get connected() {
    return this.client.connected;
  }

  reportCamera(status: LocalCameraStatus): void {
    this.cameras.set(status.cameraId, status);
    if (this.client.connected) this.publishCamera(status);
  }

  private publishCamera(s: LocalCameraStatus) {
    const report: CameraReport = {
      status: s.status,
      ...(s.reason ? { reason: redactText(s.reason).slice(0, 300) } : {}),
      ...(s.name ? { name: s.name } : {}),
    };
    this.client.publish(topics.cameraReport(this.o.scheme, this.o.http.deviceId, s.cameraId), JSON.stringify(report), {
      qos: 1,
    });
  }

  reportSpool(status: SpoolStatus): void {
    this.o.log[status.level === 'warning' ? 'warn' : 'info'](
      { ratio: status.usage.ratio, bytes: status.usage.bytes },
      'spool level',
    );
  }

  async reportGallery(applied: GalleryApplied) {
    await this.client.publishAsync(
      topics.galleryApplied(this.o.scheme, this.o.http.deviceId),
      JSON.stringify(GalleryApplied.parse(applied)),
      { qos: 1 },
    );
  }

  private async publish(body: unknown) {
    if (!this.client.connected) throw new Error('hub not connected');
    await this.client.publishAsync(topics.evidence(this.o.scheme, this.o.http.deviceId), JSON.stringify(body), {
      qos: 1,
    });
  }

  async deliver(item: SpoolItem): Promise<void> {
    const payload = item.payload as Record<string, unknown>;
    if (item.kind === 'candidate') {
      // The report first: the reviewer sees the candidate at once; the pictures follow.
      await this.publish(CandidateReport.parse({ ...payload, kind: 'candidate' }));
      await this.uploadAll(item);
    } else if (item.kind === 'clip') {
      // The report declares the clip (name, size, SHA-256) before its upload: the hub takes only
      // declared files. A refused upload stays in the spool with the hub's reason (uploadAll);
      // the hub keeps its side of the refusal in the candidate's custody log.
      await this.publish(ClipReport.parse({ kind: 'clip', ...payload }));
      await this.uploadAll(item);
    } else {
      this.o.log.error({ kind: item.kind, id: item.id }, 'unknown spool item kind; dropped');
    }
  }

  /** Uploads every file not yet verified nor refused; returns the refusals of this round. */
  private async uploadAll(item: SpoolItem): Promise<Array<{ name: string; reason: string }>> {
    const candidateId = String((item.payload as { candidateId: string }).candidateId);
    const refused: Array<{ name: string; reason: string }> = [];
    for (const f of item.files) {
      if (f.refusedAt) refused.push({ name: f.name, reason: f.refusedReason ?? 'refused' });
      if (f.uploadedAt || f.refusedAt || !f.path) continue;
      const r = await uploadFile(this.o.http, candidateId, f.name, f.path, f.sha256);
      if (r.status === 'verified') {
        this.o.onFileUploaded?.(item.id, f.name);
        continue;
      }
      // Never marked uploaded: the file stays in the spool with the reason (or is purged).
      const fields = { candidateId, file: f.name, reason: r.reason, purge: r.purge };
      this.o.log.warn(fields, 'the hub refused an evidence file');
      this.o.onFileRefused?.(item.id, f.name, r.reason, r.purge);
      refused.push({ name: f.name, reason: r.reason });
    }
    return refused;
  }

  async close() {
    await this.client.endAsync();
  }
}
