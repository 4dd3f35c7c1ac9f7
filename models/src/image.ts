import sharp from 'sharp';

export interface RgbImage {
  /** RGB24, row-major, no padding. */
  rgb: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes an image file or buffer (JPEG, PNG, WebP, …) to RGB24 with sharp, applying EXIF
 * orientation and dropping alpha. Optionally shrinks it so neither side exceeds `maxSide`.
 */
export async function decodeImage(input: string | Buffer, opts: { maxSide?: number } = {}): Promise<RgbImage> {
  let img = sharp(input).rotate();
  if (opts.maxSide)
    img = img.resize({ width: opts.maxSide, height: opts.maxSide, fit: 'inside', withoutEnlargement: true });
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { rgb: data, width: info.width, height: info.height };
}
