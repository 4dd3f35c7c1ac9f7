import type { SchemeInfo } from '@shopwatch/protocols';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
export interface PlanLayout {
  width: number;
  height: number;
  zones: { id: string; name: string; box: Box }[];
  stores: { id: string; name: string; zone: string; box: Box }[];
}

const PAD = 24;
const HEAD = 44;
const TILE_W = 150;
const TILE_H = 64;
const GAP = 14;

/**
 * Lays out the scheme as a schematic plan (no map tiles can be fetched): each zone a block,
 * each store a tile inside it. When every store carries a `plan` position (0..100 on each
 * axis) from the provisioning file, stores sit there and each zone is drawn around its stores.
 */
export function layoutPlan(s: SchemeInfo, narrow = false): PlanLayout {
  if (s.stores.length > 0 && s.stores.every((st) => st.plan)) {
    const placed = fromPositions(s, narrow ? 480 : 1000);
    if (placed) return placed;
    // Positions too close to draw without overlaps: zone blocks, stores in plan order (north-west first).
    const order = (st: SchemeInfo['stores'][number]) => st.plan!.y * 1000 + st.plan!.x;
    s = { ...s, stores: [...s.stores].sort((a, b) => order(a) - order(b)) };
  }
  // On a phone the zones stack in one column, so the text stays readable when the SVG scales down.
  const W = narrow ? 420 : 1000;
  const cols = narrow
    ? 1
    : Math.min(s.zones.length, s.zones.length <= 3 ? s.zones.length : Math.ceil(Math.sqrt(s.zones.length)));
  const zoneW = (W - PAD * (cols + 1)) / Math.max(cols, 1);
  const perRow = Math.max(1, Math.floor((zoneW - GAP) / (TILE_W + GAP)));
  const tileW = (zoneW - GAP * (perRow + 1)) / perRow;
  const zones: PlanLayout['zones'] = [];
  const stores: PlanLayout['stores'] = [];
  let y = PAD;
  for (let r = 0; r * cols < s.zones.length; r++) {
    const row = s.zones.slice(r * cols, r * cols + cols);
    const rowsIn = Math.max(1, ...row.map((z) => Math.ceil(s.stores.filter((st) => st.zone === z.id).length / perRow)));
    const h = HEAD + rowsIn * (TILE_H + GAP) + GAP / 2;
    row.forEach((z, c) => {
      const x = PAD + c * (zoneW + PAD);
      zones.push({ id: z.id, name: z.name, box: { x, y, w: zoneW, h } });
      s.stores
        .filter((st) => st.zone === z.id)
        .forEach((st, i) => {
          stores.push({
            id: st.id,
            name: st.name,
            zone: z.id,
            box: {
              x: x + GAP + (i % perRow) * (tileW + GAP),
              y: y + HEAD + Math.floor(i / perRow) * (TILE_H + GAP),
              w: tileW,
              h: TILE_H,
            },
          });
        });
    });
    y += h + PAD;
  }
  return { width: W, height: y, zones, stores };
}

/**
 * Stores at their provisioned positions, snapped to a grid of tile-sized cells so no two tiles
 * (nor their alert badges, which stick out 7 px) overlap: issue 12 had Co-op drawn over Boots.
 * Each store takes the free cell nearest its position. Returns null when the zones drawn around
 * their stores would overlap each other or another zone's store; the caller then uses blocks.
 */
function fromPositions(s: SchemeInfo, W: number): PlanLayout | null {
  const cellW = TILE_W + GAP;
  const cellH = TILE_H + GAP + GAP; // a second gap leaves room for the zone edge between rows
  const cols = Math.max(1, Math.floor((W - 2 * PAD + GAP) / cellW));
  const rows = Math.max(Math.ceil(s.stores.length / cols), Math.floor((W * 0.62 - 2 * PAD - HEAD) / cellH));
  const taken = new Set<number>();
  const byPosition = [...s.stores].sort((a, b) => a.plan!.y - b.plan!.y || a.plan!.x - b.plan!.x);
  const cellOf = new Map<string, { c: number; r: number }>();
  for (const st of byPosition) {
    const want = { c: (st.plan!.x / 100) * (cols - 1), r: (st.plan!.y / 100) * (rows - 1) };
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < cols * rows; i++) {
      if (taken.has(i)) continue;
      const d = ((i % cols) - want.c) ** 2 + (Math.floor(i / cols) - want.r) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best < 0) return null;
    taken.add(best);
    cellOf.set(st.id, { c: best % cols, r: Math.floor(best / cols) });
  }
  const stores = s.stores.map((st) => {
    const { c, r } = cellOf.get(st.id)!;
    const box = { x: PAD + c * cellW, y: PAD + HEAD + r * cellH, w: TILE_W, h: TILE_H };
    return { id: st.id, name: st.name, zone: st.zone, box };
  });
  const zones = s.zones.map((z) => {
    const mine = stores.filter((st) => st.zone === z.id);
    if (!mine.length) return { id: z.id, name: z.name, box: { x: 0, y: 0, w: 0, h: 0 } };
    const x0 = Math.min(...mine.map((m) => m.box.x)) - GAP / 2;
    const y0 = Math.min(...mine.map((m) => m.box.y)) - HEAD;
    const x1 = Math.max(...mine.map((m) => m.box.x + m.box.w)) + GAP / 2;
    const y1 = Math.max(...mine.map((m) => m.box.y + m.box.h)) + GAP / 2;
    return { id: z.id, name: z.name, box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } };
  });
  const drawn = zones.filter((z) => z.box.w > 0);
  for (const a of drawn) {
    for (const b of drawn) if (a !== b && overlaps(a.box, b.box)) return null;
    for (const st of stores) if (st.zone !== a.id && overlaps(a.box, st.box)) return null;
  }
  const height = Math.max(...stores.map((st) => st.box.y + st.box.h)) + PAD;
  return { width: W, height, zones, stores };
}

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
