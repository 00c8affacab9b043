/**
 * The static side of the traffic model: intersections, approaches, stop-line lanes, links and
 * turning ratios flattened into typed arrays (struct of arrays), plus the design (peak-hour) demand.
 *
 * Built once from the city facts (`sim/city/duisburg.ts`): the modelled inner-city network, whose
 * approaches are fed by links, and any number of isolated intersections (the generated outer ring)
 * whose approaches are fed by their own arrival streams.
 */
import type { Approach, Intersection, Link, LngLat } from '../city/types.ts';

// ---- constants ----------------------------------------------------------------------------------

/** Space a queued vehicle takes per lane, m (jam density 1/7 m ≈ 143 veh/km/lane). */
export const JAM_SPACING_M = 7;
/** Share of the traffic at a junction that turns into streets the model does not have (side streets, car parks). */
export const SINK_SHARE = 0.2;
/** Share of an approach's design flow that enters on its link from unmodelled side streets, at least. */
export const MIN_LOCAL_SHARE = 0.15;

/**
 * Design (peak-hour, weekday) flows towards the stop line, veh/h per lane. Typical values for German
 * urban main roads: 400-600 veh/h/lane on primary roads in the peak, a few hundred on minor ones.
 */
const DESIGN_PER_LANE = {
  primary: 500,
  secondary: 420,
  tertiary: 260,
  trunk: 550,
  motorway: 600,
  ramp: 450,
  bridge: 500,
  sideStreet: 220,
  access: 110,
  genMajor2: 420,
  genMajor1: 380,
  genMinor: 170,
} as const;

// ---- geometry helpers (local equirectangular; fine at city scale) --------------------------------

const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;

function xy(p: LngLat, o: LngLat): [number, number] {
  return [(p[0] - o[0]) * RAD * EARTH_R * Math.cos(o[1] * RAD), (p[1] - o[1]) * RAD * EARTH_R];
}
export function polylineLengthM(g: readonly LngLat[]): number {
  let s = 0;
  for (let i = 1; i < g.length; i++) {
    const [x, y] = xy(g[i]!, g[i - 1]!);
    s += Math.hypot(x, y);
  }
  return s;
}
function bearing(a: LngLat, b: LngLat): number {
  const [x, y] = xy(b, a);
  return ((Math.atan2(x, y) / RAD) % 360 + 360) % 360;
}
/** Signed turn from travel direction `inDeg` to `outDeg`, degrees in (−180, 180]; positive = right. */
export function turnAngle(inDeg: number, outDeg: number): number {
  const d = (((outDeg - inDeg) % 360) + 540) % 360 - 180;
  return d === -180 ? 180 : d;
}

/** FNV-1a of a string to [0, 1): stable per-site variation that does not depend on the seed. */
export function hash01(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}

// ---- the network --------------------------------------------------------------------------------

export interface Network {
  readonly intersections: readonly Intersection[];
  readonly ixIndex: ReadonlyMap<string, number>;
  /** Approaches of intersection i are apStart[i] .. apStart[i+1]−1, in the intersection's order. */
  readonly apStart: Int32Array;
  readonly apCount: number;
  readonly apIx: Int32Array;
  readonly apId: readonly string[];
  readonly apLanes: Int32Array;
  /** Feeding link, −1 when the approach is fed by its own arrival stream at the stop line. */
  readonly apLink: Int32Array;
  readonly apBearing: Float64Array;
  /** Free-flow speed of the approach, m/s (its link's speed limit, 50 km/h otherwise). */
  readonly apVfree: Float64Array;
  /** External arrivals at the design peak, veh/h: at the link entry (link-fed) or at the stop line. */
  readonly apSourceVehH: Float64Array;
  /** Expected flow to the stop line at the design peak, veh/h (what the signal plan is designed for). */
  readonly apDesignVehH: Float64Array;
  /** Detector lanes of approach a are laneStart[a] .. laneStart[a+1]−1 (lane 1 first). */
  readonly laneStart: Int32Array;
  readonly laneCount: number;
  /** Turning movements of approach a: turnStart[a] .. turnStart[a+1]−1 into turnLink with turnRatio. */
  readonly turnStart: Int32Array;
  readonly turnLink: Int32Array;
  readonly turnRatio: Float64Array;
  readonly links: readonly Link[];
  readonly linkIndex: ReadonlyMap<string, number>;
  readonly lkLength: Float64Array;
  readonly lkLanes: Int32Array;
  /** Free-flow speed, m/s. */
  readonly lkVfree: Float64Array;
  /** Approach at the downstream end. */
  readonly lkToAp: Int32Array;
  /** Index of approach `${intersectionId}/${approachId}`. */
  readonly apKey: ReadonlyMap<string, number>;
}

function designPerLane(x: Intersection, a: Approach, link: Link | undefined): number {
  if (link) return DESIGN_PER_LANE[link.roadClass];
  if (x.generated) {
    const major = a.street === 'Hauptachse';
    const base = major ? (a.lanes >= 2 ? DESIGN_PER_LANE.genMajor2 : DESIGN_PER_LANE.genMajor1) : DESIGN_PER_LANE.genMinor;
    return base * (0.75 + 0.5 * hash01(`${x.id}/${a.id}`));
  }
  const s = a.street;
  if (/\bA\d+\b|Ausfahrt/.test(s)) return DESIGN_PER_LANE.ramp;
  if (/Brücke/.test(s)) return DESIGN_PER_LANE.bridge;
  if (/Zufahrt|Parkplatz/.test(s)) return DESIGN_PER_LANE.access;
  if (/Straße|Allee|Weg/.test(s) && a.lanes >= 2) return DESIGN_PER_LANE.secondary;
  return DESIGN_PER_LANE.sideStreet;
}

/**
 * Flattens intersections and links. Links whose ends are not both among `intersections` are
 * dropped; an approach whose `fromLink` is not kept is fed by its own arrival stream.
 */
export function buildNetwork(intersections: readonly Intersection[], links: readonly Link[] = []): Network {
  const ixIndex = new Map(intersections.map((x, i) => [x.id, i] as const));
  if (ixIndex.size !== intersections.length) throw new Error('buildNetwork: duplicate intersection id');
  const kept = links.filter((l) => ixIndex.has(l.from) && ixIndex.has(l.to));
  const linkIndex = new Map(kept.map((l, i) => [l.id, i] as const));

  const apCount = intersections.reduce((s, x) => s + x.approaches.length, 0);
  const apStart = new Int32Array(intersections.length + 1);
  const apIx = new Int32Array(apCount);
  const apId: string[] = [];
  const apLanes = new Int32Array(apCount);
  const apLink = new Int32Array(apCount).fill(-1);
  const apBearing = new Float64Array(apCount);
  const apVfree = new Float64Array(apCount);
  const apKey = new Map<string, number>();
  const laneStart = new Int32Array(apCount + 1);
  const lkLength = new Float64Array(kept.length);
  const lkLanes = new Int32Array(kept.length);
  const lkVfree = new Float64Array(kept.length);
  const lkToAp = new Int32Array(kept.length).fill(-1);
  kept.forEach((l, i) => {
    lkLength[i] = Math.max(20, polylineLengthM(l.geometry));
    lkLanes[i] = Math.max(1, l.lanes);
    lkVfree[i] = l.speedLimitKmh / 3.6;
  });

  let a = 0;
  let lane = 0;
  intersections.forEach((x, i) => {
    apStart[i] = a;
    for (const ap of x.approaches) {
      apIx[a] = i;
      apId.push(ap.id);
      apLanes[a] = Math.max(1, ap.lanes);
      apBearing[a] = ap.bearingDeg;
      apKey.set(`${x.id}/${ap.id}`, a);
      const li = ap.fromLink !== undefined ? linkIndex.get(ap.fromLink) : undefined;
      if (li !== undefined) {
        apLink[a] = li;
        lkToAp[li] = a;
        apVfree[a] = lkVfree[li]!;
      } else apVfree[a] = 50 / 3.6;
      laneStart[a] = lane;
      lane += apLanes[a]!;
      a++;
    }
  });
  apStart[intersections.length] = a;
  laneStart[apCount] = lane;
  kept.forEach((l, i) => {
    if (lkToAp[i]! < 0) throw new Error(`buildNetwork: link ${l.id} feeds no approach of ${l.to}`);
  });

  // Turning ratios: by turn angle and lanes of the outgoing link, no U-turns; SINK_SHARE leaves the
  // network at every junction that has outgoing links (all of it where there are none).
  const outOf: number[][] = intersections.map(() => []);
  kept.forEach((l, i) => outOf[ixIndex.get(l.from)!]!.push(i));
  const turnStart = new Int32Array(apCount + 1);
  const tLink: number[] = [];
  const tRatio: number[] = [];
  for (let ap = 0; ap < apCount; ap++) {
    turnStart[ap] = tLink.length;
    const i = apIx[ap]!;
    const inLink = apLink[ap]! >= 0 ? kept[apLink[ap]!]! : undefined;
    const cand: [number, number][] = [];
    for (const li of outOf[i]!) {
      const out = kept[li]!;
      if (inLink && out.to === inLink.from) continue; // no U-turn back where we came from
      const d = turnAngle(apBearing[ap]!, bearing(out.geometry[0]!, out.geometry[1]!));
      const ad = Math.abs(d);
      const w = ad <= 35 ? 3 : ad > 145 ? 0 : d > 0 ? 1.2 : 0.8;
      if (w > 0) cand.push([li, w * lkLanes[li]!]);
    }
    const sum = cand.reduce((s, c) => s + c[1], 0);
    for (const [li, w] of cand) {
      tLink.push(li);
      tRatio.push(((1 - SINK_SHARE) * w) / sum);
    }
  }
  turnStart[apCount] = tLink.length;
  const turnLink = Int32Array.from(tLink);
  const turnRatio = Float64Array.from(tRatio);

  // Design demand: a target flow per approach; the local (side-street) entries on each link make up
  // what the upstream junctions do not deliver. Fixed point of F = S + R·F (R contracts by 1 − SINK_SHARE).
  const target = new Float64Array(apCount);
  for (let ap = 0; ap < apCount; ap++) {
    const x = intersections[apIx[ap]!]!;
    const approach = x.approaches[ap - apStart[apIx[ap]!]!]!;
    const link = apLink[ap]! >= 0 ? kept[apLink[ap]!] : undefined;
    target[ap] = designPerLane(x, approach, link) * apLanes[ap]!;
  }
  // Where the junctions upstream would deliver more than the street is designed for (flows
  // converging on a one-lane street), the turns into it are scaled down and the rest leaves the
  // network upstream (it takes streets the model does not have): every approach then carries its
  // target flow, at least MIN_LOCAL_SHARE of it from local entries.
  const apSourceVehH = new Float64Array(apCount);
  const apDesignVehH = Float64Array.from(target);
  const upstream = new Float64Array(apCount);
  for (let iter = 0; iter < 100; iter++) {
    upstream.fill(0);
    for (let ap = 0; ap < apCount; ap++) {
      for (let k = turnStart[ap]!; k < turnStart[ap + 1]!; k++) upstream[lkToAp[turnLink[k]!]!]! += apDesignVehH[ap]! * turnRatio[k]!;
    }
    const scale = new Float64Array(kept.length).fill(1);
    for (let ap = 0; ap < apCount; ap++) {
      const max = (1 - MIN_LOCAL_SHARE) * target[ap]!;
      if (apLink[ap]! >= 0 && upstream[ap]! > max) scale[apLink[ap]!] = max / upstream[ap]!;
    }
    for (let k = 0; k < turnLink.length; k++) turnRatio[k]! *= scale[turnLink[k]!]!;
    for (let ap = 0; ap < apCount; ap++) {
      const u = Math.min(upstream[ap]!, (1 - MIN_LOCAL_SHARE) * target[ap]!);
      apSourceVehH[ap] = apLink[ap]! >= 0 ? target[ap]! - u : target[ap]!;
      apDesignVehH[ap] = apSourceVehH[ap]! + u;
    }
  }

  return {
    intersections,
    ixIndex,
    apStart,
    apCount,
    apIx,
    apId,
    apLanes,
    apLink,
    apBearing,
    apVfree,
    apSourceVehH,
    apDesignVehH,
    laneStart,
    laneCount: lane,
    turnStart,
    turnLink,
    turnRatio,
    links: kept,
    linkIndex,
    lkLength,
    lkLanes,
    lkVfree,
    lkToAp,
    apKey,
  };
}
