/**
 * The ground footprint of the drone's camera: where the four corner rays of the image meet flat
 * ground. Pure; metres in a local east-north-up frame around the drone, converted to lon/lat with
 * an equirectangular approximation (exact enough over the few hundred metres a footprint spans).
 */
export interface CameraPoseInput {
  lon: number;
  lat: number;
  /** Height above the ground the footprint is projected on, m. */
  altM: number;
  camera: {
    /** 0 = horizon, negative = below it, -90 = straight down. */
    pitchDeg: number;
    /** Compass direction the camera looks in, degrees clockwise from north. */
    yawDeg: number;
    hfovDeg: number;
    vfovDeg: number;
  };
}

const R_EARTH = 6_371_008.8;
const RAD = Math.PI / 180;
/**
 * Rays flatter than this below the horizon are cut off: the far edge of a tilted camera is clipped
 * where its centre ray is this many degrees below the horizon (at most ~29 × altitude away).
 */
export const MIN_DEPRESSION_DEG = 2;

/**
 * Corners of the footprint, [lon, lat], in the order top-left, top-right, bottom-right, bottom-left
 * of the image (top = far edge for a tilted camera); a closed ring is not repeated. When the upper
 * part of the image looks above the horizon, its far edge is clipped at MIN_DEPRESSION_DEG; when
 * the whole image does, or the drone is on the ground, null. `maxRangeM` cuts the far edge closer
 * (where the centre ray meets the ground at that distance): a picture of the horizon shows little.
 */
export function cameraFootprint(pose: CameraPoseInput, maxRangeM = Infinity): [number, number][] | null {
  const { altM, camera } = pose;
  if (!(altM > 0)) return null;
  const th = camera.pitchDeg * RAD;
  const ps = camera.yawDeg * RAD;
  const tx = Math.tan((camera.hfovDeg / 2) * RAD);
  const ty = Math.tan((camera.vfovDeg / 2) * RAD);
  // Camera basis in east-north-up: forward, right, up (image top).
  const f = [Math.sin(ps) * Math.cos(th), Math.cos(ps) * Math.cos(th), Math.sin(th)] as const;
  const r = [Math.cos(ps), -Math.sin(ps), 0] as const;
  const u = [-Math.sin(ps) * Math.sin(th), -Math.cos(ps) * Math.sin(th), Math.cos(th)] as const;
  // Image rows are parametrised by sy in [-1 (bottom), 1 (top)]; the centre ray of row sy is
  // pitched th + atan(sy·ty). Clip the top at the minimum depression.
  const minDep = Math.max(MIN_DEPRESSION_DEG * RAD, Math.atan(altM / maxRangeM));
  const syMax = Math.tan(-minDep - th) / ty;
  if (syMax <= -1) return null;
  const top = Math.min(1, syMax);
  const corner = (sx: number, sy: number): [number, number] => {
    const d = [f[0] + r[0] * tx * sx + u[0] * ty * sy, f[1] + r[1] * tx * sx + u[1] * ty * sy, f[2] + u[2] * ty * sy];
    const t = altM / -d[2]!;
    const east = d[0]! * t;
    const north = d[1]! * t;
    return [pose.lon + (east / (R_EARTH * Math.cos(pose.lat * RAD))) / RAD, pose.lat + north / R_EARTH / RAD];
  };
  return [corner(-1, top), corner(1, top), corner(1, -1), corner(-1, -1)];
}

/** Metres east and north of (lon0, lat0): the inverse of the conversion above, for tests and labels. */
export function toLocalMetres(lon0: number, lat0: number, [lon, lat]: [number, number]): [number, number] {
  return [(lon - lon0) * RAD * R_EARTH * Math.cos(lat0 * RAD), (lat - lat0) * RAD * R_EARTH];
}
