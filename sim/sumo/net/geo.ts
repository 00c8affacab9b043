/**
 * Network coordinates -> WGS84. A projected network (`<location projParameter="+proj=utm ...">`)
 * is placed where it is: SUMO's x/y are the projected coordinates plus `netOffset`. A network
 * without a projection (`projParameter="!"`, e.g. netgenerate grids) or with one we cannot invert
 * is placed with its centre at a configurable origin by a local equirectangular mapping, so it still
 * shows on the map (default: Duisburg Innenhafen).
 */
import type { NetLocation, Pt } from './parse.ts';
import { parseUtmProj, utmToLonLat } from './utm.ts';

/** Duisburg Innenhafen, [lon, lat]. */
export const DEFAULT_ORIGIN: [number, number] = [6.77, 51.44];

/** Metres per degree of latitude and, at the equator, of longitude (WGS84, mean values). */
const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQ = 111_320;

export interface Projection {
  /** 'utm' when the network's own projection is used; 'origin' when placed at an origin. */
  kind: 'utm' | 'origin';
  toLonLat(x: number, y: number): [number, number];
}

const r7 = (v: number) => Math.round(v * 1e7) / 1e7;

export function projectionOf(loc: NetLocation | null, origin: [number, number] = DEFAULT_ORIGIN): Projection {
  const utm = loc ? parseUtmProj(loc.projParameter) : null;
  if (loc && utm) {
    const [ox, oy] = loc.netOffset;
    return {
      kind: 'utm',
      toLonLat: (x, y) => {
        const [lon, lat] = utmToLonLat(x - ox, y - oy, utm);
        return [r7(lon), r7(lat)];
      },
    };
  }
  const [x0, y0, x1, y1] = loc?.convBoundary ?? [0, 0, 0, 0];
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const kx = M_PER_DEG_LON_EQ * Math.cos((origin[1] * Math.PI) / 180);
  return {
    kind: 'origin',
    toLonLat: (x, y) => [r7(origin[0] + (x - cx) / kx), r7(origin[1] + (y - cy) / M_PER_DEG_LAT)],
  };
}

/** Direction of travel of the segment a -> b, degrees clockwise from (grid) north, 0..360. */
export function bearingDeg(a: Pt, b: Pt): number {
  const d = (Math.atan2(b[0] - a[0], b[1] - a[1]) * 180) / Math.PI;
  return Math.round(((d % 360) + 360) % 360 * 10) / 10 % 360;
}

export function polylineLengthM(p: readonly Pt[]): number {
  let m = 0;
  for (let i = 1; i < p.length; i++) m += Math.hypot(p[i]![0] - p[i - 1]![0], p[i]![1] - p[i - 1]![1]);
  return m;
}

/**
 * First crossing of polyline b along polyline a: distances along a and along b to it, or null.
 * Segment-segment intersection (parametric form); paths at a junction are a few points long.
 */
export function firstCrossing(a: readonly Pt[], b: readonly Pt[]): { alongA: number; alongB: number } | null {
  let sa = 0;
  for (let i = 1; i < a.length; i++) {
    const [ax, ay] = a[i - 1]!;
    const dax = a[i]![0] - ax;
    const day = a[i]![1] - ay;
    const la = Math.hypot(dax, day);
    let best: { t: number; alongB: number } | null = null;
    let sb = 0;
    for (let j = 1; j < b.length; j++) {
      const [bx, by] = b[j - 1]!;
      const dbx = b[j]![0] - bx;
      const dby = b[j]![1] - by;
      const lb = Math.hypot(dbx, dby);
      const den = dax * dby - day * dbx;
      if (Math.abs(den) > 1e-12) {
        const t = ((bx - ax) * dby - (by - ay) * dbx) / den;
        const u = ((bx - ax) * day - (by - ay) * dax) / den;
        if (t >= 0 && t <= 1 && u >= 0 && u <= 1 && (!best || t < best.t)) best = { t, alongB: sb + u * lb };
      }
      sb += lb;
    }
    if (best) return { alongA: sa + best.t * la, alongB: best.alongB };
    sa += la;
  }
  return null;
}
