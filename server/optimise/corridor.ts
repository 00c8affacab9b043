/**
 * Corridor coordination (Grüne Welle) for fixed-time / coordinated mode, and the time-space
 * diagram data for the dashboard.
 *
 * Offsets from MEASURED travel times (the links' travelTimeSec from the detectors and probes;
 * free-flow time where none is measured): with a common cycle C, the coordinated group's green
 * at signal k starts when a vehicle that left signal 0 at the start of its green arrives:
 *   offset_k = (offset_0 + s_0 + Σ_{j<k} tt_j − s_k) mod C,
 * s_k the start of the coordinated green in signal k's plan (the classical one-way progression;
 * RiLSA 2015 section 4.3 "Koordinierung"; Morgan & Little 1964 for the bandwidth notion).
 * Plans with a shorter cycle are stretched to C (all windows scaled by C/c, starts rounded up and
 * ends rounded down, so intergreens never shrink) and must pass the hub's plan check; a signal
 * whose stretched plan fails keeps its plan and is reported as uncoordinated.
 *
 * Bandwidth: the widest band of vehicles leaving signal 0 within its green that meet green at every
 * signal, found by scanning the start second (whole seconds, one cycle).
 */
import type { SignalPlan, TlsMetaSignal } from '../../protocol/signal.ts';
import { checkPlan } from './safety.ts';
import { compileSpec } from './stages.ts';

export interface CorridorNodeInput {
  id: string;
  signal: TlsMetaSignal;
  /** The running plan if not the default one. */
  plan?: SignalPlan;
  /** Group carrying the corridor's direction of travel. */
  groupId: string;
  /** Travel time from the previous node, s (measured; free-flow where not); 0 for the first. */
  travelTimeFromPrevSec: number;
  /** Distance from the previous node, m; 0 for the first. */
  distFromPrevM: number;
}

export interface CorridorPlan {
  cycleSec: number;
  /** Plans to command (only for signals whose plan changes), each passed checkPlan. */
  plans: { tlsId: string; plan: SignalPlan }[];
  uncoordinated: { tlsId: string; reason: string }[];
  bandwidthSec: number;
  /** Bandwidth before the change, same cycle basis. */
  bandwidthBeforeSec: number;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

function stretch(plan: SignalPlan, C: number, planId: string): SignalPlan {
  if (plan.cycleSec === C) return { ...plan, planId };
  const k = C / plan.cycleSec;
  return {
    planId,
    cycleSec: C,
    offsetSec: mod(Math.round(plan.offsetSec * k), C),
    greens: plan.greens.map((w) => {
      const s = Math.ceil(w.startSec * k - 1e-9);
      const e = w.endSec === plan.cycleSec ? C : Math.floor(w.endSec * k + 1e-9);
      return { groupId: w.groupId, startSec: mod(s, C), endSec: e === C ? C : mod(e, C) };
    }),
  };
}

/** Green windows [start, end) in absolute seconds of a group over [t0, t0 + horizon). */
export function greenIntervals(plan: SignalPlan, groupId: string, t0: number, horizonSec: number): [number, number][] {
  const C = plan.cycleSec;
  const out: [number, number][] = [];
  for (const w of plan.greens) {
    if (w.groupId !== groupId) continue;
    const len = mod(w.endSec - w.startSec, C) || C;
    // First cycle start at or before t0 - C.
    const base = t0 - mod(t0 - plan.offsetSec, C) - C;
    for (let c0 = base; c0 < t0 + horizonSec; c0 += C) {
      const s = c0 + w.startSec;
      const e = s + len;
      if (e > t0 && s < t0 + horizonSec) out.push([Math.max(s, t0), Math.min(e, t0 + horizonSec)]);
    }
  }
  return out.sort((a, b) => a[0] - b[0]);
}

function greenAt(plan: SignalPlan, groupId: string, t: number): boolean {
  const C = plan.cycleSec;
  const cs = mod(t - plan.offsetSec, C);
  for (const w of plan.greens) {
    if (w.groupId !== groupId) continue;
    const len = mod(w.endSec - w.startSec, C) || C;
    if (mod(cs - w.startSec, C) < len) return true;
  }
  return false;
}

/** Widest progression band (s) through all nodes for the given plans, scanning one cycle. */
export function bandwidth(plans: SignalPlan[], groups: string[], travel: number[]): number {
  const C = plans[0]!.cycleSec;
  const cum: number[] = [];
  let acc = 0;
  for (let k = 0; k < plans.length; k++) {
    acc += k === 0 ? 0 : travel[k]!;
    cum.push(Math.round(acc));
  }
  let best = 0;
  let run = 0;
  // Two cycles so a band that wraps is counted whole.
  for (let t = 0; t < 2 * C; t++) {
    let ok = true;
    for (let k = 0; k < plans.length && ok; k++) if (!greenAt(plans[k]!, groups[k]!, t + cum[k]!)) ok = false;
    run = ok ? run + 1 : 0;
    if (run > best) best = run;
  }
  return Math.min(best, C);
}

/** Offsets for a green wave along the nodes in driving order. */
export function corridorOffsets(nodes: readonly CorridorNodeInput[], planIdPrefix = 'gw'): CorridorPlan {
  if (nodes.length === 0) return { cycleSec: 0, plans: [], uncoordinated: [], bandwidthSec: 0, bandwidthBeforeSec: 0 };
  const base = nodes.map((n) => n.plan ?? n.signal.plan);
  const C = Math.max(...base.map((p) => p.cycleSec));
  const uncoordinated: CorridorPlan['uncoordinated'] = [];
  const stretched = base.map((p, k) => {
    const s = stretch(p, C, `${planIdPrefix}-${C}`);
    const v = checkPlan(compileSpec(nodes[k]!.signal.spec), s);
    if (!v.ok) {
      uncoordinated.push({ tlsId: nodes[k]!.id, reason: `stretched plan invalid: ${v.violations.map((x) => x.code).join(',')}` });
      return null;
    }
    return s;
  });
  const startOf = (p: SignalPlan, g: string) => {
    // Start of the longest green window of the group.
    let best = -1;
    let s0 = 0;
    for (const w of p.greens) {
      if (w.groupId !== g) continue;
      const len = mod(w.endSec - w.startSec, p.cycleSec) || p.cycleSec;
      if (len > best) {
        best = len;
        s0 = w.startSec;
      }
    }
    return s0;
  };
  const groups = nodes.map((n) => n.groupId);
  const travel = nodes.map((n) => n.travelTimeFromPrevSec);
  const before = base.every((p) => p.cycleSec === C) ? bandwidth(base, groups, travel) : 0;
  const out: SignalPlan[] = [];
  const first = stretched[0] ?? base[0]!;
  const ref = first.offsetSec + startOf(first, groups[0]!);
  let cum = 0;
  const plans: CorridorPlan['plans'] = [];
  nodes.forEach((n, k) => {
    if (k > 0) cum += n.travelTimeFromPrevSec;
    const s = stretched[k];
    if (!s) {
      out.push(base[k]!);
      return;
    }
    const offsetSec = mod(Math.round(ref + cum - startOf(s, n.groupId)), C);
    const p = { ...s, offsetSec };
    out.push(p);
    if (k > 0 || p.cycleSec !== base[k]!.cycleSec) plans.push({ tlsId: n.id, plan: p });
  });
  const all = out.every((p) => p.cycleSec === C);
  return { cycleSec: C, plans, uncoordinated, bandwidthSec: all ? bandwidth(out, groups, travel) : 0, bandwidthBeforeSec: before };
}

export interface TimeSpaceData {
  t0Sec: number;
  horizonSec: number;
  nodes: { id: string; distM: number; groupId: string; greens: [number, number][] }[];
  /** Trajectories of the band: start second at node 0 and the arrival second at each node. */
  band: { startSec: number; widthSec: number; arrivalsSec: number[] } | null;
}

/**
 * Time-space diagram data (what src/lib/ui/signals/TimeSpace.svelte draws): per node its distance
 * along the corridor and the coordinated group's green intervals over [t0, t0 + horizon), plus the
 * progression band from the first node.
 */
export function timeSpace(nodes: readonly CorridorNodeInput[], t0Sec: number, horizonSec: number): TimeSpaceData {
  let dist = 0;
  let cum = 0;
  const arrivalsOff: number[] = [];
  const out: TimeSpaceData['nodes'] = nodes.map((n, k) => {
    if (k > 0) {
      dist += n.distFromPrevM;
      cum += n.travelTimeFromPrevSec;
    }
    arrivalsOff.push(Math.round(cum));
    const plan = n.plan ?? n.signal.plan;
    return { id: n.id, distM: Math.round(dist), groupId: n.groupId, greens: greenIntervals(plan, n.groupId, t0Sec, horizonSec) };
  });
  let band: TimeSpaceData['band'] = null;
  const plans = nodes.map((n) => n.plan ?? n.signal.plan);
  if (nodes.length > 0 && plans.every((p) => p.cycleSec === plans[0]!.cycleSec)) {
    let bestStart = -1;
    let bestW = 0;
    let run = 0;
    for (let t = t0Sec; t < t0Sec + horizonSec; t++) {
      const ok = nodes.every((n, k) => greenAt(plans[k]!, n.groupId, t + arrivalsOff[k]!));
      run = ok ? run + 1 : 0;
      if (run > bestW) {
        bestW = run;
        bestStart = t - run + 1;
      }
    }
    if (bestW > 0) band = { startSec: bestStart, widthSec: bestW, arrivalsSec: arrivalsOff.map((o) => bestStart + o) };
  }
  return { t0Sec, horizonSec, nodes: out, band };
}
