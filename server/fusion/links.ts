/**
 * Road links and corridors, learned from what the signal installations announce. Pure: no clock,
 * no I/O; every function takes `now` (or the measurement's time) explicitly.
 *
 * HOW THE NETWORK IS LEARNED (the simplest honest approach, no protocol change):
 * a TlsMeta approach carries `bearingDeg`, the direction of travel of the traffic arriving on it
 * (0 = northbound). Its traffic therefore comes from `bearingDeg + 180°`. The upstream end of the
 * link is the nearest other installation within ±LINK_CONE_DEG of that direction and within
 * LINK_MAX_M. Geometry is the straight line between the two installations, length its great-circle
 * distance, speed limit the urban default of 50 km/h (StVO § 3 (3) 1.: innerorts 50 km/h), since
 * no device announces it. Approaches without such a neighbour (edge of the modelled network)
 * have no link. Exact topology would need the devices to announce it (e.g. an optional
 * `approaches[].fromTlsId` in TlsMeta); that is not part of the contract.
 *
 * Detectors of an approach: TlsMeta lists `detectorIds` without saying which approach each one
 * belongs to. The contract's examples name them `{tlsId}-{approachId}{lane}` (K001-n1); that is
 * used first, and when it does not match, detectors are assigned in the order of the approaches,
 * `lanes` detectors each (when the counts add up). Otherwise the approach has no detectors.
 */
import type { LevelOfService, LinkEntity, TlsMeta } from '../../protocol/index.ts';

export const LINK_CONE_DEG = 30;
export const LINK_MAX_M = 1500;
/** StVO § 3 (3) 1.: 50 km/h inside built-up areas; the hub is not told a link's own limit. */
export const DEFAULT_SPEED_LIMIT_KMH = 50;
/**
 * Effective vehicle length for occupancy → density, m: mean vehicle length (~5.5 m in mixed urban
 * traffic) plus the detector loop length (~2 m). k [veh/km/lane] = occ [0..1] · 1000 / L_eff.
 */
export const EFFECTIVE_VEHICLE_LENGTH_M = 7.5;
/** Transit speed samples older than this no longer describe the link. */
export const PROBE_MAX_AGE_MS = 5 * 60_000;

const R_EARTH_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

export function distanceM(a: readonly [number, number], b: readonly [number, number]): number {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * R_EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north, 0..360. */
export function bearingDeg(a: readonly [number, number], b: readonly [number, number]): number {
  const y = Math.sin(rad(b[0] - a[0])) * Math.cos(rad(b[1]));
  const x = Math.cos(rad(a[1])) * Math.sin(rad(b[1])) - Math.sin(rad(a[1])) * Math.cos(rad(b[1])) * Math.cos(rad(b[0] - a[0]));
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

export const angleDiff = (a: number, b: number) => {
  const d = Math.abs((((a - b) % 360) + 360) % 360);
  return d > 180 ? 360 - d : d;
};

/** The static part of a link, as learned from the metas. */
export interface LinkDef {
  id: string;
  from: string;
  to: string;
  /** Approach of `to` the link feeds. */
  approachId: string;
  street: string;
  lanes: number;
  speedLimitKmh: number;
  lengthM: number;
  geometry: [number, number][];
  freeFlowTravelTimeSec: number;
}

export type InstallationInfo = Pick<TlsMeta, 'id' | 'lon' | 'lat' | 'approaches'>;

/** Links into every approach that has an upstream installation (see the file comment). */
export function inferLinks(installations: readonly InstallationInfo[], coneDeg = LINK_CONE_DEG, maxM = LINK_MAX_M): LinkDef[] {
  const out: LinkDef[] = [];
  const seen = new Set<string>();
  const dLatMax = maxM / 111_000;
  const byId = new Map(installations.map((i) => [i.id, i]));
  for (const b of installations) {
    const dLonMax = dLatMax / Math.max(0.1, Math.cos(rad(b.lat)));
    const pb: [number, number] = [b.lon, b.lat];
    for (const ap of b.approaches) {
      // Announced topology wins over inference.
      const up = ap.upstream;
      const known = up ? byId.get(up.tlsId) : undefined;
      if (up && known) {
        const id = `${up.tlsId}>${b.id}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({
          id,
          from: up.tlsId,
          to: b.id,
          approachId: ap.id,
          street: ap.street,
          lanes: ap.lanes,
          speedLimitKmh: up.speedLimitKmh,
          lengthM: Math.round(up.lengthM),
          geometry: up.geometry ? up.geometry.map(([x, y]) => [x, y] as [number, number]) : [[known.lon, known.lat], [b.lon, b.lat]],
          freeFlowTravelTimeSec: freeFlowTravelTimeSec(up.lengthM, up.speedLimitKmh),
        });
        continue;
      }
      const upstreamDir = (ap.bearingDeg + 180) % 360;
      let best: InstallationInfo | null = null;
      let bestD = Infinity;
      for (const a of installations) {
        if (a.id === b.id || Math.abs(a.lat - b.lat) > dLatMax || Math.abs(a.lon - b.lon) > dLonMax) continue;
        const pa: [number, number] = [a.lon, a.lat];
        const d = distanceM(pb, pa);
        if (d > maxM || d >= bestD || d < 1) continue;
        if (angleDiff(bearingDeg(pb, pa), upstreamDir) > coneDeg) continue;
        best = a;
        bestD = d;
      }
      if (!best) continue;
      const id = `${best.id}>${b.id}`;
      if (seen.has(id)) continue; // two approaches towards the same neighbour: keep the first
      seen.add(id);
      const lengthM = Math.round(bestD);
      out.push({
        id,
        from: best.id,
        to: b.id,
        approachId: ap.id,
        street: ap.street,
        lanes: ap.lanes,
        speedLimitKmh: DEFAULT_SPEED_LIMIT_KMH,
        lengthM,
        geometry: [
          [best.lon, best.lat],
          [b.lon, b.lat],
        ],
        freeFlowTravelTimeSec: freeFlowTravelTimeSec(lengthM, DEFAULT_SPEED_LIMIT_KMH),
      });
    }
  }
  return out;
}

export const freeFlowTravelTimeSec = (lengthM: number, speedKmh: number) => Math.round((lengthM / (speedKmh / 3.6)) * 10) / 10;

/** Detector ids per approach id of one installation (see the file comment for the rules). */
export function detectorsByApproach(meta: Pick<TlsMeta, 'id' | 'approaches' | 'detectorIds'>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of meta.approaches) out.set(a.id, []);
  // Longest approach id first, so `n2` wins over `n` for `K001-n21`.
  const aps = [...meta.approaches].sort((x, y) => y.id.length - x.id.length);
  let matched = 0;
  for (const d of meta.detectorIds) {
    const prefix = `${meta.id}-`;
    if (!d.startsWith(prefix)) continue;
    const rest = d.slice(prefix.length);
    const a = aps.find((ap) => rest.startsWith(ap.id) && /^\d{1,2}$/.test(rest.slice(ap.id.length)));
    if (!a) continue;
    out.get(a.id)!.push(d);
    matched++;
  }
  if (matched === meta.detectorIds.length) return out;
  const lanes = meta.approaches.reduce((s, a) => s + a.lanes, 0);
  for (const a of meta.approaches) out.set(a.id, []);
  if (lanes !== meta.detectorIds.length) return out;
  let i = 0;
  for (const a of meta.approaches) for (let l = 0; l < a.lanes; l++) out.get(a.id)!.push(meta.detectorIds[i++]!);
  return out;
}

/**
 * HBS 2015 level of service for urban streets by the average travel speed relative to the free-flow
 * speed (ratio v / v_ff, lower bound of each level):
 *   A ≥ 0.85, B ≥ 0.67, C ≥ 0.50, D ≥ 0.40, E ≥ 0.30, F < 0.30.
 * These are the speed-ratio bands of HCM 2010 Exhibit 16-4 (urban street facilities), the model the
 * HBS 2015 travel-speed assessment of urban arterials (Teil S, Netzabschnitte) follows; replace them
 * here (one place) if your copy of HBS 2015 Teil S gives other bands.
 */
export const LOS_SPEED_RATIO: readonly [LevelOfService, number][] = [
  ['A', 0.85],
  ['B', 0.67],
  ['C', 0.5],
  ['D', 0.4],
  ['E', 0.3],
  ['F', 0],
];

export function levelOfService(speedKmh: number, freeFlowKmh: number): LevelOfService {
  const r = freeFlowKmh > 0 ? speedKmh / freeFlowKmh : 0;
  for (const [los, min] of LOS_SPEED_RATIO) if (r >= min) return los;
  return 'F';
}

export interface LaneReading {
  count: number;
  occupancyPct: number;
}

/**
 * Macroscopic state of a link from its downstream stop-line detectors over one interval:
 * q = Σcount · 3600 / T (veh/h, all lanes); k = Σ(occ_i / L_eff) (veh/km, all lanes);
 * v = q / k (km/h), clamped to (0, v_limit]. With no vehicle and no occupancy the link is empty:
 * free-flow speed. With occupancy but no count (standing queue) v is not defined → null.
 */
export function linkFromDetectors(lanes: readonly LaneReading[], intervalSec: number, speedLimitKmh: number): { flowVehH: number; densityVehKm: number; speedKmh: number | null } | null {
  if (lanes.length === 0 || intervalSec <= 0) return null;
  let n = 0;
  let k = 0;
  for (const l of lanes) {
    n += l.count;
    k += ((l.occupancyPct / 100) * 1000) / EFFECTIVE_VEHICLE_LENGTH_M;
  }
  const q = (n * 3600) / intervalSec;
  const speed = k <= 0 ? (q === 0 ? speedLimitKmh : null) : q > 0 ? Math.min(speedLimitKmh, q / k) : null;
  return { flowVehH: Math.round(q), densityVehKm: Math.round(k * 10) / 10, speedKmh: speed === null ? null : Math.round(speed * 10) / 10 };
}

/** Distance from p to segment a–b in metres (local equirectangular projection) and the position along it (0..1). */
export function toSegment(p: readonly [number, number], a: readonly [number, number], b: readonly [number, number]): { d: number; t: number } {
  const kx = Math.cos(rad(a[1])) * rad(1) * R_EARTH_M;
  const ky = rad(1) * R_EARTH_M;
  const bx = (b[0] - a[0]) * kx;
  const by = (b[1] - a[1]) * ky;
  const px = (p[0] - a[0]) * kx;
  const py = (p[1] - a[1]) * ky;
  const L2 = bx * bx + by * by;
  const t = L2 > 0 ? Math.max(0, Math.min(1, (px * bx + py * by) / L2)) : 0;
  return { d: Math.hypot(px - t * bx, py - t * by), t };
}

export interface ProbeFix {
  lon: number;
  lat: number;
  tsMs: number;
  status: 'INCOMING_AT' | 'STOPPED_AT' | 'IN_TRANSIT_TO' | null;
}

/** A transit vehicle's position this close to a link's line counts as on it. */
export const PROBE_MATCH_M = 40;

/**
 * A speed sample from two consecutive positions of the same vehicle, or null. Dwell at stops is
 * excluded (either fix STOPPED_AT), as are gaps over 60 s and backwards time. The sample belongs to
 * the link whose line both fixes lie on (within PROBE_MATCH_M) in driving direction.
 */
export function probeSample(prev: ProbeFix, cur: ProbeFix, links: readonly LinkDef[]): { linkId: string; speedKmh: number } | null {
  if (prev.status === 'STOPPED_AT' || cur.status === 'STOPPED_AT') return null;
  const dt = (cur.tsMs - prev.tsMs) / 1000;
  if (dt <= 0 || dt > 60) return null;
  const a: [number, number] = [prev.lon, prev.lat];
  const b: [number, number] = [cur.lon, cur.lat];
  const moved = distanceM(a, b);
  let best: LinkDef | null = null;
  let bestD = PROBE_MATCH_M;
  for (const l of links) {
    const g0 = l.geometry[0]!;
    const g1 = l.geometry[l.geometry.length - 1]!;
    const sa = toSegment(a, g0, g1);
    const sb = toSegment(b, g0, g1);
    const d = Math.max(sa.d, sb.d);
    if (d >= bestD) continue;
    if (moved > 1 && sb.t < sa.t) continue; // driving the other way
    best = l;
    bestD = d;
  }
  if (!best) return null;
  return { linkId: best.id, speedKmh: Math.round(((moved / dt) * 3.6) * 10) / 10 };
}

/** Mean of the probe speeds not older than PROBE_MAX_AGE_MS at `nowMs` (space-mean would need distances; samples are equal-time). */
export function probeSpeed(samples: readonly { tsMs: number; speedKmh: number }[], nowMs: number): number | null {
  let s = 0;
  let n = 0;
  for (const x of samples) {
    if (nowMs - x.tsMs > PROBE_MAX_AGE_MS) continue;
    s += x.speedKmh;
    n++;
  }
  return n ? Math.round((s / n) * 10) / 10 : null;
}

/** The measured part of a link entity from a speed (and, if any, detector flow/density). */
export function linkState(def: LinkDef, m: { flowVehH: number | null; densityVehKm: number | null; speedKmh: number | null; sources: string[] }): Pick<LinkEntity, 'flowVehH' | 'densityVehKm' | 'speedKmh' | 'los' | 'travelTimeSec' | 'sources'> {
  const v = m.speedKmh === null ? null : Math.max(1, Math.min(def.speedLimitKmh, m.speedKmh));
  return {
    flowVehH: m.flowVehH,
    densityVehKm: m.densityVehKm,
    speedKmh: v,
    los: v === null ? null : levelOfService(v, def.speedLimitKmh),
    travelTimeSec: v === null ? null : Math.round((def.lengthM / (v / 3.6)) * 10) / 10,
    sources: m.sources,
  };
}

export function linkEntity(def: LinkDef, prev: LinkEntity | undefined): LinkEntity {
  return {
    id: def.id,
    street: def.street,
    from: def.from,
    to: def.to,
    lanes: def.lanes,
    speedLimitKmh: def.speedLimitKmh,
    geometry: def.geometry,
    lengthM: def.lengthM,
    flowVehH: prev?.flowVehH ?? null,
    speedKmh: prev?.speedKmh ?? null,
    densityVehKm: prev?.densityVehKm ?? null,
    los: prev?.los ?? null,
    travelTimeSec: prev?.travelTimeSec ?? null,
    freeFlowTravelTimeSec: def.freeFlowTravelTimeSec,
    sources: prev?.sources ?? [],
    tsMs: prev?.tsMs ?? null,
    link: prev?.link ?? 'stale',
  };
}

// ---- corridors ----------------------------------------------------------------------------------

/**
 * The main corridors, as installation ids in driving order (the one place they are defined). Each
 * is also served in the opposite direction (id with `-rev`).
 */
export const CORRIDORS: readonly { id: string; name: string; tls: readonly string[] }[] = [
  {
    id: 'mercator-kardinal-galen-ns',
    name: 'Mercatorstraße / Kardinal-Galen-Straße (Nord → Süd)',
    tls: ['K003', 'K009', 'K002', 'K005', 'K001', 'K016', 'K015', 'K017', 'K018'],
  },
  {
    id: 'muelheimer-we',
    name: 'Mülheimer Straße (West → Ost)',
    tls: ['K003', 'K006', 'K007', 'K044', 'K045', 'K046', 'K047', 'K061'],
  },
];

export function corridorsBothWays(): { id: string; name: string; tls: readonly string[] }[] {
  return CORRIDORS.flatMap((c) => [c, { id: `${c.id}-rev`, name: `${c.name} – Gegenrichtung`, tls: [...c.tls].reverse() }]);
}

export interface CorridorTravelTime {
  id: string;
  name: string;
  tls: readonly string[];
  /** Sum of the links' current travel times; null when any link is unknown or unmeasured. */
  travelTimeSec: number | null;
  /** Sum of the known links' free-flow travel times (null when a link is unknown). */
  freeFlowTravelTimeSec: number | null;
  lengthM: number | null;
  /** Consecutive pairs without a learned link. */
  missingLinks: string[];
  /** Links without a current travel time. */
  unmeasuredLinks: string[];
}

/** Corridor travel time = Σ link travel times along consecutive installations. */
export function corridorTravelTime(c: { id: string; name: string; tls: readonly string[] }, links: ReadonlyMap<string, Pick<LinkEntity, 'travelTimeSec' | 'freeFlowTravelTimeSec' | 'lengthM'>>): CorridorTravelTime {
  let tt = 0;
  let ff = 0;
  let len = 0;
  const missing: string[] = [];
  const unmeasured: string[] = [];
  for (let i = 1; i < c.tls.length; i++) {
    const id = `${c.tls[i - 1]}>${c.tls[i]}`;
    const l = links.get(id);
    if (!l) {
      missing.push(id);
      continue;
    }
    ff += l.freeFlowTravelTimeSec;
    len += l.lengthM;
    if (l.travelTimeSec === null) unmeasured.push(id);
    else tt += l.travelTimeSec;
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  return {
    id: c.id,
    name: c.name,
    tls: c.tls,
    travelTimeSec: missing.length || unmeasured.length ? null : r1(tt),
    freeFlowTravelTimeSec: missing.length ? null : r1(ff),
    lengthM: missing.length ? null : len,
    missingLinks: missing,
    unmeasuredLinks: unmeasured,
  };
}
