/**
 * Stage selection per intersection, every second, from the estimated queues.
 *
 * 'max-pressure' — Varaiya, P. (2013) "Max pressure control of a network of signalized
 * intersections", Transportation Research Part C 36, 177-195. The pressure of a movement is its
 * upstream queue minus what waits downstream, times its saturation flow; the stage with the
 * largest total pressure gets green. It needs no demand knowledge and stabilises every demand the
 * network can carry. Varaiya decides per fixed slot; here the decision is per second with a
 * minimum hold (the stage's minimum greens) and a switching threshold, since every switch costs an
 * intergreen plus the start-up loss (Kouvelas, Lioris, Fayazi, Varaiya 2014, "Maximum pressure
 * controller for stabilizing queues in signalized arterial networks", TRR 2421: the same rule with
 * cyclic constraints and switching losses).
 *
 * 'actuated' (the default: it wins bench/results/optimise.json) — vehicle-actuated gap extension
 * (RiLSA 2015 "verkehrsabhängige Steuerung", Zeitlückensteuerung; NTCIP 1202 passage/gap time)
 * with queue-based stage selection: the running stage is extended while its estimated queue still
 * discharges (exhaustive service), then, while vehicles keep arriving on green (forecast from the
 * upstream installation's departures where there is one: platoons), as long as holding them is
 * worth more than the wait it costs the queues on red (the local cost comparison of
 * schedule-driven control, Xie, Smith, Barlow 2012, reduced to the next second), up to a maximum
 * green; then the stage with the largest pressure grown by the time its groups have waited,
 * pressure·(1 + red/ageWeightSec), follows (max-pressure selection without starving anyone).
 *
 * Spillback (issue 8): the pressure of an approach whose straight-ahead downstream link is nearly
 * full is set to zero (no green into a full link); the downstream term of max-pressure already
 * lowers it as the link fills. Gating (holding traffic at the network edge when the centre is
 * saturated) follows from the same rule: an edge approach feeding a full inner link gets no
 * pressure, so its vehicles wait outside rather than inside the saturated area.
 *
 * Fairness: a group close to its maximum red is served at the next opportunity (the safety layer
 * enforces the hard limit; the strategy avoids reaching it).
 */
import { bit, type CompiledSpec } from './stages.ts';
import type { QueueEstimator } from './estimator.ts';
import { SAT_VEH_S_LANE } from './estimator.ts';
import type { SafetyGate } from './safety.ts';
import type { StrategyName } from './types.ts';
import type { SignalPlan } from '../../protocol/signal.ts';

/**
 * Rank of each stage in the installation's own cycle: the earliest start of green, in the default
 * plan, of its vehicle groups (of any group for a pedestrian-only stage). Without a plan: index order.
 */
export function stageRanks(cs: CompiledSpec, plan?: SignalPlan): Float64Array {
  const S = cs.stages.length;
  const rank = Float64Array.from({ length: S }, (_, s) => s);
  if (!plan) return rank;
  const startOf = new Map<string, number>();
  for (const w of plan.greens) startOf.set(w.groupId, Math.min(startOf.get(w.groupId) ?? Infinity, w.startSec));
  for (let s = 0; s < S; s++) {
    let r = Infinity;
    let rAny = Infinity;
    for (let g = 0; g < cs.G; g++) {
      if (!(cs.stages[s]! & bit(g))) continue;
      const st = startOf.get(cs.ids[g]!) ?? Infinity;
      rAny = Math.min(rAny, st);
      if (cs.vehicle[g]) r = Math.min(r, st);
    }
    const v = Number.isFinite(r) ? r : rAny;
    rank[s] = Number.isFinite(v) ? v + s * 1e-3 : 1e5 + s;
  }
  return rank;
}

export interface StrategyParams {
  /** Switch only when the best stage's pressure exceeds θ × the current one's plus κ (veh²/s). */
  theta: number;
  kappa: number;
  /** Minimum time a stage is held once green, s (at least the groups' minimum greens). */
  minHoldSec: number;
  /** Longest a stage is held while others wait, s. */
  maxGreenSec: number;
  /** Downstream fullness (queue / storage) at which an approach gets no pressure. */
  spillbackFull: number;
  /** Weight of the downstream queue in the pressure (Varaiya: the turning share into it). */
  downstreamWeight: number;
  /** Serve a group this long before its max red is due, s. */
  fairnessMarginSec: number;
  /** actuated: gap (veh in queue per lane) under which the stage gaps out. */
  gapVehPerLane: number;
  /** actuated: weight of the arriving platoon against the waiting queues (0 = never hold for arrivals). */
  platoonWeight: number;
  /** actuated: next stage by pressure × (1 + red / ageWeightSec); 0 = the installation's cycle order. */
  ageWeightSec: number;
  /** actuated: use the upstream departure forecast for the arrivals on green (1) or the newest count (0). */
  forecastWeight: number;
}

export const DEFAULT_PARAMS: Record<StrategyName, StrategyParams> = {
  'max-pressure': { theta: 10, kappa: 0, minHoldSec: 8, maxGreenSec: 90, spillbackFull: 0.9, downstreamWeight: 0.5, fairnessMarginSec: 10, gapVehPerLane: 0.01, platoonWeight: 0, ageWeightSec: 0, forecastWeight: 0 },
  // minHoldSec 12 / maxGreenSec 90 (was 8 / 60): on the SUMO scenarios (docs/optimise.md, seeds 1-2,
  // hub in the loop) short stages cost ingolstadt1 twice the fixed-time delay (80.6 s -> 51.0 s),
  // cologne1 51.4 -> 49.0, grid4x4 102.8 -> 107.3; one configuration for all.
  actuated: { theta: 1, kappa: 0, minHoldSec: 12, maxGreenSec: 90, spillbackFull: 0.9, downstreamWeight: 0, fairnessMarginSec: 10, gapVehPerLane: 0.01, platoonWeight: 0.4, ageWeightSec: 30, forecastWeight: 1 },
};

/** What a stage choice depends on besides the spec: the estimates and external weights. */
export interface StageContext {
  cs: CompiledSpec;
  gate: SafetyGate;
  est: QueueEstimator;
  /** Per approach: fullness of its straight-ahead downstream link (0..1+), NaN when unknown. */
  downstreamFull: Float64Array;
  /** Per approach: queue waiting downstream (veh), 0 when unknown. */
  downstreamQueue: Float64Array;
  /** Per approach: extra weight from transit priority (veh-equivalents). */
  bonus: Float64Array;
  /**
   * Per approach: forecast arrival rate over the next few seconds (veh/s) from the upstream
   * installation's departures, NaN when there is no signalised upstream.
   */
  forecast?: Float64Array;
}

export interface StageDecision {
  /** Bitmask of groups to request. */
  mask: number;
  stage: number;
  reason: string;
  pressure: number;
}

/** Per-intersection chooser state. */
export class StageChooser {
  readonly name: StrategyName;
  readonly p: StrategyParams;
  /** Index of the stage requested (−1: none yet). */
  cur = -1;
  /** Second the requested stage's vehicle groups were all green (NaN while getting there). */
  #greenAt = Number.NaN;
  /** Ped/other groups of the current stage that have had their minimum green in this activation. */
  #served = 0;
  readonly #stagePressure: Float64Array;
  /** Rank of each stage in the installation's own cycle (its default plan's order of greens). */
  readonly #rank: Float64Array;

  constructor(name: StrategyName, cs: CompiledSpec, params?: Partial<StrategyParams>, plan?: SignalPlan) {
    this.name = name;
    this.p = { ...DEFAULT_PARAMS[name], ...params };
    this.#stagePressure = new Float64Array(cs.stages.length);
    this.#rank = stageRanks(cs, plan);
  }

  /** Forget the running stage (after a fallback or in advisory mode): the next call adopts what is green. */
  reset(): void {
    this.cur = -1;
    this.#greenAt = Number.NaN;
    this.#served = 0;
  }

  /** Approach pressures (Varaiya: (x_up − w·x_down) · s), with spillback cut-off and transit bonus. */
  approachPressure(ctx: StageContext, out: Float64Array): void {
    const { est, downstreamFull, downstreamQueue, bonus } = ctx;
    const p = this.p;
    for (let a = 0; a < est.approaches.length; a++) {
      const full = downstreamFull[a]!;
      let w = est.queue[a]! - p.downstreamWeight * downstreamQueue[a]! + bonus[a]!;
      if (full >= p.spillbackFull) w = bonus[a]! > 0 ? bonus[a]! : 0; // no green into a full link (transit excepted: it has its lane)
      if (w < 0) w = 0;
      out[a] = w * SAT_VEH_S_LANE * est.approaches[a]!.lanes;
    }
  }

  decide(ctx: StageContext, apP: Float64Array): StageDecision {
    const { cs, gate } = ctx;
    const G = cs.G;
    const S = cs.stages.length;
    const p = this.p;
    const now = gate.nowSec;
    this.approachPressure(ctx, apP);
    // Stage pressures: every approach served by a vehicle group of the stage, once.
    const sp = this.#stagePressure;
    const est = ctx.est;
    for (let s = 0; s < S; s++) {
      const m = cs.stages[s]!;
      let sum = 0;
      for (let a = 0; a < est.approaches.length; a++) {
        for (const g of est.approaches[a]!.groups) {
          if (m & bit(g)) {
            sum += apP[a]!;
            break;
          }
        }
      }
      sp[s] = sum;
    }
    // Starving groups (close to max red): the stage serving the most starving one is due.
    let starving = -1;
    let starveBy = -Infinity;
    for (let g = 0; g < G; g++) {
      const mr = cs.maxRed[g]!;
      if (mr <= 0 || gate.green[g]) continue;
      const over = gate.redSec(g) - (mr - gate.lead[g]! - p.fairnessMarginSec);
      if (over >= 0 && over > starveBy) {
        starveBy = over;
        starving = g;
      }
    }

    // Adopt what the controller shows when nothing is requested yet.
    if (this.cur < 0) {
      let best = 0;
      let bestN = -1;
      for (let s = 0; s < S; s++) {
        let n = 0;
        for (let g = 0; g < G; g++) if (cs.stages[s]! & bit(g) && gate.green[g]) n++;
        if (n > bestN) {
          bestN = n;
          best = s;
        }
      }
      this.#start(best);
      this.#greenAt = now - p.minHoldSec; // it has been running for an unknown time
    }
    const curMask = cs.stages[this.cur]!;
    // Has the requested stage arrived (all its vehicle groups green)?
    if (Number.isNaN(this.#greenAt)) {
      let all = true;
      for (let g = 0; g < G; g++) if (curMask & bit(g) && cs.vehicle[g] && !gate.green[g]) all = false;
      if (all) this.#greenAt = now;
      else return { mask: this.#request(ctx), stage: this.cur, reason: 'transition', pressure: sp[this.cur]! };
    }
    const held = now - this.#greenAt;
    if (held < p.minHoldSec) return { mask: this.#request(ctx), stage: this.cur, reason: 'min-hold', pressure: sp[this.cur]! };

    let next = -1;
    let reason = 'hold';
    if (starving >= 0 && !(curMask & bit(starving))) {
      // The stage with the most pressure among those serving the starving group.
      let bp = -1;
      for (let s = 0; s < S; s++) if (cs.stages[s]! & bit(starving) && sp[s]! > bp) {
        bp = sp[s]!;
        next = s;
      }
      reason = 'fairness';
    } else {
      let best = this.cur;
      for (let s = 0; s < S; s++) if (sp[s]! > sp[best]!) best = s;
      const pc = sp[this.cur]!;
      if (best !== this.cur) {
        // Gap-out: the running stage's queues are (nearly) gone (exhaustive service: switching
        // while a queue still discharges at saturation only adds lost time).
        let gapOut = true;
        let waiting = 0;
        let transitHere = 0;
        for (let a = 0; a < est.approaches.length; a++) {
          const ap = est.approaches[a]!;
          if (!ap.groups.some((g) => curMask & bit(g))) {
            waiting += est.queue[a]!;
            continue;
          }
          if (est.queue[a]! > p.gapVehPerLane * ap.lanes) gapOut = false;
          transitHere += ctx.bonus[a]!;
        }
        // Transit green extension: a late vehicle about to arrive on green keeps it, when its
        // passengers (car equivalents) outweigh the vehicles waiting on red (priority.ts).
        if (gapOut && transitHere > waiting) {
          gapOut = false;
          reason = 'transit-extension';
        }
        if (this.name === 'actuated') {
          if (gapOut && held < p.maxGreenSec && this.#platoonWorthHolding(ctx, curMask)) {
            reason = 'platoon';
          } else if ((gapOut || held >= p.maxGreenSec) && sp[best]! > 0) {
            // The next stage with demand in the installation's own cycle order (stage skipping, as
            // actuated controllers do): every stage with demand is served once per cycle, so no
            // stage waits for the max-red rule to cut another short.
            next = p.ageWeightSec > 0 ? this.#oldestPressure(ctx, sp) : this.#nextInCycle(sp);
            reason = gapOut ? 'gap-out' : 'max-green';
          }
        } else if ((gapOut && sp[best]! > pc) || sp[best]! > p.theta * pc + p.kappa || (held >= p.maxGreenSec && sp[best]! > 0)) {
          next = best;
          reason = held >= p.maxGreenSec ? 'max-green' : gapOut ? 'gap-out' : 'switch';
        }
      }
    }
    if (next >= 0 && next !== this.cur) {
      this.#start(next);
      // Already there if every vehicle group of the next stage is green (a stage overlapping the current).
      let all = true;
      for (let g = 0; g < G; g++) if (cs.stages[next]! & bit(g) && cs.vehicle[g] && !gate.green[g]) all = false;
      if (all) this.#greenAt = now;
      return { mask: this.#request(ctx), stage: next, reason, pressure: sp[next]! };
    }
    return { mask: this.#request(ctx), stage: this.cur, reason, pressure: sp[this.cur]! };
  }

  /**
   * After the queue has cleared: is the traffic still arriving on green worth another second?
   * One more second lets r vehicles pass that would otherwise wait about R (the time to serve the
   * others and come back), and makes every waiting vehicle wait 1 s more: hold iff r·R > Q_waiting.
   * (The local cost comparison of schedule-driven control, Xie, Smith, Barlow 2012, reduced to the
   * next second.)
   */
  #platoonWorthHolding(ctx: StageContext, curMask: number): boolean {
    const { est, cs } = ctx;
    let r = 0;
    let waiting = 0;
    let serveSec = 0;
    for (let a = 0; a < est.approaches.length; a++) {
      const ap = est.approaches[a]!;
      const on = ap.groups.some((g) => curMask & bit(g));
      const f = ctx.forecast?.[a];
      if (on) r += f !== undefined && !Number.isNaN(f) && this.p.forecastWeight > 0 ? f : est.greenSec[a]! > 6 ? est.lastRate[a]! : est.lambda[a]!;
      else {
        waiting += est.queue[a]!;
        serveSec += est.queue[a]! / Math.max(0.1, est.discharge[a]!);
      }
    }
    // Lost time of going round once: about an intergreen plus the start-up loss per other stage.
    let igMax = 0;
    for (let i = 0; i < cs.ig.length; i++) if (cs.ig[i]! > igMax) igMax = cs.ig[i]!;
    const R = serveSec + (cs.stages.length - 1) * (igMax + 2) + igMax + 2;
    return r * R * this.p.platoonWeight > waiting;
  }

  /** Pressure grown by the time the stage's groups have waited: sp · (1 + red / ageWeightSec). */
  #oldestPressure(ctx: StageContext, sp: Float64Array): number {
    const { cs, gate } = ctx;
    let best = -1;
    let bv = 0;
    for (let s = 0; s < sp.length; s++) {
      if (s === this.cur || !(sp[s]! > 0)) continue;
      let red = 0;
      for (let g = 0; g < cs.G; g++) if (cs.stages[s]! & bit(g) && cs.vehicle[g]) red = Math.max(red, gate.redSec(g));
      const v = sp[s]! * (1 + Math.min(red, 600) / this.p.ageWeightSec);
      if (v > bv) {
        bv = v;
        best = s;
      }
    }
    return best;
  }

  #nextInCycle(sp: Float64Array): number {
    const S = sp.length;
    const r0 = this.#rank[this.cur]!;
    let best = -1;
    let bestD = Infinity;
    for (let s = 0; s < S; s++) {
      if (s === this.cur || !(sp[s]! > 0)) continue;
      let d = this.#rank[s]! - r0;
      if (d <= 0) d += 1e6;
      if (d < bestD || (d === bestD && sp[s]! > sp[best]!)) {
        bestD = d;
        best = s;
      }
    }
    return best;
  }

  #start(s: number): void {
    this.cur = s;
    this.#greenAt = Number.NaN;
    this.#served = 0;
  }

  /**
   * The groups to request for the current stage: its vehicle/tram groups always; its pedestrian
   * groups until they have had their minimum green in this activation (then they clear, so that the
   * next switch waits only for the vehicle intergreens, as the fixed plans do: RiLSA early
   * termination of pedestrian green).
   */
  #request(ctx: StageContext): number {
    const { cs, gate } = ctx;
    const m = cs.stages[this.cur]!;
    let out = 0;
    for (let g = 0; g < cs.G; g++) {
      if (!(m & bit(g))) continue;
      if (cs.vehicle[g]) {
        out |= bit(g);
        continue;
      }
      if (gate.green[g] && gate.greenSec(g) >= cs.minGreen[g]!) this.#served |= bit(g);
      if (!(this.#served & bit(g))) out |= bit(g);
    }
    return out === 0 ? m : out >>> 0; // a pedestrian-only stage keeps its groups until it ends
  }
}
