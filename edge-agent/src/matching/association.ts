import type { Box } from '@shopwatch/protocols';

/**
 * How much wider one box may be than the other and still be the same face on the next analysed
 * frame. A face walking through a camera's view changes its width by a few per cent a frame; even
 * after seconds of skipped frames (a saturated box) it does not halve. Without this bound a 17 px
 * face beside a 35 px one (a passer-by behind the subject) was within "one face width" of the
 * larger track, joined it, and its descriptor was fused into the subject's.
 */
export const MAX_WIDTH_RATIO = 1.5;

/**
 * Whether `next` can continue a face last seen at `prev`: a similar size, and the centres within
 * a face width or the boxes overlapping (IoU >= 0.2). Returns the centre distance in face widths
 * (smaller = the better continuation), or null when it cannot be the same face.
 */
export function continuation(prev: Box, next: Box): number | null {
  const wide = Math.max(prev.w, next.w);
  const narrow = Math.max(1, Math.min(prev.w, next.w));
  if (wide / narrow > MAX_WIDTH_RATIO) return null;
  const d = centreDistance(prev, next) / wide;
  return d <= 1 || iou(prev, next) >= 0.2 ? d : null;
}

function centreDistance(a: Box, b: Box): number {
  return Math.hypot(a.x + a.w / 2 - (b.x + b.w / 2), a.y + a.h / 2 - (b.y + b.h / 2));
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}
