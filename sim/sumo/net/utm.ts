/**
 * UTM <-> WGS84 in pure TypeScript: Krüger's series for the transverse Mercator projection to
 * third order in n (Karney 2011, "Transverse Mercator with an accuracy of a few nanometers",
 * J. Geodesy 85:475-485, eqs. 7, 11, 35, 36). Third order is accurate to well under a millimetre
 * inside a UTM zone, far below what a traffic network needs. SUMO writes projected networks as
 * `+proj=utm +zone=Z [+south] +ellps=WGS84` (netconvert's default for OSM imports).
 */

/** WGS84 semi-major axis, m, and flattening. */
const A_WGS84 = 6378137;
const F_WGS84 = 1 / 298.257223563;
/** UTM scale on the central meridian, false easting, false northing in the south. */
const K0 = 0.9996;
const FALSE_EASTING_M = 500_000;
const FALSE_NORTHING_SOUTH_M = 10_000_000;

const n = F_WGS84 / (2 - F_WGS84);
const n2 = n * n;
const n3 = n2 * n;
/** Rectifying radius (Karney eq. 14, truncated at n^4). */
const RECT_A = (A_WGS84 / (1 + n)) * (1 + n2 / 4 + (n2 * n2) / 64);
// Karney eq. 35 (forward, alpha) and eq. 36 (inverse, beta), and the conformal -> geodetic latitude
// series (delta, from Krüger).
const ALPHA = [n / 2 - (2 * n2) / 3 + (5 * n3) / 16, (13 * n2) / 48 - (3 * n3) / 5, (61 * n3) / 240];
const BETA = [n / 2 - (2 * n2) / 3 + (37 * n3) / 96, n2 / 48 + n3 / 15, (17 * n3) / 480];
const DELTA = [2 * n - (2 * n2) / 3 - 2 * n3, (7 * n2) / 3 - (8 * n3) / 5, (56 * n3) / 15];
const E2N = (2 * Math.sqrt(n)) / (1 + n); // first eccentricity e

const DEG = Math.PI / 180;

export interface UtmZone {
  zone: number;
  south: boolean;
}

/** Central meridian of a UTM zone, degrees. */
export function centralMeridianDeg(zone: number): number {
  return zone * 6 - 183;
}

/** UTM easting/northing (m) to WGS84 [lon, lat] degrees. */
export function utmToLonLat(eastingM: number, northingM: number, z: UtmZone): [number, number] {
  const xi = (northingM - (z.south ? FALSE_NORTHING_SOUTH_M : 0)) / (K0 * RECT_A);
  const eta = (eastingM - FALSE_EASTING_M) / (K0 * RECT_A);
  let xiP = xi;
  let etaP = eta;
  for (let j = 1; j <= 3; j++) {
    const b = BETA[j - 1]!;
    xiP -= b * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    etaP -= b * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
  }
  const chi = Math.asin(Math.sin(xiP) / Math.cosh(etaP));
  let phi = chi;
  for (let j = 1; j <= 3; j++) phi += DELTA[j - 1]! * Math.sin(2 * j * chi);
  const lambda = centralMeridianDeg(z.zone) * DEG + Math.atan2(Math.sinh(etaP), Math.cos(xiP));
  return [lambda / DEG, phi / DEG];
}

/** WGS84 lon/lat degrees to UTM [easting, northing] m in the given zone (used to test the inverse). */
export function lonLatToUtm(lonDeg: number, latDeg: number, z: UtmZone): [number, number] {
  const phi = latDeg * DEG;
  const dl = (lonDeg - centralMeridianDeg(z.zone)) * DEG;
  // Conformal latitude (Karney eq. 7-9).
  const t = Math.sinh(Math.atanh(Math.sin(phi)) - E2N * Math.atanh(E2N * Math.sin(phi)));
  const xiP = Math.atan2(t, Math.cos(dl));
  const etaP = Math.atanh(Math.sin(dl) / Math.sqrt(1 + t * t));
  let xi = xiP;
  let eta = etaP;
  for (let j = 1; j <= 3; j++) {
    const a = ALPHA[j - 1]!;
    xi += a * Math.sin(2 * j * xiP) * Math.cosh(2 * j * etaP);
    eta += a * Math.cos(2 * j * xiP) * Math.sinh(2 * j * etaP);
  }
  return [FALSE_EASTING_M + K0 * RECT_A * eta, (z.south ? FALSE_NORTHING_SOUTH_M : 0) + K0 * RECT_A * xi];
}

/** The UTM zone of a PROJ string like `+proj=utm +zone=32 +ellps=WGS84 ...`; null for anything else. */
export function parseUtmProj(proj: string): UtmZone | null {
  if (!/\+proj=utm\b/.test(proj)) return null;
  const m = /\+zone=(\d{1,2})\b/.exec(proj);
  if (!m) return null;
  const zone = Number(m[1]);
  if (zone < 1 || zone > 60) return null;
  // Other ellipsoids than WGS84/GRS80 (identical to 0.1 mm) are not supported.
  const ell = /\+(?:ellps|datum)=(\S+)/.exec(proj);
  if (ell && !/^(WGS84|GRS80)$/i.test(ell[1]!)) return null;
  return { zone, south: /\+south\b/.test(proj) };
}
