/**
 * Signal controller emulator: what every signal installation of the simulated city does.
 *
 * - `designController`: a ControllerSpec derived from the junction's geometry (RiLSA 2015 style:
 *   signal groups, conflicts, intergreen matrix, minimum greens) and a default fixed-time plan
 *   sized with Webster's (1958) optimum cycle from the design peak demand.
 * - `SignalController`: runs a plan second by second behind a signal-safety layer (what the
 *   "Signalsicherung" of a real controller does): a green never starts before the intergreen
 *   after every conflicting green has passed, never ends before its minimum green, and a group
 *   never gets green again without amber, 1 s red and red-amber. With a validated plan this
 *   layer never intervenes; it makes plan switches, fault recovery and switch-on safe.
 *   Commanded plans are validated (`validatePlan`), acknowledged, and switched in at the next
 *   cycle boundary of the running plan. Faults: lamp failure, comms loss, flashing amber, off.
 * - Adaptive mode (`stage()`, StageCommand): the hub names the groups it wants green now; the same
 *   safety layer gets there (min green, amber, intergreen, red-amber are never cut). The controller
 *   also enforces a maximum red per group (spec maxRedSec, default VEHICLE_MAX_RED_SEC for vehicle
 *   and tram groups): a group red too long is served whatever the requests say. A watchdog returns
 *   it to its own fixed-time plan (entered behind the safety layer) when requests stop.
 * - Messages (`TlsState` every second, `DetectorReport` and the simulator's `TlsTruth` per
 *   aggregation interval) are built from the traffic model; nothing here does I/O.
 * - `CitySim`: the traffic model plus one controller per intersection, stepped together.
 */
import type { z } from 'zod';
import type { DetectorReport } from '../../protocol/mqtt.ts';
import {
  PlanCommand,
  SIGNAL_GROUP_STATES,
  STAGE_MAX_VALID_MS,
  StageCommand,
  STATE_CODE,
  compilePlan,
  validatePlan,
  validateStage,
  type AckReason,
  type CompiledPlan,
  type ControllerMode,
  type ControllerSpec,
  type PlanAck,
  type SignalGroup,
  type SignalPlan,
  type TlsMetaSignal,
  type TlsState,
  type TlsTruth,
} from '../../protocol/signal.ts';
import type { Intersection, Link } from '../city/types.ts';
import { emissions } from '../traffic/emissions.ts';
import { LOST_TIME_SEC, SAT_FLOW_PER_LANE, TrafficModel, type TrafficModelOptions } from '../traffic/model.ts';
import { buildNetwork, turnAngle, type Network } from '../traffic/network.ts';
import { detectorIds } from './tls.ts';

// ---- design constants (RiLSA 2015, VwV-StVO zu § 37, HBS 2015) ---------------------------------------

/** Minimum green of vehicle groups, s (RiLSA). */
export const VEHICLE_MIN_GREEN_SEC = 5;
/** Amber at up to 50 km/h, s; 4 s at 60, 5 s at 70 (VwV-StVO zu § 37). */
export const AMBER_SEC = 3;
/** Red-amber, s (VwV-StVO: 1 s, at most 2 s). */
export const RED_AMBER_SEC = 1;
/** Lane width for crossing lengths, m. */
const LANE_WIDTH_M = 3.25;
/** RiLSA intergreen parameters: passing time (Überfahrzeit) at 50 km/h, vehicle length in the clearing path, clearing / entering speeds. */
const T_PASS_SEC = 3;
const VEHICLE_LENGTH_M = 6;
const V_CLEAR_MS = 10;
const V_ENTER_MS = 40 / 3.6;
/** Pedestrian clearing speed (RiLSA: 1.2 m/s; 1.0 m/s where many elderly / children cross). */
const V_PED_MS = 1.2;
/** Distance from a stop line to the far edge of the crossing behind it, m. */
const STOP_LINE_SETBACK_M = 5;
/**
 * Longest red a pedestrian group may be given by any plan, s: beyond the worst quality level of
 * pedestrian waiting times in HBS 2015 practice (people start crossing on red long before this).
 * A policy choice of this simulator, not a RiLSA number.
 */
export const PED_MAX_RED_SEC = 100;
/** Webster's cycle is clamped to this range (RiLSA: urban cycles 60-120 s). */
export const MIN_CYCLE_SEC = 60;
/** Longest red of a vehicle/tram group in adaptive mode when the spec gives none, s (issue 8 fairness rule). */
export const VEHICLE_MAX_RED_SEC = 120;
export const MAX_CYCLE_SEC = 120;

/** Arms where a pedestrian crossing makes no sense: motorway ramps, car-park accesses. */
const NO_CROSSING = /\bA\d+\b|Ausfahrt|Zufahrt|Parkplatz|Brücke/;

export interface ControllerDesign {
  spec: ControllerSpec;
  plan: SignalPlan;
  /** Stages in cycle order: the groups green together (documentation / debugging). */
  stages: string[][];
  /** Webster inputs and result. */
  webster: { lostTimeSec: number; flowRatioSum: number; cycleSec: number };
}

interface Draft {
  id: string;
  kind: 'vehicle' | 'pedestrian';
  /** Indices into x.approaches. */
  aps: number[];
  minGreen: number;
  amber: number;
  redAmber: number;
}

const ceil = Math.ceil;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * Signal groups, conflicts and intergreens of an intersection from its geometry, and its default
 * fixed-time plan for the design peak demand `net.apDesignVehH`.
 *
 * - Vehicle groups: opposite approaches (travel directions 150-210° apart) share a group
 *   (permissive left turns, the usual German two-phase operation); any other approach gets its
 *   own. Two vehicle groups conflict when any of their approaches cross or merge (not opposite).
 * - Pedestrian groups: one per arm (except motorway ramps, car-park accesses, bridge heads), in
 *   conflict with the vehicle groups entering from that arm or driving straight into it; vehicles
 *   turning into the arm are conditionally compatible (they yield, RiLSA "bedingt verträglich").
 * - Intergreens t_z = t_ü + t_r − t_e (RiLSA): vehicles 4-6 s, pedestrians' clearance from the
 *   crossing length at 1.2 m/s.
 */
export function designController(x: Intersection, net: Network): ControllerDesign {
  const aps = x.approaches;
  const n = aps.length;
  const ix = net.ixIndex.get(x.id);
  if (ix === undefined) throw new Error(`designController: ${x.id} is not in the network`);
  const a0 = net.apStart[ix]!;
  const opposite = (i: number, j: number) => Math.abs(turnAngle(aps[i]!.bearingDeg, aps[j]!.bearingDeg)) >= 150;
  const width = (i: number) => 2 * aps[i]!.lanes * LANE_WIDTH_M;

  // Vehicle groups: greedy pairing of the most nearly opposite approaches.
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.abs(turnAngle(aps[i]!.bearingDeg, aps[j]!.bearingDeg));
      if (d >= 150) pairs.push([180 - d, i, j]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
  const taken = new Set<number>();
  const vGroups: number[][] = [];
  for (const [, i, j] of pairs) {
    if (taken.has(i) || taken.has(j)) continue;
    taken.add(i);
    taken.add(j);
    vGroups.push([i, j]);
  }
  for (let i = 0; i < n; i++) if (!taken.has(i)) vGroups.push([i]);
  vGroups.sort((p, q) => Math.min(...p) - Math.min(...q));

  const drafts: Draft[] = vGroups.map((g, k) => ({ id: `K${k + 1}`, kind: 'vehicle', aps: g, minGreen: VEHICLE_MIN_GREEN_SEC, amber: AMBER_SEC, redAmber: RED_AMBER_SEC }));
  const nV = drafts.length;
  for (let i = 0; i < n; i++) {
    if (NO_CROSSING.test(aps[i]!.street)) continue;
    if (x.generated && aps[i]!.street !== 'Querstraße') continue; // generated sites: crossings over the side streets
    drafts.push({ id: `F${drafts.length - nV + 1}`, kind: 'pedestrian', aps: [i], minGreen: Math.max(6, ceil(width(i) / 2 / V_PED_MS)), amber: 0, redAmber: 0 });
  }
  const G = drafts.length;

  // Conflicts and intergreens (−1: compatible).
  const ig = new Int32Array(G * G).fill(-1);
  const intoArm = (j: number, i: number) => Math.abs(turnAngle(aps[j]!.bearingDeg, (aps[i]!.bearingDeg + 180) % 360)) <= 35;
  for (let c = 0; c < G; c++) {
    for (let e = 0; e < G; e++) {
      if (c === e) continue;
      const dc = drafts[c]!;
      const de = drafts[e]!;
      let t = -1;
      if (dc.kind === 'vehicle' && de.kind === 'vehicle') {
        for (const i of dc.aps) {
          for (const j of de.aps) {
            if (opposite(i, j)) continue;
            // Clearing vehicle from i crosses the carriageway of j to the far conflict point; the
            // entering vehicle from j first passes its own setback and the near lanes of i.
            const tr = (3 + 0.75 * width(j) + VEHICLE_LENGTH_M) / V_CLEAR_MS;
            const te = (3 + 0.25 * width(i)) / V_ENTER_MS;
            t = Math.max(t, clamp(ceil(T_PASS_SEC + tr - te), 4, 6));
          }
        }
      } else if (dc.kind === 'vehicle' && de.kind === 'pedestrian') {
        const arm = de.aps[0]!;
        for (const i of dc.aps) {
          if (i === arm) t = Math.max(t, clamp(ceil(T_PASS_SEC + (STOP_LINE_SETBACK_M + VEHICLE_LENGTH_M) / V_CLEAR_MS), 4, 7));
          else if (intoArm(i, arm)) t = Math.max(t, clamp(ceil(T_PASS_SEC + (STOP_LINE_SETBACK_M + 10 + VEHICLE_LENGTH_M) / V_CLEAR_MS), 4, 7));
        }
      } else if (dc.kind === 'pedestrian' && de.kind === 'vehicle') {
        const arm = dc.aps[0]!;
        const tr = width(arm) / V_PED_MS;
        for (const j of de.aps) {
          if (j === arm) t = Math.max(t, clamp(ceil(tr - 1 / V_ENTER_MS), 3, 30));
          else if (intoArm(j, arm)) t = Math.max(t, clamp(ceil(tr - 10 / V_ENTER_MS), 3, 30));
        }
      }
      ig[c * G + e] = t;
    }
  }
  // Conflicts must be symmetric: a pair with an intergreen one way gets one the other way.
  for (let c = 0; c < G; c++) {
    for (let e = 0; e < G; e++) {
      if (ig[c * G + e]! >= 0 && ig[e * G + c]! < 0) ig[e * G + c] = Math.max(drafts[e]!.amber, 4);
    }
  }

  // Stages: one per vehicle group; pedestrians run with the compatible vehicle stage of highest
  // design flow ratio; pedestrians compatible with no vehicle group get their own stage at the end.
  const flowRatio = (d: Draft) => Math.max(0, ...d.aps.map((i) => net.apDesignVehH[a0 + i]! / (SAT_FLOW_PER_LANE * 3600 * aps[i]!.lanes)));
  const stages: { lead: number[]; peds: number[] }[] = drafts.slice(0, nV).map((_, k) => ({ lead: [k], peds: [] }));
  const pedOnly: number[] = [];
  for (let p = nV; p < G; p++) {
    let best = -1;
    for (let k = 0; k < nV; k++) {
      if (ig[p * G + k]! >= 0) continue;
      if (best < 0 || flowRatio(drafts[k]!) > flowRatio(drafts[best]!)) best = k;
    }
    if (best >= 0) stages[best]!.peds.push(p);
    else pedOnly.push(p);
  }
  if (pedOnly.length) stages.push({ lead: pedOnly, peds: [] });
  const isPedStage = stages.map((s) => drafts[s.lead[0]!]!.kind === 'pedestrian');

  const minG = stages.map((s) => Math.max(...s.lead.map((g) => drafts[g]!.minGreen)));
  const first = scheduleStages(drafts, ig, stages, minG);
  const gMin = first.gs;
  const intergreenTotal = first.cycle - gMin.reduce((s, v) => s + v, 0);

  // Webster (1958): C0 = (1.5 L + 5) / (1 − Y) with L the lost time per cycle (intergreens, pedestrian
  // stages and the start-up loss of every vehicle stage) and Y the sum of the critical flow ratios.
  const y = stages.map((s, k) => (isPedStage[k] ? 0 : flowRatio(drafts[s.lead[0]!]!)));
  const Y = y.reduce((s, v) => s + v, 0);
  const nVehStages = isPedStage.filter((p) => !p).length;
  const pedStageTime = gMin.reduce((s, v, k) => s + (isPedStage[k] ? v : 0), 0);
  const lost = intergreenTotal + pedStageTime + LOST_TIME_SEC * nVehStages;
  let C0 = Y < 0.95 ? Math.round((1.5 * lost + 5) / (1 - Y)) : MAX_CYCLE_SEC;
  C0 = Math.max(clamp(C0, MIN_CYCLE_SEC, MAX_CYCLE_SEC), first.cycle);

  // Greens proportional to the flow ratios (effective green g = G − 2 s), never below the minimum.
  const budget = C0 - intergreenTotal;
  let gs = distributeGreens(budget, gMin, y, isPedStage);
  let final = scheduleStages(drafts, ig, stages, gs);
  // Pedestrians may not wait longer than PED_MAX_RED_SEC: lengthen their stage, at the expense of
  // the stage with the most green to spare, keeping the cycle.
  for (let iter = 0; iter < 50; iter++) {
    let moved = false;
    stages.forEach((s, k) => {
      for (const p of [...s.peds, ...(isPedStage[k] ? s.lead : [])]) {
        const short = final.cycle - (final.end[p]! - final.start[p]!) - PED_MAX_RED_SEC;
        if (short <= 0) continue;
        const donor = gs
          .map((g, j) => [g - gMin[j]!, j] as const)
          .filter(([spare, j]) => j !== k && spare > 0)
          .sort((a, b) => b[0] - a[0] || a[1] - b[1])[0];
        const take = donor ? Math.min(short, donor[0]) : short;
        gs = gs.slice();
        gs[k]! += take;
        if (donor) gs[donor[1]]! -= take;
        moved = true;
      }
    });
    if (!moved) break;
    final = scheduleStages(drafts, ig, stages, gs);
  }

  const spec: ControllerSpec = {
    signalGroups: drafts.map(
      (d): SignalGroup => ({
        id: d.id,
        kind: d.kind,
        approachIds: d.aps.map((i) => aps[i]!.id),
        minGreenSec: d.minGreen,
        amberSec: d.amber,
        redAmberSec: d.redAmber,
        ...(d.kind === 'pedestrian' ? { maxRedSec: PED_MAX_RED_SEC } : {}),
      }),
    ),
    conflicts: [],
    intergreenSec: [],
    maxCycleSec: MAX_CYCLE_SEC,
  };
  for (let c = 0; c < G; c++) {
    for (let e = 0; e < G; e++) {
      if (ig[c * G + e]! < 0) continue;
      if (c < e) spec.conflicts.push([drafts[c]!.id, drafts[e]!.id]);
      spec.intergreenSec.push({ from: drafts[c]!.id, to: drafts[e]!.id, sec: ig[c * G + e]! });
    }
  }
  const C = final.cycle;
  const plan: SignalPlan = {
    planId: 'default',
    cycleSec: C,
    offsetSec: 0,
    greens: drafts.map((d, g) => ({ groupId: d.id, startSec: final.start[g]! % C, endSec: final.end[g]! === C ? C : final.end[g]! % C })),
  };
  return {
    spec,
    plan,
    stages: stages.map((s) => [...s.lead, ...s.peds].map((g) => drafts[g]!.id)),
    webster: { lostTimeSec: lost, flowRatioSum: Y, cycleSec: C },
  };
}

/** Water-filling: `budget` seconds of green over the stages ∝ flow ratio, each at least its minimum. */
function distributeGreens(budget: number, gMin: number[], y: number[], fixed: boolean[]): number[] {
  const S = gMin.length;
  const gs = gMin.slice();
  let free = budget - gMin.reduce((s, v) => s + v, 0);
  if (free <= 0) return gs;
  const open = new Set(Array.from({ length: S }, (_, k) => k).filter((k) => !fixed[k]));
  if (open.size === 0) return gs;
  // Effective greens g = G − LOST proportional to y; stages whose share is under the minimum keep it.
  const exact = new Float64Array(S);
  for (let iter = 0; iter <= S; iter++) {
    let ys = 0;
    for (const k of open) ys += y[k]!;
    let eff = budget - LOST_TIME_SEC * open.size;
    for (let k = 0; k < S; k++) if (!open.has(k)) eff -= gMin[k]!;
    let changed = false;
    for (const k of open) {
      exact[k] = LOST_TIME_SEC + eff * (ys > 0 ? y[k]! / ys : 1 / open.size);
      if (exact[k]! < gMin[k]!) {
        open.delete(k);
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (let k = 0; k < S; k++) if (!open.has(k)) exact[k] = gMin[k]!;
  // Largest remainder to whole seconds, keeping the total.
  let total = 0;
  for (let k = 0; k < S; k++) {
    gs[k] = Math.max(gMin[k]!, Math.floor(exact[k]!));
    total += gs[k]!;
  }
  free = budget - total;
  const order = [...open].sort((p, q) => exact[q]! - Math.floor(exact[q]!) - (exact[p]! - Math.floor(exact[p]!)) || p - q);
  for (let i = 0; free > 0 && order.length; i = (i + 1) % order.length, free--) gs[order[i]!]!++;
  return gs;
}

/**
 * Lays the stages out on the cycle: each stage's leading group(s) start as soon as every
 * conflicting group scheduled before has cleared (intergreen), and stay green `gs[stage]` s;
 * pedestrians of a vehicle stage start with it (or when their own intergreens allow) and end early
 * enough not to delay any later conflicting group. Where that would cut a pedestrian green below
 * its minimum, the stage is lengthened and the layout redone. The cycle closes when every group
 * of the next cycle can start again.
 */
function scheduleStages(
  drafts: Draft[],
  ig: Int32Array,
  stages: { lead: number[]; peds: number[] }[],
  gsIn: number[],
): { start: number[]; end: number[]; cycle: number; gs: number[] } {
  const G = drafts.length;
  const gs = gsIn.slice();
  const trimmable = new Uint8Array(G);
  for (const s of stages) for (const p of s.peds) trimmable[p] = 1;
  for (let attempt = 0; attempt < 50; attempt++) {
    const start = new Array<number>(G).fill(Number.NaN);
    const end = new Array<number>(G).fill(Number.NaN);
    const stageOf = new Array<number>(G).fill(-1);
    const scheduled: number[] = [];
    let t = 0;
    stages.forEach((s, k) => {
      let ls = t;
      for (const g of s.lead) {
        for (const c of scheduled) {
          const i = ig[c * G + g]!;
          if (i >= 0 && !trimmable[c]) ls = Math.max(ls, end[c]! + i);
        }
      }
      for (const g of s.lead) {
        start[g] = ls;
        end[g] = ls + gs[k]!;
        stageOf[g] = k;
      }
      for (const p of s.peds) {
        let ps = ls;
        for (const c of scheduled) {
          const i = ig[c * G + p]!;
          if (i >= 0) ps = Math.max(ps, end[c]! + i);
        }
        start[p] = ps;
        end[p] = ls + gs[k]!;
        stageOf[p] = k;
      }
      // Earlier pedestrians end in time for this stage's groups.
      for (const c of scheduled) {
        if (!trimmable[c]) continue;
        for (const g of [...s.lead, ...s.peds]) {
          const i = ig[c * G + g]!;
          if (i >= 0) end[c] = Math.min(end[c]!, start[g]! - i);
        }
      }
      scheduled.push(...s.lead, ...s.peds);
      t = ls + gs[k]!;
    });
    // Close the cycle: the next cycle's starts (start + C) must respect every intergreen and the
    // 1 s all-red rule of each group.
    let C = t;
    for (let c = 0; c < G; c++) {
      if (trimmable[c]) continue;
      for (let e = 0; e < G; e++) {
        const i = ig[c * G + e]!;
        if (i >= 0) C = Math.max(C, end[c]! + i - start[e]!);
      }
    }
    for (let c = 0; c < G; c++) {
      if (!trimmable[c]) continue;
      for (let e = 0; e < G; e++) {
        const i = ig[c * G + e]!;
        if (i >= 0) end[c] = Math.min(end[c]!, C + start[e]! - i);
      }
    }
    // Every group needs its own red between greens (gap ≥ amber + red-amber + 1).
    for (let g = 0; g < G; g++) {
      const d = drafts[g]!;
      C = Math.max(C, end[g]! - start[g]! + d.amber + d.redAmber + 1);
    }
    let ok = true;
    for (let p = 0; p < G; p++) {
      if (!trimmable[p]) continue;
      const short = drafts[p]!.minGreen - (end[p]! - start[p]!);
      if (short > 0) {
        gs[stageOf[p]!]! += short;
        ok = false;
      }
    }
    if (ok) return { start, end, cycle: C, gs };
  }
  throw new Error('scheduleStages: pedestrian greens do not fit');
}

// ---- the controller runtime ---------------------------------------------------------------------

/** Ring of decided greens per second: holds the amber history (≤ 10 s) and the lookahead (≤ 2 s). */
const RING = 16;
const NEVER = -1e9;

interface RunningPlan {
  plan: SignalPlan;
  compiled: CompiledPlan;
  mode: 'fixed' | 'external' | 'adaptive';
}

export type Fault = { kind: 'lampFailure'; groupId: string } | { kind: 'commsLoss' } | { kind: 'flashing' } | { kind: 'off' };

export interface SignalControllerOptions {
  /** Model second the controller starts at (it is warmed up as if it had been running before). */
  startSec: number;
  /** Model approach index per approach of the intersection; omitted = no traffic model attached. */
  approachIndex?: (approachId: string) => number;
  /** Max red of vehicle/tram groups without maxRedSec in adaptive mode, s (default VEHICLE_MAX_RED_SEC). */
  vehicleMaxRedSec?: number;
}

export class SignalController {
  readonly id: string;
  readonly x: Intersection;
  readonly spec: ControllerSpec;
  readonly defaultPlan: SignalPlan;
  /** Comms loss: the controller runs on but neither publishes nor hears commands. */
  commsLost = false;

  readonly #G: number;
  readonly #minGreen: Int32Array;
  readonly #amber: Int32Array;
  readonly #redAmber: Int32Array;
  readonly #vehicleLike: Uint8Array;
  /** Intergreen clearing c -> entering e at c*G+e, −1 if compatible. */
  readonly #ig: Int32Array;
  readonly #conflicts: Int32Array[];
  /** Traffic-model approaches controlled by each group (vehicle groups only). */
  readonly #groupAps: Int32Array[];
  readonly #lookahead: number;
  /** Longest red per group in adaptive mode (0 = none), and the worst case from "must serve" to green. */
  readonly #maxRed: Int32Array;
  readonly #maxRedLead: Int32Array;

  readonly #defaultCompiled: CompiledPlan;
  #running: RunningPlan;
  #pending: RunningPlan | null = null;
  /** What the display shows (the plan that decided the current second) and a switch not shown yet. */
  #shown: RunningPlan;
  #shownNext: { at: number; rp: RunningPlan } | null = null;
  #override: 'none' | 'flashing' | 'off' = 'none';
  readonly #lampFailed: Uint8Array;

  readonly #ring: Uint8Array;
  readonly #run: Int32Array;
  readonly #lastEnd: Float64Array;
  #decided: number;
  #t: number;
  #switchOnAt = NEVER;
  readonly display: Uint8Array;
  readonly #acks = new Map<string, PlanAck>();
  /** Adaptive mode: the requested greens (1 per group) and the last model second they hold (watchdog). */
  readonly #stageWant: Uint8Array;
  #stageUntil = NEVER;
  readonly #want: Uint8Array;

  /** Detector / truth interval bookkeeping: cumulative values at the last report. */
  #lastLaneCount: Float64Array | null = null;
  #lastLaneOcc: Float64Array | null = null;
  #lastAp: Float64Array | null = null;
  #detectorIds: string[];

  constructor(x: Intersection, design: { spec: ControllerSpec; plan: SignalPlan }, opts: SignalControllerOptions) {
    const v = validatePlan(design.spec, design.plan);
    if (v.length) throw new Error(`controller ${x.id}: default plan invalid: ${v.map((e) => e.message).join('; ')}`);
    this.id = x.id;
    this.x = x;
    this.spec = design.spec;
    this.defaultPlan = design.plan;
    const groups = design.spec.signalGroups;
    const G = (this.#G = groups.length);
    this.#minGreen = Int32Array.from(groups, (g) => g.minGreenSec);
    this.#amber = Int32Array.from(groups, (g) => g.amberSec);
    this.#redAmber = Int32Array.from(groups, (g) => g.redAmberSec);
    this.#vehicleLike = Uint8Array.from(groups, (g) => (g.kind === 'pedestrian' ? 0 : 1));
    this.#lookahead = Math.max(1, ...groups.map((g) => g.redAmberSec));
    const gi = new Map(groups.map((g, i) => [g.id, i] as const));
    this.#ig = new Int32Array(G * G).fill(-1);
    for (const e of design.spec.intergreenSec) this.#ig[gi.get(e.from)! * G + gi.get(e.to)!] = e.sec;
    this.#conflicts = groups.map((_, g) => Int32Array.from(groups.map((__, h) => h).filter((h) => this.#ig[h * G + g]! >= 0)));
    this.#groupAps = groups.map((g) =>
      g.kind === 'pedestrian' || !opts.approachIndex ? new Int32Array(0) : Int32Array.from(g.approachIds.map((a) => opts.approachIndex!(a))),
    );
    const vMaxRed = opts.vehicleMaxRedSec ?? VEHICLE_MAX_RED_SEC;
    this.#maxRed = Int32Array.from(groups, (g) => g.maxRedSec ?? (g.kind === 'pedestrian' ? 0 : vMaxRed));
    // Worst case to get a group green once it must be served: a conflicting group whose minimum
    // green just started, then the intergreen into this group; twice, since another overdue group
    // conflicting with this one may be served first (and 2 s: the decision and the ending).
    this.#maxRedLead = Int32Array.from(groups, (_, g) => {
      let l = 0;
      for (let c = 0; c < G; c++) if (this.#ig[c * G + g]! >= 0) l = Math.max(l, groups[c]!.minGreenSec + this.#ig[c * G + g]!);
      return 2 * l + groups[g]!.redAmberSec + 2;
    });
    this.#stageWant = new Uint8Array(G);
    this.#want = new Uint8Array(G);
    this.#lampFailed = new Uint8Array(G);
    this.#ring = new Uint8Array(RING * G);
    this.#run = new Int32Array(G);
    this.#lastEnd = new Float64Array(G).fill(NEVER);
    this.display = new Uint8Array(G);
    this.#detectorIds = detectorIds(x);
    this.#defaultCompiled = compilePlan(design.spec, design.plan);
    this.#running = { plan: design.plan, compiled: this.#defaultCompiled, mode: 'fixed' };
    this.#shown = this.#running;
    // Warm start: run the safety layer over two cycles before the start so the first second shown
    // is the plan's steady state, not a switch-on.
    const warm = 2 * design.plan.cycleSec + 20;
    this.#decided = opts.startSec - warm - 1;
    while (this.#decided < opts.startSec + this.#lookahead - 1) this.#decide(this.#decided + 1);
    this.#t = opts.startSec - 1;
  }

  get groupIds(): string[] {
    return this.spec.signalGroups.map((g) => g.id);
  }

  get plan(): SignalPlan {
    return this.#shown.plan;
  }

  get pendingPlan(): SignalPlan | null {
    return this.#pending?.plan ?? this.#shownNext?.rp.plan ?? null;
  }

  get mode(): ControllerMode {
    return this.#override === 'none' ? this.#shown.mode : this.#override;
  }

  /** Model second currently shown. */
  get t(): number {
    return this.#t;
  }

  get cycleSecond(): number {
    const p = this.#shown.plan;
    return mod(this.#t - p.offsetSec, p.cycleSec);
  }

  // ---- commands

  /**
   * A plan command from the hub. Validated against the spec; accepted plans run from the next
   * cycle boundary of the running plan. The same cmdId again (QoS 1 redelivery) gets the same
   * answer and changes nothing.
   */
  command(raw: unknown, tsMs: number): PlanAck {
    const { ack, cmd } = this.#answer(raw, tsMs, PlanCommand, (c) => validatePlan(this.spec, c.plan));
    if (cmd) this.#pending = { plan: cmd.plan, compiled: compilePlan(this.spec, cmd.plan), mode: 'external' };
    return ack;
  }

  /**
   * The answer rules plan and stage commands share: the same cmdId again (QoS 1 redelivery) gets
   * the same answer and changes nothing; then schema, service state and `check`, in that order.
   * `cmd` is the command to carry out, null when refused or already answered.
   */
  #answer<T extends { cmdId: string }>(raw: unknown, tsMs: number, schema: z.ZodType<T>, check: (cmd: T) => { code: string; message: string }[]): { ack: PlanAck; cmd: T | null } {
    const rawId = (raw as { cmdId?: unknown } | null)?.cmdId;
    const known = typeof rawId === 'string' ? this.#acks.get(rawId) : undefined;
    if (known) return { ack: { ...known, tsMs }, cmd: null };
    const parsed = schema.safeParse(raw);
    const cmdId = typeof rawId === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(rawId) ? rawId : 'invalid';
    let reasons: AckReason[];
    if (!parsed.success) {
      reasons = parsed.error.issues.slice(0, 20).map((i) => ({ code: 'SCHEMA', message: `${i.path.join('.') || '(root)'}: ${i.message}`.slice(0, 500) }));
    } else if (this.#override !== 'none') {
      reasons = [{ code: 'NOT_IN_SERVICE', message: `controller is in ${this.#override} mode` }];
    } else {
      reasons = check(parsed.data).map((v) => ({ code: v.code, message: v.message.slice(0, 500) }));
    }
    const ack: PlanAck = { cmdId, tsMs, accepted: reasons.length === 0, reasons: reasons.slice(0, 200) };
    if (cmdId !== 'invalid') {
      this.#acks.set(cmdId, ack);
      if (this.#acks.size > 256) this.#acks.delete(this.#acks.keys().next().value!);
    }
    return { ack, cmd: ack.accepted && parsed.success ? parsed.data : null };
  }

  /**
   * A stage request from the hub (adaptive control). Checked against the spec (known groups, no
   * conflicts: `validateStage`) and acknowledged like a plan command (same cmdId rules). Accepted
   * requests take effect at the next second the controller decides: the safety layer ends what is
   * not requested after its minimum green and starts what is requested after amber, intergreens and
   * red-amber. The watchdog is a duration, `validUntilMs − tsMs` clamped to STAGE_MAX_VALID_MS, on
   * the controller's own clock from now (the hub's and the device's clocks need not agree).
   */
  stage(raw: unknown, tsMs: number): PlanAck {
    const { ack, cmd } = this.#answer(raw, tsMs, StageCommand, (c) => validateStage(this.spec, c.greens));
    if (cmd) {
      const validMs = Math.min(STAGE_MAX_VALID_MS, Math.max(0, cmd.validUntilMs - cmd.tsMs));
      const want = new Set(cmd.greens);
      this.spec.signalGroups.forEach((g, i) => (this.#stageWant[i] = want.has(g.id) ? 1 : 0));
      // Holds for the seconds decided from now on: the next decision is #decided + 1.
      this.#stageUntil = Math.max(this.#decided, this.#t + this.#lookahead) + Math.floor(validMs / 1000);
    }
    return ack;
  }

  /** True while stage requests are being followed (not yet timed out by the watchdog). */
  get adaptive(): boolean {
    return this.#running.mode === 'adaptive';
  }

  /** Back to the installation's own plan at the next cycle boundary. */
  resetToDefault(): void {
    this.#pending = { plan: this.defaultPlan, compiled: compilePlan(this.spec, this.defaultPlan), mode: 'fixed' };
  }

  // ---- faults

  inject(f: Fault): void {
    this.#setFault(f, true);
  }

  clear(f: Fault): void {
    this.#setFault(f, false);
  }

  #setFault(f: Fault, on: boolean): void {
    switch (f.kind) {
      case 'lampFailure': {
        const g = this.spec.signalGroups.findIndex((s) => s.id === f.groupId);
        if (g < 0) throw new RangeError(`controller ${this.id} has no group ${f.groupId}`);
        this.#lampFailed[g] = on ? 1 : 0;
        return;
      }
      case 'commsLoss':
        this.commsLost = on;
        return;
      case 'flashing':
      case 'off':
        if (on) {
          this.#override = f.kind;
          this.#stageUntil = NEVER; // out of service: stage requests are void
        } else if (this.#override === f.kind) {
          // Switch-on (RiLSA): amber for the vehicle groups, then all red until every intergreen from
          // this moment has passed; the plan resumes behind the safety layer.
          this.#override = 'none';
          this.#switchOnAt = this.#t + 1;
          this.#lastEnd.fill(this.#t + 1);
        }
        return;
    }
  }

  get faults(): Fault[] {
    const out: Fault[] = [];
    this.#lampFailed.forEach((v, g) => v && out.push({ kind: 'lampFailure', groupId: this.spec.signalGroups[g]!.id }));
    if (this.commsLost) out.push({ kind: 'commsLoss' });
    if (this.#override !== 'none') out.push({ kind: this.#override });
    return out;
  }

  // ---- stepping

  /** Decides green for second τ behind the safety layer. */
  #decide(tau: number): void {
    const G = this.#G;
    const ring = this.#ring;
    const slot = (((tau % RING) + RING) % RING) * G;
    const prev = ((((tau - 1) % RING) + RING) % RING) * G;
    const run = this.#run;
    const lastEnd = this.#lastEnd;
    this.#decided = tau;
    if (this.#override !== 'none') {
      for (let g = 0; g < G; g++) {
        if (ring[prev + g]) lastEnd[g] = tau;
        ring[slot + g] = 0;
        run[g] = 0;
      }
      return;
    }
    let rp = this.#running;
    if (this.#pending && mod(tau - rp.plan.offsetSec, rp.plan.cycleSec) === 0) {
      rp = this.#running = this.#pending;
      this.#pending = null;
      this.#stageUntil = NEVER; // a commanded plan ends adaptive control
      this.#shownNext = { at: tau, rp };
    }
    // Adaptive mode while stage requests are valid; the watchdog returns to the own plan, which
    // the safety layer below enters safely (it only ever starts greens after the intergreens).
    if (tau <= this.#stageUntil && rp.mode !== 'adaptive') {
      rp = this.#running = { plan: { ...this.defaultPlan, planId: 'adaptive' }, compiled: this.#defaultCompiled, mode: 'adaptive' };
      this.#shownNext = { at: tau, rp };
    } else if (tau > this.#stageUntil && rp.mode === 'adaptive') {
      rp = this.#running = { plan: this.defaultPlan, compiled: this.#defaultCompiled, mode: 'fixed' };
      this.#shownNext = { at: tau, rp };
    }
    const C = rp.compiled.cycleSec;
    let base = mod(tau - rp.plan.offsetSec, C) * G;
    let want = rp.compiled.green;
    if (rp.mode === 'adaptive') {
      want = this.#adaptiveWant(tau);
      base = 0;
    }
    // Ends first (held for the minimum green), then starts (intergreens, all-red rule).
    for (let g = 0; g < G; g++) {
      if (ring[prev + g]) {
        if (want[base + g] || run[g]! < this.#minGreen[g]!) ring[slot + g] = 1;
        else {
          ring[slot + g] = 0;
          lastEnd[g] = tau;
        }
      } else ring[slot + g] = 0;
    }
    for (let g = 0; g < G; g++) {
      if (ring[prev + g] || !want[base + g]) continue;
      if (tau - lastEnd[g]! < this.#amber[g]! + this.#redAmber[g]! + 1) continue;
      let ok = true;
      const cf = this.#conflicts[g]!;
      for (let k = 0; k < cf.length; k++) {
        const h = cf[k]!;
        if (ring[slot + h] || tau - lastEnd[h]! < this.#ig[h * G + g]!) {
          ok = false;
          break;
        }
      }
      if (ok) ring[slot + g] = 1;
    }
    for (let g = 0; g < G; g++) run[g] = ring[slot + g] ? (ring[prev + g] ? run[g]! + 1 : 1) : 0;
  }

  /**
   * Adaptive mode: the requested groups, overruled by the maximum red rule (issue 8: a group red
   * for too long is served regardless of requests; most overdue first, conflicting requests wait).
   */
  #adaptiveWant(tau: number): Uint8Array {
    const G = this.#G;
    const want = this.#want;
    want.set(this.#stageWant);
    const prev = ((((tau - 1) % RING) + RING) % RING) * G;
    for (;;) {
      let worst = -1;
      let worstOver = -Infinity;
      for (let g = 0; g < G; g++) {
        const mr = this.#maxRed[g]!;
        if (mr <= 0 || this.#ring[prev + g] || want[g] === 2) continue;
        // Red (incl. red-amber) so far: since the end of green minus the amber.
        const over = tau - this.#lastEnd[g]! - this.#amber[g]! - (mr - this.#maxRedLead[g]!);
        if (over >= 0 && over > worstOver) {
          let free = true;
          const cf = this.#conflicts[g]!;
          for (let k = 0; k < cf.length; k++) if (want[cf[k]!] === 2) free = false;
          if (!free) continue;
          worst = g;
          worstOver = over;
        }
      }
      if (worst < 0) break;
      want[worst] = 2; // forced
      const cf = this.#conflicts[worst]!;
      for (let k = 0; k < cf.length; k++) want[cf[k]!] = 0;
    }
    return want;
  }

  /**
   * Advances to model second t (the next one): decides t + lookahead, shows t, and writes what the
   * vehicle groups show into the traffic model's approaches.
   */
  step(t: number, model?: TrafficModel): void {
    if (t !== this.#t + 1) throw new Error(`controller ${this.id}: step(${t}) after ${this.#t}`);
    this.#t = t;
    this.#decide(t + this.#lookahead);
    if (this.#shownNext && t >= this.#shownNext.at) {
      this.#shown = this.#shownNext.rp;
      this.#shownNext = null;
    }
    const G = this.#G;
    const ring = this.#ring;
    const slot = (t % RING) * G;
    for (let g = 0; g < G; g++) {
      let code: number;
      if (this.#override === 'flashing') code = this.#vehicleLike[g] ? STATE_CODE.flashingAmber : STATE_CODE.off;
      else if (this.#override === 'off' || this.#lampFailed[g]) code = STATE_CODE.off;
      else if (ring[slot + g]) code = STATE_CODE.green;
      else {
        code = STATE_CODE.red;
        const am = this.#amber[g]!;
        for (let k = 1; k <= am; k++) {
          if (ring[((t - k) % RING) * G + g]) {
            code = STATE_CODE.amber;
            break;
          }
        }
        if (code === STATE_CODE.red && this.#vehicleLike[g] && t - this.#switchOnAt < am) code = STATE_CODE.amber;
        if (code === STATE_CODE.red) {
          const ra = this.#redAmber[g]!;
          for (let k = 1; k <= ra; k++) {
            if (ring[((t + k) % RING) * G + g]) {
              code = STATE_CODE.redAmber;
              break;
            }
          }
        }
      }
      this.display[g] = code;
      if (model) {
        const aps = this.#groupAps[g]!;
        for (let k = 0; k < aps.length; k++) model.apSignal[aps[k]!] = code;
      }
    }
  }

  // ---- messages

  /** `TlsState` of the second shown. */
  state(tsMs: number): TlsState {
    const groups: Record<string, TlsState['groups'][string]> = {};
    this.spec.signalGroups.forEach((g, i) => (groups[g.id] = SIGNAL_GROUP_STATES[this.display[i]!]!));
    const p = this.#shown.plan;
    const pending = this.pendingPlan;
    return {
      tsMs,
      planId: p.planId,
      cycleSec: p.cycleSec,
      cycleSecond: mod(this.#t - p.offsetSec, p.cycleSec),
      mode: this.mode,
      groups,
      ...(pending ? { pendingPlanId: pending.planId } : {}),
    };
  }

  metaSignal(): TlsMetaSignal {
    return { spec: this.spec, plan: this.defaultPlan };
  }

  /**
   * The stop-line detectors since the previous report (NTCIP 1202 volume and occupancy). Counts are
   * whole vehicles: the model's fractional flow is carried over, so the counts add up exactly.
   */
  detectorReport(model: TrafficModel, tsMs: number, intervalSec: number): DetectorReport {
    const n = model.net;
    const i = n.ixIndex.get(this.id)!;
    const l0 = n.laneStart[n.apStart[i]!]!;
    const l1 = n.laneStart[n.apStart[i + 1]!]!;
    if (!this.#lastLaneCount) {
      // The first report covers everything since the model started.
      this.#lastLaneCount = new Float64Array(l1 - l0);
      this.#lastLaneOcc = new Float64Array(l1 - l0);
    }
    const detectors: DetectorReport['detectors'] = [];
    for (let l = l0; l < l1; l++) {
      const k = l - l0;
      const cum = model.cumLaneCount[l]!;
      const count = Math.floor(cum + 1e-9) - Math.floor(this.#lastLaneCount[k]! + 1e-9);
      const occ = (model.cumLaneOccSec[l]! - this.#lastLaneOcc![k]!) / intervalSec;
      this.#lastLaneCount[k] = cum;
      this.#lastLaneOcc![k] = model.cumLaneOccSec[l]!;
      detectors.push({ id: this.#detectorIds[k]!, count: Math.min(10_000, Math.max(0, count)), occupancyPct: Math.round(clamp(occ * 100, 0, 100) * 10) / 10 });
    }
    return { tsMs, intervalSec, detectors };
  }

  /** Simulator ground truth since the previous call (delay, stops, throughput, emissions, queues now). */
  truth(model: TrafficModel, tsMs: number, intervalSec: number): TlsTruth {
    const n = model.net;
    const i = n.ixIndex.get(this.id)!;
    const a0 = n.apStart[i]!;
    const a1 = n.apStart[i + 1]!;
    const F = 5; // per approach: queue delay, link delay, stops, throughput, arrivals
    if (!this.#lastAp) this.#lastAp = new Float64Array((a1 - a0) * F);
    const last = this.#lastAp;
    let delay = 0;
    let idle = 0;
    let stops = 0;
    let thr = 0;
    const approaches: TlsTruth['approaches'] = [];
    for (let a = a0; a < a1; a++) {
      const k = (a - a0) * F;
      const cur = [model.cumApQueueDelay[a]!, model.cumApLinkDelay[a]!, model.cumApStops[a]!, model.cumApThroughput[a]!, model.cumApArrivals[a]!];
      const d = cur.map((v, j) => Math.max(0, v - last[k + j]!));
      for (let j = 0; j < F; j++) last[k + j] = cur[j]!;
      delay += d[0]! + d[1]!;
      idle += d[0]!;
      stops += d[2]!;
      thr += d[3]!;
      approaches.push({
        id: n.apId[a]!,
        queueVeh: round2(model.queue[a]!),
        queueM: round2(model.queueM(a)),
        delayVehS: round2(d[0]! + d[1]!),
        stops: round2(d[2]!),
        throughputVeh: round2(d[3]!),
        arrivalsVeh: round2(d[4]!),
      });
    }
    const e = emissions(idle, stops);
    return {
      tsMs,
      intervalSec,
      simulated: true,
      delayVehS: round2(delay),
      stops: round2(stops),
      throughputVeh: round2(thr),
      co2G: round2(e.co2G),
      noxG: Math.round(e.noxG * 1e4) / 1e4,
      approaches,
    };
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

// ---- the city: model + controllers -----------------------------------------------------------------

export interface CitySimOptions extends TrafficModelOptions {
  intersections: readonly Intersection[];
  links?: readonly Link[];
}

/** The traffic model and one controller per intersection, stepped together second by second. */
export class CitySim {
  readonly model: TrafficModel;
  readonly controllers: SignalController[];
  readonly byId: ReadonlyMap<string, SignalController>;
  readonly designs: ReadonlyMap<string, ControllerDesign>;

  constructor(opts: CitySimOptions) {
    const net = buildNetwork(opts.intersections, opts.links ?? []);
    this.model = new TrafficModel(net, opts);
    const startSec = this.model.tSec;
    const designs = new Map<string, ControllerDesign>();
    this.controllers = opts.intersections.map((x) => {
      const d = designController(x, net);
      designs.set(x.id, d);
      return new SignalController(x, d, { startSec, approachIndex: (ap) => this.model.approachIndex(x.id, ap) });
    });
    this.designs = designs;
    this.byId = new Map(this.controllers.map((c) => [c.id, c] as const));
  }

  /** Model second about to be simulated. */
  get tSec(): number {
    return this.model.tSec;
  }

  /** One model second: every controller shows second t, then the traffic moves through it. */
  step(): void {
    const t = this.model.tSec;
    for (const c of this.controllers) c.step(t, this.model);
    this.model.step();
  }

  controller(id: string): SignalController {
    const c = this.byId.get(id);
    if (!c) throw new RangeError(`no controller ${id}`);
    return c;
  }
}
