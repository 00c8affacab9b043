/** Drone fusion: the recent track. Pure. */

export const TRACK_MAX_POINTS = 300;
/** A new track point closer than this to the previous one is dropped (hovering, orbiting slowly). */
export const TRACK_MIN_STEP_M = 5;
/** Below this charge the `batteryLow` alarm is raised. */
export const BATTERY_LOW_PCT = 20;

const EARTH_R_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Distance in metres between two [lon, lat] points (equirectangular: exact enough below a few km). */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const x = (lon2 - lon1) * RAD * Math.cos(((lat1 + lat2) / 2) * RAD);
  const y = (lat2 - lat1) * RAD;
  return Math.sqrt(x * x + y * y) * EARTH_R_M;
}

/**
 * The track with [lon, lat] appended, as a new array (the old one may still be referenced by a
 * delta in the replay buffer), or null when the point is too close to the last one.
 */
export function appendTrack(track: readonly [number, number][], lon: number, lat: number): [number, number][] | null {
  const last = track[track.length - 1];
  if (last && distanceM(last[0], last[1], lon, lat) < TRACK_MIN_STEP_M) return null;
  const start = track.length >= TRACK_MAX_POINTS ? track.length - TRACK_MAX_POINTS + 1 : 0;
  const out = track.slice(start) as [number, number][];
  out.push([lon, lat]);
  return out;
}
