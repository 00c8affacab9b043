/**
 * Label collision for the deck.gl overlay: a greedy placement in screen space, highest priority
 * first, that drops every label whose box would overlap one already placed (the classic greedy
 * point-feature labelling, Christensen, Marks & Shieber 1995, without candidate positions).
 *
 * Why not deck.gl's CollisionFilterExtension: it is a separate package, and with an interleaved
 * MapLibre overlay it is known to hide whole layers (visgl/deck.gl#10027, open for 9.4); MapLibre
 * symbol layers would need glyph PBFs the offline base map does not have. Boxes are computed in
 * Web-Mercator world pixels at the current zoom, so panning changes nothing and the placement is
 * only recomputed when zoom, bearing or the set of labels changes: ~1 ms for 1,000 labels.
 */

export interface LabelCandidate {
  /** Unique over all label layers, e.g. `tls:K001`, `parking-free:P3`. */
  id: string;
  lon: number;
  lat: number;
  text: string;
  sizePx: number;
  /** Horizontal anchor of the text at the (offset) point. */
  anchor: 'middle' | 'start';
  /** deck.gl getPixelOffset: x right, y down. */
  offsetPx: [number, number];
  /** Higher wins. */
  priority: number;
  /**
   * A marker, not a label: always placed first (markers are always drawn), never returned; labels
   * must not cover it. `text` is ignored; the box is a square of `sizePx` centred on the point.
   */
  obstacle?: boolean;
}

/** A point marker of `radiusPx` as an obstacle; its own label may touch its rim (3 px inset). */
export const markerObstacle = (id: string, lon: number, lat: number, radiusPx: number): LabelCandidate => ({
  id,
  lon,
  lat,
  text: '',
  sizePx: Math.max(2, 2 * (radiusPx - 3)),
  anchor: 'middle',
  offsetPx: [0, 0],
  priority: Infinity,
  obstacle: true,
});

/** Average advance of an Inter glyph per pixel of font size (measured: 0.56–0.6 for mixed text). */
const CHAR_EM = 0.6;
/** Halo (outlineWidth 3 in SDF units ≈ 2 px) and a little air between labels. */
const PAD_PX = 3;
const CELL_PX = 128;

const TILE_PX = 512; // MapLibre's world is 512 px wide at zoom 0

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Screen-aligned box of a label in rotated world pixels at `zoom` (map bearing in degrees). */
export function labelBox(c: LabelCandidate, zoom: number, bearingDeg = 0): Box {
  const scale = TILE_PX * 2 ** zoom;
  const wx = ((c.lon + 180) / 360) * scale;
  const s = Math.sin((c.lat * Math.PI) / 180);
  const wy = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale;
  // Screen axes are the world axes rotated by the bearing; labels stay upright on screen.
  const b = (-bearingDeg * Math.PI) / 180;
  const x = wx * Math.cos(b) - wy * Math.sin(b) + c.offsetPx[0];
  const y = wx * Math.sin(b) + wy * Math.cos(b) + c.offsetPx[1];
  if (c.obstacle) return { x0: x - c.sizePx / 2, y0: y - c.sizePx / 2, x1: x + c.sizePx / 2, y1: y + c.sizePx / 2 };
  const w = c.text.length * c.sizePx * CHAR_EM + 2 * PAD_PX;
  const h = c.sizePx * 1.25 + 2 * PAD_PX;
  const x0 = c.anchor === 'start' ? x - PAD_PX : x - w / 2;
  return { x0, y0: y - h / 2, x1: x0 + w, y1: y + h / 2 };
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** The ids of the labels to draw: no two of their boxes overlap. Ties keep the input order. */
export function declutter(candidates: readonly LabelCandidate[], zoom: number, bearingDeg = 0): Set<string> {
  const order = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => Number(!!b.c.obstacle) - Number(!!a.c.obstacle) || b.c.priority - a.c.priority || a.i - b.i);
  const grid = new Map<string, Box[]>();
  const keep = new Set<string>();
  for (const { c } of order) {
    if (!c.text && !c.obstacle) continue;
    const box = labelBox(c, zoom, bearingDeg);
    const cx0 = Math.floor(box.x0 / CELL_PX);
    const cx1 = Math.floor(box.x1 / CELL_PX);
    const cy0 = Math.floor(box.y0 / CELL_PX);
    const cy1 = Math.floor(box.y1 / CELL_PX);
    if (!c.obstacle) {
      let free = true;
      for (let cx = cx0; free && cx <= cx1; cx++)
        for (let cy = cy0; free && cy <= cy1; cy++) for (const o of grid.get(`${cx},${cy}`) ?? []) if (overlaps(box, o)) free = false;
      if (!free) continue;
      keep.add(c.id);
    }
    for (let cx = cx0; cx <= cx1; cx++)
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = `${cx},${cy}`;
        const cell = grid.get(k);
        if (cell) cell.push(box);
        else grid.set(k, [box]);
      }
  }
  return keep;
}
