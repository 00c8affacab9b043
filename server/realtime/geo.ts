/** Is an entity inside a viewport? Pure, for the per-client filtered emission. */
import type { BBox } from '../../protocol/index.ts';

const inBox = (b: BBox, lon: number, lat: number) => lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3];

/**
 * Points (lon/lat), lines (geometry) and polygons count when any vertex is inside. An entity
 * without a known position (a drone before its first fix) counts as inside: never hide it.
 */
export function entityInBBox(e: object, b: BBox): boolean {
  const o = e as { lon?: unknown; lat?: unknown; geometry?: unknown; polygon?: unknown };
  if (typeof o.lon === 'number' && typeof o.lat === 'number') return inBox(b, o.lon, o.lat);
  if (Array.isArray(o.geometry)) return (o.geometry as [number, number][]).some((p) => inBox(b, p[0], p[1]));
  if (Array.isArray(o.polygon)) return (o.polygon as [number, number][][]).some((ring) => ring.some((p) => inBox(b, p[0], p[1])));
  return true;
}
