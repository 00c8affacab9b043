/**
 * Webster re-timing of a running fixed-time plan to the measured demand, and the predicted effect
 * of any plan on that demand. Pure: no clock, no I/O.
 *
 * Re-timing keeps the plan's structure (stage order, every transition between stages: amber,
 * intergreens, pedestrian clearance) and changes only how long each stage runs and so the cycle:
 *
 * - The cycle is cut at every start and end of green into segments; a stage is a run of segments
 *   with the same set of vehicle groups green. Each vehicle group is "critical" in the stage where
 *   it has most green; a stage without a critical group is a transition and keeps its length.
 * - Flow ratio y = q / s per approach, s = 1,800 veh/h per lane (server/fusion/intersection.ts);
 *   a stage's y is the largest of its critical groups' approaches; Y = Σ y.
 * - Webster (1958), Road Research Technical Paper 39: optimum cycle C0 = (1.5 L + 5) / (1 − Y),
 *   L the lost time per cycle (C minus the effective greens), clamped to 60 s … the installation's
 *   maximum cycle (RiLSA: urban cycles 60-120 s). Effective greens ∝ y (equisaturation).
 * - A stage is lengthened or shortened at its last segment only (where only its own vehicle
 *   groups are green), so no transition changes. The result is checked with validatePlan; a
 *   re-timing that violates anything is not offered (shorter cycles are tried first when a max-red
 *   limit bites).
 *
 * Predicted effect: Webster's delay per approach and Akçelik's (1981, ARR 123) stop rate
 * h = 0.9 (1 − u) / (1 − y), u = g / C, both on the same measured flows for the running and the
 * proposed plan. A model, not a promise: the dashboard names it.
 */
import { validatePlan, type ControllerSpec, type PredictedEffect, type SignalPlan, type Violation } from '../../protocol/index.ts';
import { LOST_TIME_SEC, SATURATION_FLOW_VEH_H_LANE, websterDelay } from '../fusion/intersection.ts';

export const RETIME_MIN_CYCLE_SEC = 60;
/** Webster's formula is meaningless near Y = 1; above this the longest allowed cycle is taken. */
const Y_MAX = 0.95;

export interface ApproachDemand {
  id: string;
  lanes: number;
  /** Measured flow, veh/h. */
  flowVehH: number;
  /** Vehicle signal groups serving the approach. */
  groupIds: string[];
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

interface Segment {
  start: number;
  len: number;
  greens: Set<string>;
  vehicles: string;
}

function segmentsOf(spec: ControllerSpec, plan: SignalPlan): Segment[] {
  const C = plan.cycleSec;
  const cuts = new Set<number>([0]);
  for (const w of plan.greens) {
    cuts.add(mod(w.startSec, C));
    cuts.add(mod(w.endSec, C));
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const vehicle = new Set(spec.signalGroups.filter((g) => g.kind === 'vehicle').map((g) => g.id));
  return sorted.map((start, i) => {
    const end = i + 1 < sorted.length ? sorted[i + 1]! : C;
    const greens = new Set<string>();
    for (const w of plan.greens) {
      const len = mod(w.endSec - w.startSec, C) || C;
      if (mod(start - w.startSec, C) < len) greens.add(w.groupId);
    }
    return { start, len: end - start, greens, vehicles: [...greens].filter((g) => vehicle.has(g)).sort().join(',') };
  });
}

/** Green seconds per cycle of a group. */
function greenOf(plan: SignalPlan, groupId: string): number {
  const C = plan.cycleSec;
  return plan.greens.filter((w) => w.groupId === groupId).reduce((s, w) => s + (mod(w.endSec - w.startSec, C) || C), 0);
}

/** Webster delay and Akçelik stops of a plan on the measured demand. */
export function predict(spec: ControllerSpec, plan: SignalPlan, demand: readonly ApproachDemand[]): { delaySecPerVeh: number; stopsPerHour: number; demandVehH: number } {
  const C = plan.cycleSec;
  let dSum = 0;
  let qSum = 0;
  let stops = 0;
  for (const a of demand) {
    if (a.flowVehH <= 0 || a.groupIds.length === 0) continue;
    let g = 0;
    for (const id of a.groupIds) {
      const G = greenOf(plan, id);
      const amber = spec.signalGroups.find((x) => x.id === id)?.amberSec ?? 3;
      // Effective green g = G + amber − lost time (Webster 1958; HBS 2015 S4).
      if (G > 0) g = Math.max(g, Math.min(C, G + amber - LOST_TIME_SEC));
    }
    const s = SATURATION_FLOW_VEH_H_LANE * a.lanes;
    const lambda = g / C;
    const x = lambda > 0 ? a.flowVehH / (s * lambda) : Infinity;
    dSum += websterDelay(C, lambda, x, a.flowVehH) * a.flowVehH;
    qSum += a.flowVehH;
    const y = Math.min(a.flowVehH / s, Y_MAX);
    // Akçelik (1981): proportion of vehicles stopped h = 0.9 (1 − u) / (1 − y); at least all stop when oversaturated.
    const h = x >= 1 ? 1 : Math.min(1, (0.9 * (1 - lambda)) / (1 - y));
    stops += h * a.flowVehH;
  }
  return { delaySecPerVeh: qSum > 0 ? round1(dSum / qSum) : 0, stopsPerHour: Math.round(stops), demandVehH: Math.round(qSum) };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export type RetimeResult =
  | { ok: true; plan: SignalPlan; predicted: PredictedEffect; flowRatioSum: number }
  | { ok: false; code: 'NO_DATA' | 'UNSAFE' | 'NO_STAGES'; message: string; violations?: Violation[] };

/**
 * Webster re-timing of `running` to `demand` (see the file comment). `planId` names the result.
 * Never returns a plan that validatePlan refuses.
 */
export function retime(spec: ControllerSpec, running: SignalPlan, demand: readonly ApproachDemand[], planId: string): RetimeResult {
  const C = running.cycleSec;
  const segs = segmentsOf(spec, running);
  // Runs of segments with the same non-empty vehicle set, in cycle order; a run wrapping over
  // second 0 belongs to the run that starts before the end of the cycle.
  const runs: { segs: number[]; vehicles: string }[] = [];
  segs.forEach((s, i) => {
    const last = runs[runs.length - 1];
    if (last && last.vehicles === s.vehicles) last.segs.push(i);
    else runs.push({ segs: [i], vehicles: s.vehicles });
  });
  if (runs.length > 1 && runs[0]!.vehicles === runs[runs.length - 1]!.vehicles) {
    const head = runs.shift()!;
    runs[runs.length - 1]!.segs.push(...head.segs);
  }
  const stages = runs.filter((r) => r.vehicles !== '');
  if (stages.length < 2) return { ok: false, code: 'NO_STAGES', message: 'the running plan has fewer than two vehicle stages: nothing to re-time' };

  // Flow ratio per vehicle group: the largest of its approaches'.
  const yGroup = new Map<string, number>();
  for (const a of demand) {
    const y = a.flowVehH / (SATURATION_FLOW_VEH_H_LANE * Math.max(1, a.lanes));
    for (const g of a.groupIds) yGroup.set(g, Math.max(yGroup.get(g) ?? 0, y));
  }
  // Each vehicle group is critical in the stage where it has most green.
  const stageLen = (st: (typeof stages)[number]) => st.segs.reduce((s, i) => s + segs[i]!.len, 0);
  const critical = stages.map(() => [] as string[]);
  for (const g of spec.signalGroups) {
    if (g.kind !== 'vehicle') continue;
    let best = -1;
    stages.forEach((st, k) => {
      if (!st.vehicles.split(',').includes(g.id)) return;
      if (best < 0 || stageLen(st) > stageLen(stages[best]!)) best = k;
    });
    if (best >= 0) critical[best]!.push(g.id);
  }
  const resizable = stages.map((_, k) => critical[k]!.length > 0);
  const y = stages.map((_, k) => (resizable[k] ? Math.max(0, ...critical[k]!.map((g) => yGroup.get(g) ?? 0)) : 0));
  const Y = y.reduce((s, v) => s + v, 0);
  if (!(Y > 0)) return { ok: false, code: 'NO_DATA', message: 'no measured flow on the approaches of this installation' };

  const G = stages.map(stageLen);
  const amberOf = (k: number) => Math.max(0, ...critical[k]!.map((g) => spec.signalGroups.find((x) => x.id === g)?.amberSec ?? 3));
  const minGreenOf = (k: number) => Math.max(1, ...critical[k]!.map((g) => spec.signalGroups.find((x) => x.id === g)?.minGreenSec ?? 5));
  // A stage grows at its last segment (only its own vehicles green: every later start of green
  // moves with its end) and shrinks at its longest segments first (typically where pedestrians run
  // in parallel, so their clearance before the next stage is kept); validatePlan has the last word.
  const lastSeg = stages.map((st) => st.segs[st.segs.length - 1]!);
  const Gmin = stages.map((st, k) => (resizable[k] ? Math.max(st.segs.length, minGreenOf(k)) : G[k]!));
  const fixedSec = C - stages.reduce((s, _, k) => s + (resizable[k] ? G[k]! : 0), 0);
  const effGreen = stages.map((_, k) => (resizable[k] ? Math.max(0, G[k]! + amberOf(k) - LOST_TIME_SEC) : 0));
  const lostSec = C - effGreen.reduce((s, v) => s + v, 0);
  const minFeasible = fixedSec + stages.reduce((s, _, k) => s + (resizable[k] ? Gmin[k]! : 0), 0);
  const lo = Math.max(RETIME_MIN_CYCLE_SEC, minFeasible);
  const hi = Math.max(lo, spec.maxCycleSec);
  // Webster 1958: C0 = (1.5 L + 5) / (1 − Y).
  const c0 = Y < Y_MAX ? Math.round((1.5 * lostSec + 5) / (1 - Y)) : hi;
  const start = Math.min(hi, Math.max(lo, c0));

  let lastViolations: Violation[] = [];
  for (let cycle = start; cycle >= lo; cycle = cycle > lo ? Math.max(lo, cycle - 5) : lo - 1) {
    // Shortening a stage's last segment can bring a later start of green too close to an earlier
    // end of green (e.g. a pedestrian clearance longer than the vehicles'): such a stage keeps at
    // least the green that satisfies validatePlan (repaired one second at a time, bounded).
    const floor = Gmin.slice();
    for (let attempt = 0; attempt < 200; attempt++) {
      const { plan, stageStart, stageEnd, Gnew } = build(cycle, floor);
      const v = validatePlan(spec, plan);
      if (v.length === 0) return done(plan);
      lastViolations = v;
      let repaired = false;
      for (const x of v) {
        if ((x.code !== 'INTERGREEN' && x.code !== 'MIN_GREEN' && x.code !== 'MIN_RED') || x.atSec === undefined) continue;
        // The shortened stage the violation falls in, else the one whose end comes last before it.
        let best = -1;
        let bestGap = Infinity;
        stages.forEach((_, k) => {
          if (!resizable[k] || Gnew[k]! >= G[k]!) return;
          const inside = mod(x.atSec! - stageStart[k]!, plan.cycleSec) < mod(stageEnd[k]! - stageStart[k]!, plan.cycleSec);
          const gap = inside ? -1 : mod(x.atSec! - stageEnd[k]!, plan.cycleSec);
          if (gap < bestGap) {
            bestGap = gap;
            best = k;
          }
        });
        if (best >= 0 && floor[best]! <= Gnew[best]!) {
          floor[best] = Gnew[best]! + 1;
          repaired = true;
        }
      }
      if (!repaired) break;
    }
  }
  return { ok: false, code: 'UNSAFE', message: `no safe re-timing: ${lastViolations.map((v) => v.message).join('; ')}`, violations: lastViolations };

  function done(plan: SignalPlan): RetimeResult {
    const before = predict(spec, running, demand);
    const after = predict(spec, plan, demand);
    return {
      ok: true,
      plan,
      flowRatioSum: Math.round(Y * 1000) / 1000,
      predicted: {
        delaySecPerVeh: { running: before.delaySecPerVeh, proposed: after.delaySecPerVeh },
        stopsPerHour: { running: before.stopsPerHour, proposed: after.stopsPerHour },
        cycleSec: { running: C, proposed: plan.cycleSec },
        demandVehH: before.demandVehH,
        model: 'webster-1958',
      },
    };
  }

  function build(cycle: number, Gmin: number[]): { plan: SignalPlan; stageStart: number[]; stageEnd: number[]; Gnew: number[] } {
    // Effective greens ∝ y (Webster's equisaturation), displayed green G = g − amber + lost time.
    const budget = cycle - fixedSec;
    const gTotal = cycle - lostSec;
    const Gnew = stages.map((_, k) => (resizable[k] ? Math.max(Gmin[k]!, Math.round((gTotal * y[k]!) / Y - amberOf(k) + LOST_TIME_SEC)) : G[k]!));
    let diff = budget - Gnew.reduce((s, v, k) => s + (resizable[k] ? v : 0), 0);
    const order = stages.map((_, k) => k).filter((k) => resizable[k]).sort((a, b) => y[b]! - y[a]! || a - b);
    // Rounding and minimum greens: give to the most loaded stage, take from those with most slack.
    while (diff !== 0) {
      if (diff > 0) {
        Gnew[order[0]!]! += diff;
        diff = 0;
      } else {
        const k = order.slice().sort((a, b) => Gnew[b]! - Gmin[b]! - (Gnew[a]! - Gmin[a]!) || a - b)[0]!;
        const take = Math.min(-diff, Gnew[k]! - Gmin[k]!);
        if (take <= 0) break;
        Gnew[k]! -= take;
        diff += take;
      }
    }
    const len = segs.map((s) => s.len);
    stages.forEach((st, k) => {
      if (!resizable[k]) return;
      let d = Gnew[k]! - G[k]!;
      if (d >= 0) len[lastSeg[k]!]! += d;
      else {
        for (const i of st.segs.slice().sort((a, b) => segs[b]!.len - segs[a]!.len || a - b)) {
          const take = Math.min(-d, len[i]! - 1);
          len[i]! -= take;
          d += take;
          if (d === 0) break;
        }
      }
    });
    const newStart: number[] = [];
    let t = 0;
    for (let i = 0; i < segs.length; i++) {
      newStart.push(t);
      t += len[i]!;
    }
    const C2 = t;
    const at = new Map(segs.map((s, i) => [s.start, newStart[i]!] as const));
    const map = (sec: number) => at.get(mod(sec, C)) ?? 0;
    const plan: SignalPlan = {
      planId,
      cycleSec: C2,
      offsetSec: mod(running.offsetSec, C2),
      greens: running.greens.map((w) => ({ groupId: w.groupId, startSec: map(w.startSec), endSec: w.endSec === C || mod(w.endSec, C) === 0 ? (w.endSec === 0 ? 0 : C2) : map(w.endSec) })),
    };
    return { plan, stageStart: stages.map((st) => newStart[st.segs[0]!]!), stageEnd: lastSeg.map((i) => (newStart[i]! + len[i]!) % C2), Gnew };
  }
}

/** Same timing (cycle, offset, windows), whatever the plan ids. */
export function samePlanTiming(a: SignalPlan, b: SignalPlan): boolean {
  if (a.cycleSec !== b.cycleSec || a.offsetSec !== b.offsetSec || a.greens.length !== b.greens.length) return false;
  const key = (p: SignalPlan) => p.greens.map((w) => `${w.groupId}:${w.startSec}-${w.endSec}`).sort().join('|');
  return key(a) === key(b);
}
