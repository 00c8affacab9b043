/**
 * Pure layout math of the signals panel: the ring/phase diagram (state runs per signal group over
 * one cycle), the approach bars (degree-of-saturation scale) and the corridor time-space diagram
 * (green windows of each installation repeated over a few cycles against distance, and the
 * green-wave band at a given speed). No DOM, no clock: everything is a function of its arguments.
 */
import { compilePlan, SIGNAL_GROUP_STATES, type ControllerSpec, type SignalGroupState, type SignalPlan } from '../../../../protocol/index.ts';

const mod = (a: number, n: number) => ((a % n) + n) % n;

// ---- ring / phase diagram ----------------------------------------------------------------------

export interface StateRun {
  state: SignalGroupState;
  /** First cycle second of the run. */
  startSec: number;
  /** Exclusive end, startSec < endSec ≤ cycleSec (runs do not wrap: a wrapping one is split at 0). */
  endSec: number;
}

export interface RingRow {
  groupId: string;
  kind: ControllerSpec['signalGroups'][number]['kind'];
  runs: StateRun[];
  /** Seconds of green per cycle. */
  greenSec: number;
}

/** One row per signal group (spec order) with its state runs over the cycle, from compilePlan. */
export function ringRows(spec: ControllerSpec, plan: SignalPlan): { cycleSec: number; rows: RingRow[] } {
  const c = compilePlan(spec, plan);
  const G = c.groupIds.length;
  const rows = spec.signalGroups.map((g, gi): RingRow => {
    const runs: StateRun[] = [];
    let greenSec = 0;
    for (let t = 0; t < c.cycleSec; t++) {
      const state = SIGNAL_GROUP_STATES[c.states[t * G + gi]!]!;
      if (state === 'green') greenSec++;
      const last = runs.at(-1);
      if (last && last.state === state && last.endSec === t) last.endSec = t + 1;
      else runs.push({ state, startSec: t, endSec: t + 1 });
    }
    return { groupId: g.id, kind: g.kind, runs, greenSec };
  });
  return { cycleSec: c.cycleSec, rows };
}

/** State of one ring row at a cycle second (taken modulo the cycle); null for an empty row. */
export function stateAt(row: RingRow, cycleSec: number, second: number): SignalGroupState | null {
  const t = mod(Math.floor(second), cycleSec);
  return row.runs.find((r) => t >= r.startSec && t < r.endSec)?.state ?? null;
}

// ---- approach bars -----------------------------------------------------------------------------

/** Degree-of-saturation scale of the approach bars: 0 .. X_MAX, with marks at 0.9 and 1.0. */
export const X_MAX = 1.2;
/** Bar fill fraction (0..1) of a degree of saturation; null stays null. */
export const xFraction = (x: number | null): number | null => (x === null ? null : Math.max(0, Math.min(1, x / X_MAX)));
/** x ≥ 1: oversaturated; x ≥ 0.9: near capacity (the usual design limit). */
export const xLevel = (x: number | null): 'unknown' | 'ok' | 'near' | 'over' => (x === null ? 'unknown' : x >= 1 ? 'over' : x >= 0.9 ? 'near' : 'ok');

// ---- time-space diagram ------------------------------------------------------------------------

/** A green window in diagram time: seconds from the diagram's start t0, [startSec, endSec). */
export interface Interval {
  startSec: number;
  endSec: number;
}

/**
 * Green windows of the given groups of a plan within [t0, t0 + horizonSec), relative to t0.
 * Time base (protocol/signal.ts): cycle second of epoch second t is (t − offsetSec) mod cycleSec.
 * Windows of several groups are merged (union) and clipped to the horizon.
 */
export function greenWindowsOver(plan: SignalPlan, groupIds: readonly string[], t0: number, horizonSec: number): Interval[] {
  const C = plan.cycleSec;
  const want = new Set(groupIds);
  const mask = new Uint8Array(C);
  for (const w of plan.greens) {
    if (!want.has(w.groupId)) continue;
    const len = mod(w.endSec - w.startSec, C) || (w.endSec === w.startSec ? 0 : C);
    for (let k = 0; k < len; k++) mask[(w.startSec + k) % C] = 1;
  }
  const out: Interval[] = [];
  for (let s = 0; s < horizonSec; s++) {
    if (!mask[mod(t0 + s - plan.offsetSec, C)]) continue;
    const last = out.at(-1);
    if (last && last.endSec === s) last.endSec = s + 1;
    else out.push({ startSec: s, endSec: s + 1 });
  }
  return out;
}

export interface CorridorNode {
  id: string;
  /** Distance from the corridor's first installation, m. */
  distM: number;
  /** Green windows of the corridor's direction, relative to t0; null when no plan is announced. */
  greens: Interval[] | null;
}

/** A green-wave band: vehicles leaving the first installation in [startSec, endSec) at the band speed pass every green. */
export type Band = Interval;

/**
 * Green-wave bands at speed v (m/s): departure seconds τ from the first installation (within
 * [0, horizonSec)) for which the trajectory τ + distM / v meets green at every installation with a
 * plan, merged into runs. Sampled per second (plans are in whole seconds).
 */
export function greenBands(nodes: readonly CorridorNode[], speedMs: number, horizonSec: number): Band[] {
  const withPlan = nodes.filter((n) => n.greens !== null);
  if (withPlan.length < 2 || speedMs <= 0) return [];
  const isGreen = (iv: Interval[], t: number) => iv.some((w) => t >= w.startSec && t < w.endSec);
  const out: Band[] = [];
  for (let tau = 0; tau < horizonSec; tau++) {
    const ok = withPlan.every((n) => {
      const t = tau + (n.distM - withPlan[0]!.distM) / speedMs;
      return t < horizonSec && isGreen(n.greens!, Math.floor(t + 1e-9));
    });
    if (!ok) continue;
    const last = out.at(-1);
    if (last && last.endSec === tau) last.endSec = tau + 1;
    else out.push({ startSec: tau, endSec: tau + 1 });
  }
  return out;
}

/** Great-circle distance, m (haversine; the corridors are a few km long). */
export function distanceM(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const R = 6371000;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Cumulative distances along a corridor from the installations' positions; scaled so that the sum
 * equals the corridor's learned length (link lengths) when it is known. Unknown positions count 0.
 */
export function cumulativeDistances(points: readonly ({ lon: number; lat: number } | null)[], totalLengthM: number | null): number[] {
  const d = [0];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    d.push(d[i - 1]! + (a && b ? distanceM(a, b) : 0));
  }
  const sum = d.at(-1)!;
  if (totalLengthM !== null && totalLengthM > 0 && sum > 0) return d.map((x) => (x * totalLengthM) / sum);
  return d;
}

/** Free-flow speed of a corridor, m/s: length / free-flow time when both are known, else the fallback km/h. */
export function freeFlowSpeedMs(lengthM: number | null, freeFlowTravelTimeSec: number | null, fallbackKmh = 50): number {
  if (lengthM !== null && freeFlowTravelTimeSec !== null && lengthM > 0 && freeFlowTravelTimeSec > 0) return lengthM / freeFlowTravelTimeSec;
  return fallbackKmh / 3.6;
}

/** Initial bearing from a to b, degrees clockwise from north, 0..360. */
export function bearingDeg(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * rad) * Math.cos(b.lat * rad);
  const x = Math.cos(a.lat * rad) * Math.sin(b.lat * rad) - Math.sin(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((b.lon - a.lon) * rad);
  return mod(Math.atan2(y, x) / rad, 360);
}

const angleDiff = (a: number, b: number) => {
  const d = mod(a - b, 360);
  return d > 180 ? 360 - d : d;
};

export interface ApproachInfo {
  id: string;
  street: string;
  /** Direction of travel of the traffic arriving on the approach (TlsMeta), degrees from north. */
  bearingDeg: number;
}

/**
 * Which signal groups carry the corridor's direction at an installation: the vehicle groups of the
 * approach whose direction of travel is closest (within 60°) to the corridor's travel bearing there;
 * else those of the approaches whose street the corridor's name mentions; else the first vehicle group.
 */
export function corridorGroups(spec: ControllerSpec, approaches: readonly ApproachInfo[], travelBearingDeg: number | null, corridorName: string): string[] {
  const groupsOf = (apIds: Set<string>) => spec.signalGroups.filter((g) => g.kind !== 'pedestrian' && g.approachIds.some((a) => apIds.has(a))).map((g) => g.id);
  if (travelBearingDeg !== null) {
    let best: ApproachInfo | null = null;
    for (const a of approaches) if (angleDiff(a.bearingDeg, travelBearingDeg) <= 60 && (!best || angleDiff(a.bearingDeg, travelBearingDeg) < angleDiff(best.bearingDeg, travelBearingDeg))) best = a;
    if (best) {
      const g = groupsOf(new Set([best.id]));
      if (g.length) return g;
    }
  }
  const name = corridorName.toLocaleLowerCase('de');
  const named = groupsOf(new Set(approaches.filter((a) => a.street && name.includes(a.street.toLocaleLowerCase('de'))).map((a) => a.id)));
  if (named.length) return named;
  const v = spec.signalGroups.find((g) => g.kind === 'vehicle') ?? spec.signalGroups[0];
  return v ? [v.id] : [];
}

/** Linear scale [d0, d1] → [r0, r1]. */
export const scale = (d0: number, d1: number, r0: number, r1: number) => (v: number) => (d1 === d0 ? r0 : r0 + ((v - d0) * (r1 - r0)) / (d1 - d0));
