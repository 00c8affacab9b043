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
