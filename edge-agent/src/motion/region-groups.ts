import { type Rect, union } from './regions';

/**
 * Groups rectangles into as few windows as it can, each window no wider and no taller than
 * `maxSide`, so nearby regions cost one detector run instead of one each (issue 15: on the busy
 * street most frames had two or three regions a short walk apart, each searched on its own).
 *
 * A detector run costs the same whatever the window's size, as long as its faces keep a size the
 * detector finds: the caller picks `maxSide` so that the smallest face that can ever be matched
 * still has enough pixels in the model's input once the window is shrunk to it.
 *
 * Greedy agglomeration: the pair whose union has the smallest area is joined first (the closest
 * neighbours, so a window grows as little as it must), until no two fit in one window. A window
 * is the bounding box of its members, so every face wholly inside a member is wholly inside it.
 * Rectangles already larger than `maxSide` are left as they are.
 *
 * @example
 * groupWithin([{ x: 0, y: 0, w: 160, h: 160 }, { x: 200, y: 0, w: 160, h: 160 }], 449)
 * // [{ x: 0, y: 0, w: 360, h: 160 }]
 */
export function groupWithin(rects: readonly Rect[], maxSide: number): Rect[] {
  const out = rects.map((r) => ({ ...r }));
  for (;;) {
    let best: { i: number; j: number; u: Rect; area: number } | null = null;
    for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const u = union(out[i]!, out[j]!);
        if (u.w > maxSide || u.h > maxSide) continue;
        const area = u.w * u.h;
        if (!best || area < best.area) best = { i, j, u, area };
      }
    }
    if (!best) return out;
    out[best.i] = best.u;
    out.splice(best.j, 1);
  }
}
