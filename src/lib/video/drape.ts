/**
 * Where a video frame lies on the map: the four corners of its camera footprint from the pose in
 * the frame header, in the order deck.gl's BitmapLayer takes them ([left, bottom], [left, top],
 * [right, top], [right, bottom] of the image).
 */
import type { VideoFrameHeader } from '../../../protocol/index.ts';
import { cameraFootprint, MIN_DEPRESSION_DEG } from '../map/footprint.ts';

export type Corners = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Null when the picture cannot be draped whole: the drone is on the ground, or the top of the image
 * reaches within MIN_DEPRESSION_DEG of the horizon (the footprint is clipped there, and stretching
 * the whole picture over a clipped footprint would put things in the wrong place).
 */
export function drapeCorners(h: Pick<VideoFrameHeader, 'lon' | 'lat' | 'altM' | 'pitchDeg' | 'yawDeg' | 'hfovDeg' | 'vfovDeg'>): Corners | null {
  if (!(h.altM > 0)) return null;
  if (-(h.pitchDeg + h.vfovDeg / 2) < MIN_DEPRESSION_DEG) return null;
  const fp = cameraFootprint({ lon: h.lon, lat: h.lat, altM: h.altM, camera: { pitchDeg: h.pitchDeg, yawDeg: h.yawDeg, hfovDeg: h.hfovDeg, vfovDeg: h.vfovDeg } });
  if (!fp) return null;
  const [tl, tr, br, bl] = fp as [[number, number], [number, number], [number, number], [number, number]];
  return [bl, tl, tr, br];
}

const RAD = Math.PI / 180;
const R_EARTH = 6_371_008.8;
/** Rays meeting the ground farther than this are not draped (the picture there is a smear). */
export const DRAPE_MAX_RANGE_M = 1500;

type Pose = Pick<VideoFrameHeader, 'lon' | 'lat' | 'altM' | 'pitchDeg' | 'yawDeg' | 'hfovDeg' | 'vfovDeg'>;

/**
 * Where the ray through image point (sx, sy) meets flat ground, [lon, lat]; sx -1 left .. 1 right,
 * sy -1 bottom .. 1 top (the camera model of footprint.ts). Null above the horizon, within
 * MIN_DEPRESSION_DEG of it, or beyond `maxRangeM`.
 */
export function groundPoint(h: Pose, sx: number, sy: number, maxRangeM = DRAPE_MAX_RANGE_M): [number, number] | null {
  if (!(h.altM > 0)) return null;
  const th = h.pitchDeg * RAD;
  const ps = h.yawDeg * RAD;
  const tx = Math.tan((h.hfovDeg / 2) * RAD);
  const ty = Math.tan((h.vfovDeg / 2) * RAD);
  const dx = Math.sin(ps) * Math.cos(th) + Math.cos(ps) * tx * sx - Math.sin(ps) * Math.sin(th) * ty * sy;
  const dy = Math.cos(ps) * Math.cos(th) - Math.sin(ps) * tx * sx - Math.cos(ps) * Math.sin(th) * ty * sy;
  const dz = Math.sin(th) + Math.cos(th) * ty * sy;
  const horiz = Math.hypot(dx, dy);
  if (dz >= 0 || -dz / horiz < Math.tan(MIN_DEPRESSION_DEG * RAD)) return null;
  const t = h.altM / -dz;
  if (horiz * t > maxRangeM) return null;
  return [h.lon + (dx * t) / (R_EARTH * Math.cos(h.lat * RAD)) / RAD, h.lat + (dy * t) / R_EARTH / RAD];
}

/** A grid of image points and their ground positions: the piecewise-affine approximation of the
 * camera's perspective (a BitmapLayer maps a quad affinely per triangle, which would misplace the
 * middle of a tilted picture by tens of metres). */
export interface DrapeGrid {
  n: number;
  /** (n+1)^2 entries, row-major from the image top: [lon, lat] or null (sky / too far). */
  ground: ([number, number] | null)[];
  bbox: [number, number, number, number];
}

export function drapeGrid(h: Pose, n = 8): DrapeGrid | null {
  const ground: ([number, number] | null)[] = [];
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) {
      const p = groundPoint(h, -1 + (2 * i) / n, 1 - (2 * j) / n);
      ground.push(p);
      if (!p) continue;
      minLon = Math.min(minLon, p[0]);
      maxLon = Math.max(maxLon, p[0]);
      minLat = Math.min(minLat, p[1]);
      maxLat = Math.max(maxLat, p[1]);
    }
  }
  if (!(maxLon > minLon && maxLat > minLat)) return null;
  return { n, ground, bbox: [minLon, minLat, maxLon, maxLat] };
}
