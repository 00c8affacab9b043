/**
 * Per-approach estimates at a signalised intersection: queue, degree of saturation and delay.
 * Pure; computed once per detector report (every 5 s), never per state message.
 *
 * - Saturation flow s: 1,800 veh/h per lane (mixed urban traffic; HBS 2015 Teil S starts from a
 *   base of 2,000 Pkw-E/h per lane, reduced for heavy vehicles, turning and lane width).
 * - Effective green g = displayed green + amber − lost time (3 s), the usual convention
 *   (Webster 1958; HBS 2015 S4). λ = g / C.
 * - Degree of saturation x = q / (s·g/C).
 * - Delay per vehicle: Webster, F. V. (1958) "Traffic Signal Settings", Road Research Technical
 *   Paper No. 39, HMSO London:
 *     d = C(1−λ)² / (2(1−λx)) + x² / (2q(1−x)) − 0.65 (C/q²)^(1/3) x^(2+5λ)
 *   with q in veh/s. The formula is for undersaturated approaches: x is capped at X_CAP and d
 *   clamped to [0, MAX_DELAY_SEC].
 * - Queue (vehicles, all lanes) at cycle second t: deterministic arrivals − departures over the
 *   cycle (D/D/1): during red the queue grows by q·(time since end of green); during green it
 *   discharges at s. Any overflow when x > 1 adds (x − 1)·q·C. A stop-line detector occupied
 *   for most of an interval while the group is red confirms a standing queue: at least one vehicle
 *   per lane.
 */
import type { SignalPlan, TlsMetaSignal } from '../../protocol/index.ts';

export const SATURATION_FLOW_VEH_H_LANE = 1800;
export const LOST_TIME_SEC = 3;
export const X_CAP = 0.98;
export const MAX_DELAY_SEC = 300;
/** Occupancy during red above which a stop-line detector is taken to stand in a queue. */
export const QUEUE_OCC_PCT = 50;

/** Vehicle signal groups serving each approach. */
export function groupsByApproach(signal: TlsMetaSignal): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of signal.spec.signalGroups) {
    if (g.kind !== 'vehicle') continue;
    for (const a of g.approachIds) {
      let l = out.get(a);
      if (!l) out.set(a, (l = []));
      l.push(g.id);
    }
  }
  return out;
}

/** Green windows of a group as [start, lengthSec] within the cycle. */
function windows(plan: SignalPlan, groupId: string): [number, number][] {
  const C = plan.cycleSec;
  return plan.greens.filter((w) => w.groupId === groupId).map((w) => [w.startSec, ((w.endSec - w.startSec) % C + C) % C || C]);
}

/** Displayed green of a group per cycle, s. */
export function greenSec(plan: SignalPlan, groupId: string): number {
  return windows(plan, groupId).reduce((s, [, len]) => s + len, 0);
}

/** Effective green (s) of an approach served by several groups: the best-served one (they run in parallel). */
export function effectiveGreenSec(signal: TlsMetaSignal, groupIds: readonly string[]): number {
  let best = 0;
  for (const id of groupIds) {
    const g = signal.spec.signalGroups.find((x) => x.id === id);
    const G = greenSec(signal.plan, id);
    if (G > 0) best = Math.max(best, G + (g?.amberSec ?? 3) - LOST_TIME_SEC);
  }
  return Math.max(0, Math.min(best, signal.plan.cycleSec));
}

/** x = q / (s·g/C); Infinity when there is no green at all. */
export function degreeOfSaturation(qVehH: number, sVehH: number, gSec: number, cycleSec: number): number {
  const cap = (sVehH * gSec) / cycleSec;
  if (cap <= 0) return qVehH > 0 ? Infinity : 0;
  return qVehH / cap;
}

/** Webster's (1958) mean delay per vehicle, s (see the file comment). */
export function websterDelay(cycleSec: number, lambda: number, x: number, qVehH: number): number {
  const C = cycleSec;
  if (lambda <= 0) return MAX_DELAY_SEC;
  const xc = Math.min(Math.max(x, 0), X_CAP);
  const uniform = (C * (1 - lambda) ** 2) / (2 * (1 - lambda * xc));
  if (qVehH <= 0) return Math.min(MAX_DELAY_SEC, uniform);
  const q = qVehH / 3600;
  const random = (xc * xc) / (2 * q * (1 - xc));
  const corr = 0.65 * Math.cbrt(C / (q * q)) * xc ** (2 + 5 * lambda);
  return Math.min(MAX_DELAY_SEC, Math.max(0, uniform + random - corr));
}

/** Seconds since the last end of green of any of the groups at cycle second t (0 while green), and whether green now. */
function redState(plan: SignalPlan, groupIds: readonly string[], t: number): { green: boolean; sinceGreenEnd: number; sinceGreenStart: number } {
  const C = plan.cycleSec;
  let green = false;
  let sinceEnd = C;
  let sinceStart = C;
  for (const id of groupIds) {
    for (const [start, len] of windows(plan, id)) {
      const into = (((t - start) % C) + C) % C;
      if (into < len) {
        green = true;
        sinceStart = Math.min(sinceStart, into);
      } else sinceEnd = Math.min(sinceEnd, into - len);
    }
  }
  return { green, sinceGreenEnd: green ? 0 : sinceEnd, sinceGreenStart: sinceStart };
}

/**
 * Queue (vehicles, all lanes) at cycle second `t` by D/D/1 arrivals − departures over the cycle,
 * confirmed by detector occupancy during red (see the file comment).
 */
export function queueEstimate(a: {
  plan: SignalPlan;
  groupIds: readonly string[];
  cycleSecond: number;
  qVehH: number;
  lanes: number;
  /** Mean occupancy of the approach's stop-line detectors in the last interval, percent. */
  occupancyPct: number;
  x: number | null;
}): number {
  const { plan, groupIds, cycleSecond, qVehH, lanes } = a;
  const q = qVehH / 3600;
  const s = (SATURATION_FLOW_VEH_H_LANE * lanes) / 3600;
  const st = redState(plan, groupIds, cycleSecond);
  const G = groupIds.reduce((m, id) => Math.max(m, greenSec(plan, id)), 0);
  const red = plan.cycleSec - G;
  let queue: number;
  if (!st.green) queue = q * st.sinceGreenEnd;
  else queue = Math.max(0, q * (red + st.sinceGreenStart) - s * st.sinceGreenStart);
  if (a.x !== null && a.x > 1 && Number.isFinite(a.x)) queue += (a.x - 1) * q * plan.cycleSec;
  if (!st.green && a.occupancyPct >= QUEUE_OCC_PCT) queue = Math.max(queue, lanes);
  return Math.round(queue * 10) / 10;
}

export interface ApproachInput {
  approachId: string;
  street: string;
  lanes: number;
  qVehH: number;
  occupancyPct: number;
}

/** All per-approach estimates for one report; saturation/delay null without a signal plan. */
export function approachStats(input: ApproachInput, signal: TlsMetaSignal | undefined, groupIds: readonly string[], cycleSecond: number | null) {
  const base = { approachId: input.approachId, street: input.street, groupIds: [...groupIds], flowVehH: Math.round(input.qVehH), occupancyPct: Math.round(input.occupancyPct * 10) / 10 };
  if (!signal || groupIds.length === 0) return { ...base, queueVeh: 0, saturation: null, delaySecPerVeh: null };
  const C = signal.plan.cycleSec;
  const g = effectiveGreenSec(signal, groupIds);
  const s = SATURATION_FLOW_VEH_H_LANE * input.lanes;
  const x = degreeOfSaturation(input.qVehH, s, g, C);
  const d = websterDelay(C, g / C, x, input.qVehH);
  const queueVeh = cycleSecond === null ? 0 : queueEstimate({ plan: signal.plan, groupIds, cycleSecond, qVehH: input.qVehH, lanes: input.lanes, occupancyPct: input.occupancyPct, x });
  return { ...base, queueVeh, saturation: Number.isFinite(x) ? Math.round(x * 100) / 100 : null, delaySecPerVeh: Math.round(d * 10) / 10 };
}

export interface LaneCountOcc {
  count: number;
  occupancyPct: number;
}

/**
 * Rolling window of one approach's detector intervals (per lane), so that flows are taken over at
 * least one signal cycle (a 5-s count at a stop line mostly says whether the group was green).
 */
export class ApproachWindow {
  #items: { tsMs: number; sec: number; lanes: LaneCountOcc[] }[] = [];
  push(tsMs: number, sec: number, lanes: LaneCountOcc[], windowSec: number): void {
    this.#items.push({ tsMs, sec, lanes });
    while (this.#items.length > 1 && this.#items[0]!.tsMs <= tsMs - windowSec * 1000) this.#items.shift();
  }
  /** Per lane: counts summed, occupancy time-weighted; and the seconds covered. */
  aggregate(): { sec: number; lanes: LaneCountOcc[] } {
    let sec = 0;
    const n = this.#items.reduce((m, x) => Math.max(m, x.lanes.length), 0);
    const lanes: LaneCountOcc[] = Array.from({ length: n }, () => ({ count: 0, occupancyPct: 0 }));
    for (const it of this.#items) {
      sec += it.sec;
      it.lanes.forEach((l, i) => {
        lanes[i]!.count += l.count;
        lanes[i]!.occupancyPct += l.occupancyPct * it.sec;
      });
    }
    for (const l of lanes) l.occupancyPct = sec > 0 ? l.occupancyPct / sec : 0;
    return { sec, lanes };
  }
}
