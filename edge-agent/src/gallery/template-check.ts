import { decodeDescriptor, type GalleryTemplate } from '@shopwatch/protocols';

/** The descriptor contract (models/manifest.json): dlib ResNet, 128 float32, not L2-normalised. */
export const DESCRIPTOR_LENGTH = 128;
/** Real descriptors have a norm around 0.5–1.5; anything outside this is not one. */
const MIN_NORM = 1e-3;
const MAX_NORM = 10;

export interface TemplateProblem {
  subjectId: string;
  templateId: string;
  problem: string;
}

/**
 * Why a gallery template cannot be matched against, or null if it can: the wrong length, a
 * non-finite value, or a magnitude no descriptor has. One bad template must never stop matching
 * for every other subject (issue 17.6): the store skips it and reports it.
 *
 * @example templateProblem(t) // 'descriptor has 100 values, expected 128'
 */
export function templateProblem(t: GalleryTemplate): string | null {
  const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (typeof t.descriptor !== 'string' || !base64.test(t.descriptor)) return 'descriptor is not base64';
  const bytes = Buffer.byteLength(t.descriptor, 'base64');
  if (bytes !== DESCRIPTOR_LENGTH * 4) return `descriptor has ${bytes / 4} values, expected ${DESCRIPTOR_LENGTH}`;
  const d = decodeDescriptor(t.descriptor);
  let sum = 0;
  for (const v of d) {
    if (!Number.isFinite(v)) return 'descriptor holds a value that is not a finite number';
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm < MIN_NORM || norm > MAX_NORM) {
    return `descriptor norm ${norm.toPrecision(3)} is outside ${MIN_NORM}..${MAX_NORM}`;
  }
  if (!Number.isFinite(Date.parse(t.expiresAt))) return 'expiresAt is not a date';
  return null;
}
