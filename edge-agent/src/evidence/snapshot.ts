import type { Box } from '@shopwatch/protocols';
import sharp from 'sharp';
import type { Frame } from '../camera/frame-reader';
import { writeFileDurable } from '../durable-fs';
import { sha256 } from './hash';

export interface SavedImage {
  file: string;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  /** The region of the frame it shows, in frame pixels. */
  box: Box;
}

/**
 * Saves a whole frame as JPEG (fsynced), with the SHA-256 of the written bytes.
 * Only for frames the matcher asked for: ingest itself never writes frames.
 *
 * @example
 * const img = await saveFrameJpeg(frame, '/spool/tmp/frame.jpg');
 */
export async function saveFrameJpeg(frame: Frame, file: string, quality = 90): Promise<SavedImage> {
  return saveRegion(frame, { x: 0, y: 0, w: frame.width, h: frame.height }, file, quality);
}

/**
 * Saves the crop of a face box as JPEG, widened by `margin` (fraction of the box on each side,
 * default 0.25) and clamped to the frame, so the reviewer sees the head, not just the features.
 *
 * @example
 * const crop = await saveCropJpeg(frame, { x: 330, y: 150, w: 90, h: 90 }, '/spool/tmp/face.jpg');
 */
export async function saveCropJpeg(
  frame: Frame,
  box: Box,
  file: string,
  opts: { margin?: number; quality?: number } = {},
): Promise<SavedImage> {
  return saveRegion(frame, expandBox(box, opts.margin ?? 0.25, frame.width, frame.height), file, opts.quality ?? 92);
}

/** Widens a box by `margin` of its size on each side, rounds it and clamps it to the frame. */
export function expandBox(box: Box, margin: number, frameWidth: number, frameHeight: number): Box {
  const x0 = Math.max(0, Math.floor(box.x - box.w * margin));
  const y0 = Math.max(0, Math.floor(box.y - box.h * margin));
  const x1 = Math.min(frameWidth, Math.ceil(box.x + box.w * (1 + margin)));
  const y1 = Math.min(frameHeight, Math.ceil(box.y + box.h * (1 + margin)));
  if (x1 - x0 < 1 || y1 - y0 < 1)
    throw new RangeError(`box ${JSON.stringify(box)} lies outside the ${frameWidth}x${frameHeight} frame`);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Encodes a region of a frame (default: all of it) as JPEG in memory.
 *
 * @example
 * const jpeg = await encodeJpeg(frame, expandBox(face, 0.25, frame.width, frame.height));
 */
export async function encodeJpeg(frame: Frame, box?: Box, quality = 90): Promise<Buffer> {
  const region = box ?? { x: 0, y: 0, w: frame.width, h: frame.height };
  return sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.w, height: region.h })
    .jpeg({ quality })
    .toBuffer();
}

async function saveRegion(frame: Frame, box: Box, file: string, quality: number): Promise<SavedImage> {
  const jpeg = await encodeJpeg(frame, box, quality);
  writeFileDurable(file, jpeg);
  return { file, sha256: sha256(jpeg), bytes: jpeg.length, width: box.w, height: box.h, box };
}
