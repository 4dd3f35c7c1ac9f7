import { z } from 'zod';
import { Slug, Timestamp } from './common';
import { DeviceDuty, DeviceKind } from './provisioning';

/** Retained on `shopwatch/{scheme}/devices/{deviceId}/status`; published by the hub only. */
export const DeviceStatus = z.object({
  deviceId: z.string(),
  status: z.enum(['online', 'offline']),
  since: Timestamp,
  lastSeen: Timestamp.nullable(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export const CameraState = z.enum(['online', 'offline', 'error']);
export type CameraState = z.infer<typeof CameraState>;

/** An edge box reports a camera on `.../devices/{deviceId}/cameras/{cameraId}/report`. */
export const CameraReport = z.strictObject({
  status: CameraState,
  reason: z.string().max(300).optional(),
  name: z.string().max(100).optional(),
  at: Timestamp.optional(),
});
export type CameraReport = z.infer<typeof CameraReport>;

/** The hub republishes it, validated and retained, on `.../devices/{deviceId}/cameras/{cameraId}/status`. */
export const CameraStatus = z.object({
  deviceId: z.string(),
  cameraId: z.string(),
  name: z.string().nullable(),
  status: CameraState,
  reason: z.string().nullable(),
  since: Timestamp,
});
export type CameraStatus = z.infer<typeof CameraStatus>;

/** `GET /api/devices` */
export const DeviceSummary = z.object({
  id: z.string(),
  kind: DeviceKind,
  name: z.string().nullable(),
  scheme: Slug,
  store: Slug.nullable(),
  zone: Slug.nullable(),
  duty: DeviceDuty,
  status: z.enum(['online', 'offline']),
  lastSeen: Timestamp.nullable(),
  cameras: z.array(CameraStatus),
});
export type DeviceSummary = z.infer<typeof DeviceSummary>;

/** Sent by the hub to one device on `.../devices/{deviceId}/errors` when it refuses its message. */
export const DeviceError = z.object({
  code: z.string(),
  message: z.string(),
  topic: z.string(),
  at: Timestamp,
});
export type DeviceError = z.infer<typeof DeviceError>;
