import type { SchemeInfo } from '@shopwatch/protocols';

export interface Box { x: number; y: number; w: number; h: number }
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
  if (s.stores.length > 0 && s.stores.every((st) => st.plan)) return fromPositions(s, narrow ? 480 : 1000);
  // On a phone the zones stack in one column, so the text stays readable when the SVG scales down.
  const W = narrow ? 420 : 1000;
  const cols = narrow ? 1 : Math.min(s.zones.length, s.zones.length <= 3 ? s.zones.length : Math.ceil(Math.sqrt(s.zones.length)));
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
            id: st.id, name: st.name, zone: z.id,
            box: { x: x + GAP + (i % perRow) * (tileW + GAP), y: y + HEAD + Math.floor(i / perRow) * (TILE_H + GAP), w: tileW, h: TILE_H },
          });
        });
    });
    y += h + PAD;
  }
  return { width: W, height: y, zones, stores };
}

function fromPositions(s: SchemeInfo, W: number): PlanLayout {
  const H = Math.round(W * 0.62);
  const sx = (v: number) => PAD + (v / 100) * (W - 2 * PAD - TILE_W);
  const sy = (v: number) => PAD + HEAD + (v / 100) * (H - 2 * PAD - HEAD - TILE_H);
  const stores = s.stores.map((st) => ({ id: st.id, name: st.name, zone: st.zone, box: { x: sx(st.plan!.x), y: sy(st.plan!.y), w: TILE_W, h: TILE_H } }));
  const zones = s.zones.map((z) => {
    const mine = stores.filter((st) => st.zone === z.id);
    if (!mine.length) return { id: z.id, name: z.name, box: { x: 0, y: 0, w: 0, h: 0 } };
    const x0 = Math.min(...mine.map((m) => m.box.x)) - GAP;
    const y0 = Math.min(...mine.map((m) => m.box.y)) - HEAD;
    const x1 = Math.max(...mine.map((m) => m.box.x + m.box.w)) + GAP;
    const y1 = Math.max(...mine.map((m) => m.box.y + m.box.h)) + GAP;
    return { id: z.id, name: z.name, box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } };
  });
  return { width: W, height: H, zones, stores };
}
