/** A rectangle in pixels: top-left corner and size. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Grows a binary mask by `radius` pixels (square structuring element), so the parts of one
 * moving person (head, torso, legs that differ from the background by different amounts) join
 * into one blob. Done as two 1-D passes: O(pixels), whatever the radius.
 */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return mask.slice();
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let last = -Infinity; // x of the last set pixel seen from the left
    for (let x = 0; x < width; x++) {
      if (mask[o + x]) last = x;
      if (x - last <= radius) rows[o + x] = 1;
    }
    last = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[o + x]) last = x;
      if (last - x <= radius) rows[o + x] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < height; y++) {
      if (rows[y * width + x]) last = y;
      if (y - last <= radius) out[y * width + x] = 1;
    }
    last = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      if (rows[y * width + x]) last = y;
      if (last - y <= radius) out[y * width + x] = 1;
    }
  }
  return out;
}

/** A connected blob of the mask: its bounding box and how many pixels it has. */
export interface Blob extends Rect {
  area: number;
}

/**
 * 4-connected components of a binary mask (iterative flood fill, no recursion), each as its
 * bounding box and pixel count.
 */
export function components(mask: Uint8Array, width: number, height: number): Blob[] {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const blobs: Blob[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    let area = 0;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      const push = (j: number) => {
        if (mask[j] && !seen[j]) {
          seen[j] = 1;
          stack[top++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x < width - 1) push(i + 1);
      if (y > 0) push(i - width);
      if (y < height - 1) push(i + width);
    }
    blobs.push({ x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1, area });
  }
  return blobs;
}

/** Grows a rectangle by `pad` on every side, clipped to a width x height image. */
export function pad(r: Rect, by: number, width: number, height: number): Rect {
  const x = Math.max(0, r.x - by);
  const y = Math.max(0, r.y - by);
  return { x, y, w: Math.min(width, r.x + r.w + by) - x, h: Math.min(height, r.y + r.h + by) - y };
}

/** Whether two rectangles share any area. */
export const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
/** The bounding box of two rectangles. */
export const union = (a: Rect, b: Rect): Rect => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
};

/**
 * Merges overlapping rectangles into their union until none overlap (a union can newly overlap
 * a third rectangle, hence the loop), so one face is never searched in two half-regions.
 *
 * @example merge([{x:0,y:0,w:10,h:10}, {x:5,y:5,w:10,h:10}]) // [{x:0,y:0,w:15,h:15}]
 */
export function merge(rects: Rect[]): Rect[] {
  const out = rects.map((r) => ({ ...r }));
  let changed = true;
  while (changed) {
    changed = false;
    for (let i = 0; i < out.length && !changed; i++) {
      for (let j = i + 1; j < out.length; j++) {
        if (overlaps(out[i]!, out[j]!)) {
          out[i] = union(out[i]!, out[j]!);
          out.splice(j, 1);
          changed = true;
          break;
        }
      }
    }
  }
  return out;
}

/** Total area of rectangles (overlaps counted twice: only used on merged, disjoint ones). */
export const areaOf = (rects: Rect[]) => rects.reduce((s, r) => s + r.w * r.h, 0);
