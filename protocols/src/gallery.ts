import { z } from 'zod';
import { Timestamp } from './common';

/** Hub → edge boxes, retained on `gallery/version`: fetch the gallery when this changes. */
export const GalleryVersion = z.object({ version: z.number().int().nonnegative(), at: Timestamp });
export type GalleryVersion = z.infer<typeof GalleryVersion>;

/** One matching template: a descriptor, never a photo. */
export const GalleryTemplate = z.object({
  subjectId: z.string(),
  templateId: z.string(),
  /** Gallery version at which this template was added. */
  version: z.number().int().nonnegative(),
  /** 128 float32 values, little-endian, base64. */
  descriptor: z.string(),
  expiresAt: Timestamp,
});
export type GalleryTemplate = z.infer<typeof GalleryTemplate>;

/**
 * `GET /api/edge/gallery`: the scheme's whole active gallery at `version`. The edge replaces
 * what it holds with this, so anything absent (removed, expired) is purged there too.
 */
export const GallerySnapshot = z.object({
  scheme: z.string(),
  version: z.number().int().nonnegative(),
  templates: z.array(GalleryTemplate),
});
export type GallerySnapshot = z.infer<typeof GallerySnapshot>;

/** Edge → hub on `devices/{deviceId}/gallery/applied`: what it now holds (memory and disk). */
export const GalleryApplied = z.strictObject({
  version: z.number().int().nonnegative(),
  templates: z.number().int().nonnegative(),
});
export type GalleryApplied = z.infer<typeof GalleryApplied>;

export function encodeDescriptor(d: Float32Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
}

export function decodeDescriptor(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}
