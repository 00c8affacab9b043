/**
 * The optimiser loop: given the fused state every second, runs the strategy per intersection and
 * returns the stage commands to publish (no sockets here; the control plane publishes them).
 *
 * Per intersection and second:
 * 1. Estimator: the newest TlsState (which groups are green) and DetectorReport (counts, occupancy)
 *    update the queue estimates; the safety gate tracks the greens (min green, red times).
 * 2. Liveness: no state this second, a state older than `staleAfterMs` against `nowMs`, detectors
 *    older than `staleAfterMs` against the state (no report yet counts from the first state: the
 *    start-up is answered), or the hub's link verdict not 'live' → 'fallback':
 *    no command, so the controller's watchdog returns it to its own fixed-time plan; when data is
 *    fresh again it is picked up from whatever is green (recovery).
 * 2. Neighbours: the downstream link's fullness (spillback) and the upstream installation's recent
 *    departures into each approach (platoon forecast).
 * 3. Strategy (strategy.ts) → transit priority weights and emergency preemption (priority.ts) →
 *    safety gate (safety.ts) → StageCommand with tsMs = the state's tsMs ("the answer to second
 *    t", which lock-step bridges wait for) and validUntilMs = tsMs + validForMs.
 *
 * Deterministic: same inputs in the same order, same outputs. No clock, no randomness.
 */
import { STAGE_MAX_VALID_MS, type StageCommand } from '../../protocol/signal.ts';
import { angleDiff, detectorsByApproach, inferLinks, type LinkDef } from '../fusion/links.ts';
import { JAM_SPACING_M, QueueEstimator, type ApproachModel } from './estimator.ts';
import { preemptTargets, transitWeight } from './priority.ts';
import { SafetyGate } from './safety.ts';
import { bit, compileSpec, type CompiledSpec } from './stages.ts';
import { StageChooser, type StageContext, type StrategyParams } from './strategy.ts';
import { DEFAULT_STRATEGY, type IntersectionDecision, type IntersectionInput, type OptimiserInput, type OptimiserOptions, type OptimiserOutput, type StrategyName } from './types.ts';

export interface Optimiser {
  step(input: OptimiserInput, nowMs: number): OptimiserOutput;
  /** Strategy per intersection (default for all: options.strategy). */
  setStrategy(tlsId: string, strategy: StrategyName | null): void;
  /** Forget an intersection (removed, or its spec changed). */
  forget(tlsId: string): void;
  /** The optimiser's current view of one intersection (estimates per approach), for the dashboard / REST. */
  inspect(tlsId: string): IntersectionView | null;
}

export interface IntersectionView {
  id: string;
  strategy: StrategyName;
  status: IntersectionDecision['status'];
  stages: string[][];
  currentStage: string[] | null;
  approaches: { id: string; queueVeh: number; demandVehH: number; storageVeh: number | null; downstreamFull: number | null; forecastVehH: number | null }[];
}

/** Straight-ahead: the downstream approach's direction of travel within this of the upstream one's. */
const STRAIGHT_DEG = 35;
/** Seconds of arrivals the platoon forecast looks ahead. */
const FORECAST_SEC = 5;

interface Runtime {
  id: string;
  meta: IntersectionInput['meta'];
  signalKey: string;
  cs: CompiledSpec;
  gate: SafetyGate;
  est: QueueEstimator;
  chooser: StageChooser;
  strategy: StrategyName;
  ctx: StageContext;
  apP: Float64Array;
  green: Uint8Array;
  apIndex: Map<string, number>;
  /** Per approach: [downstream tls id, approach index there] straight ahead, or null. */
  down: ([string, string] | null)[];
  /** Per approach: the upstream installation's approaches driving straight into it, and the lag (s). */
  up: ({ tls: string; aps: string[]; lagSec: number } | null)[];
  lastStateTs: number;
  /** tsMs of the first state seen: until staleAfterMs after it, no detector report yet is no failure. */
  firstStateTs: number;
  /** Its data passed the liveness check at its last step (neighbours read its estimates only then). */
  fresh: boolean;
  /** A state newer than the last one arrived this step (it gets an answer). */
  newState: boolean;
  status: IntersectionDecision['status'];
  preempting: boolean;
}

export function createOptimiser(opts: OptimiserOptions = {}, params?: Partial<StrategyParams>): Optimiser {
  const defaultStrategy: StrategyName = opts.strategy ?? DEFAULT_STRATEGY;
  const issuedBy = opts.issuedBy ?? 'optimiser';
  const validForMs = Math.min(STAGE_MAX_VALID_MS, Math.max(1000, opts.validForMs ?? 3000));
  const staleAfterMs = opts.staleAfterMs ?? 15_000;
  const vehicleMaxRed = opts.vehicleMaxRedSec ?? 120;
  const transitOn = opts.transitPriority ?? true;
  const rts = new Map<string, Runtime>();
  const strategyOf = new Map<string, StrategyName>();
  /**
   * Every installation ever stepped, by id (newest meta): the control plane steps each installation
   * as its state arrives (one per call), so neighbours and links come from this, not from one call's input.
   */
  const known = new Map<string, IntersectionInput>();
  let topoDirty = false;
  let links: LinkDef[] = [];
  const linkBetween = new Map<string, LinkDef>();

  const build = (inp: IntersectionInput, key: string): Runtime | null => {
    const sig = inp.meta.signal;
    if (!sig) return null;
    const cs = compileSpec(sig.spec, vehicleMaxRed);
    const dets = detectorsByApproach(inp.meta);
    const approaches: ApproachModel[] = inp.meta.approaches.map((a) => ({
      id: a.id,
      lanes: a.lanes,
      storageVeh: Infinity,
      groups: cs.spec.signalGroups.flatMap((g, i) => (g.kind !== 'pedestrian' && g.approachIds.includes(a.id) ? [i] : [])),
      detectorIds: dets.get(a.id) ?? [],
    }));
    const est = new QueueEstimator(approaches);
    const gate = new SafetyGate(cs);
    const strategy = strategyOf.get(inp.meta.id) ?? defaultStrategy;
    const A = approaches.length;
    const rt: Runtime = {
      id: inp.meta.id,
      meta: inp.meta,
      signalKey: key,
      cs,
      gate,
      est,
      chooser: new StageChooser(strategy, cs, params, sig.plan),
      strategy,
      ctx: { cs, gate, est, downstreamFull: new Float64Array(A).fill(Number.NaN), downstreamQueue: new Float64Array(A), bonus: new Float64Array(A), forecast: new Float64Array(A).fill(Number.NaN) },
      apP: new Float64Array(A),
      green: new Uint8Array(cs.G),
      apIndex: new Map(approaches.map((a, i) => [a.id, i] as const)),
      down: approaches.map(() => null),
      up: approaches.map(() => null),
      lastStateTs: -1,
      firstStateTs: -1,
      fresh: false,
      newState: false,
      status: 'waiting',
      preempting: false,
    };
    return rt;
  };

  /** Links (announced or inferred, server/fusion/links.ts) give storage and the downstream neighbour. */
  const relink = (inputs: readonly IntersectionInput[]) => {
    links = inferLinks(inputs.map((i) => i.meta));
    linkBetween.clear();
    for (const l of links) linkBetween.set(`${l.from}>${l.to}`, l);
    const byTo = new Map<string, LinkDef[]>();
    for (const l of links) {
      let arr = byTo.get(l.from);
      if (!arr) byTo.set(l.from, (arr = []));
      arr.push(l);
    }
    for (const rt of rts.values()) {
      rt.meta.approaches.forEach((a, i) => {
        const inLink = links.find((l) => l.to === rt.id && l.approachId === a.id);
        rt.est.approaches[i]!.storageVeh = inLink ? Math.max(5, (inLink.lengthM * inLink.lanes) / JAM_SPACING_M) : Infinity;
        // Straight ahead: the outgoing link whose downstream approach keeps this direction of travel.
        let best: [string, string] | null = null;
        let bestD = STRAIGHT_DEG;
        for (const l of byTo.get(rt.id) ?? []) {
          const downRt = rts.get(l.to);
          const downAp = downRt?.meta.approaches.find((x) => x.id === l.approachId);
          if (!downAp) continue;
          const d = angleDiff(downAp.bearingDeg, a.bearingDeg);
          if (d <= bestD) {
            bestD = d;
            best = [l.to, l.approachId];
          }
        }
        rt.down[i] = best;
        // Upstream: the approaches of the installation feeding this one whose traffic goes straight on
        // into the link; platoons arrive after Robertson's lag β·T (TRANSYT, β = 0.8).
        const upRt = inLink ? rts.get(inLink.from) : undefined;
        if (inLink && upRt) {
          const aps = upRt.meta.approaches.filter((b) => angleDiff(b.bearingDeg, a.bearingDeg) <= STRAIGHT_DEG).map((b) => b.id);
          rt.up[i] = aps.length ? { tls: upRt.id, aps, lagSec: Math.max(1, Math.round(0.8 * inLink.freeFlowTravelTimeSec)) } : null;
        } else rt.up[i] = null;
      });
    }
  };

  const step = (input: OptimiserInput, nowMs: number): OptimiserOutput => {
    const commands: OptimiserOutput['commands'] = [];
    const decisions: IntersectionDecision[] = [];
    let interventions = 0;

    // (Re)build runtimes whose signal changed; relink when the set of installations changed.
    for (const inp of input.intersections) {
      const id = inp.meta.id;
      const key = inp.meta.signal ? `${inp.meta.tsMs}:${inp.meta.signal.plan.planId}:${inp.meta.signal.spec.signalGroups.length}:${inp.meta.signal.spec.intergreenSec.length}` : '';
      const prev = known.get(id);
      if (!prev || prev.meta.tsMs !== inp.meta.tsMs) topoDirty = true;
      known.set(id, inp);
      const rt = rts.get(id);
      if (!rt || rt.signalKey !== key) {
        const nrt = build(inp, key);
        if (nrt) rts.set(id, nrt);
        else rts.delete(id);
      } else rt.meta = inp.meta;
    }
    if (topoDirty) {
      topoDirty = false;
      relink([...known.values()]);
    }

    // 1. Estimates from the newest state and detectors.
    for (const inp of input.intersections) {
      const rt = rts.get(inp.meta.id);
      if (!rt) continue;
      let newState = false;
      if (inp.state && inp.state.tsMs > rt.lastStateTs) {
        rt.lastStateTs = inp.state.tsMs;
        if (rt.firstStateTs < 0) rt.firstStateTs = inp.state.tsMs;
        newState = true;
        rt.gate.observe(inp.state);
        for (let g = 0; g < rt.cs.G; g++) rt.green[g] = inp.state.groups[rt.cs.ids[g]!] === 'green' ? 1 : 0;
        rt.est.second(inp.state.tsMs, rt.green);
      }
      if (inp.detectors) rt.est.report(inp.detectors.tsMs, inp.detectors.intervalSec, inp.detectors.detectors);
      const stTs = inp.state?.tsMs ?? -1;
      const ok =
        inp.link === 'live' &&
        inp.state !== null &&
        nowMs - stTs <= staleAfterMs &&
        // Detectors older than staleAfterMs against the state have failed; none yet is the start-up
        // (the first report comes one aggregation interval after the first state), not a failure —
        // the hub answers from the first second (a lock-step bridge waits for every answer).
        stTs - (inp.detectors?.tsMs ?? rt.firstStateTs) <= staleAfterMs &&
        inp.state.mode !== 'flashing' &&
        inp.state.mode !== 'off';
      rt.fresh = ok;
      if (!ok && rt.status !== 'fallback') {
        rt.status = 'fallback';
        rt.chooser.reset();
      } else if (ok && rt.status === 'fallback') {
        // Recovery: queues estimated across the gap are not trusted.
        rt.est.resetQueues();
        rt.status = 'waiting';
      }
      rt.newState = newState;
    }

    // 2. Cross-intersection terms: downstream fullness and queues, transit weights, preemption.
    for (const inp of input.intersections) {
      const rt = rts.get(inp.meta.id);
      if (!rt) continue;
      const c = rt.ctx;
      for (let a = 0; a < rt.down.length; a++) {
        const d = rt.down[a];
        const drt = d ? rts.get(d[0]) : undefined;
        const di = drt ? drt.apIndex.get(d![1]) : undefined;
        if (drt && di !== undefined && drt.fresh) {
          const q = drt.est.queue[di]!;
          c.downstreamQueue[a] = q;
          const st = drt.est.approaches[di]!.storageVeh;
          c.downstreamFull[a] = Number.isFinite(st) ? q / st : Number.NaN;
        } else {
          c.downstreamQueue[a] = 0;
          c.downstreamFull[a] = Number.NaN;
        }
      }
      c.bonus.fill(0);
      // Platoon forecast: what the upstream straight movements released lagSec ago, over the next
      // FORECAST_SEC, scaled by the share of their flow that arrives here (long-run demand ratio).
      for (let a = 0; a < rt.up.length; a++) {
        const u = rt.up[a];
        const urt = u ? rts.get(u.tls) : undefined;
        if (!u || !urt || !urt.fresh) {
          c.forecast![a] = Number.NaN;
          continue;
        }
        let sum = 0;
        let lamUp = 0;
        for (const id of u.aps) {
          const b = urt.apIndex.get(id);
          if (b === undefined) continue;
          lamUp += urt.est.lambda[b]!;
          for (let k = 0; k < FORECAST_SEC; k++) sum += urt.est.departedAt(b, urt.est.nowSec - u.lagSec + k);
        }
        const lamHere = rt.est.lambda[a]!;
        const share = lamUp > 0 ? Math.min(1, lamHere / lamUp) : 0;
        c.forecast![a] = (share * sum) / FORECAST_SEC;
      }
    }
    if (transitOn && input.transit) {
      for (const t of input.transit) {
        const rt = rts.get(t.tlsId);
        const a = rt?.apIndex.get(t.approachId);
        if (rt && a !== undefined) rt.ctx.bonus[a]! += transitWeight(t);
      }
    }
    const preempt = input.preemptions?.length
      ? preemptTargets(input.preemptions, (from, to) => linkBetween.get(`${from}>${to}`)?.lengthM ?? null)
      : new Map<string, { approachId: string; preemptionId: string; etaSec: number }>();

    // 3. Decide per intersection.
    for (const inp of input.intersections) {
      const rt = rts.get(inp.meta.id);
      if (!rt) {
        decisions.push({ id: inp.meta.id, status: 'waiting', greens: [], reason: 'no-signal-spec', kpis: { queueVeh: 0, pressure: 0, delayVehS: 0, demandVehH: 0 } });
        continue;
      }
      const kpis = kpisOf(rt);
      const newState = rt.newState;
      if (!rt.fresh) {
        decisions.push({ id: rt.id, status: 'fallback', greens: [], reason: inp.state === null ? 'no-state' : 'stale', kpis });
        continue;
      }
      if (inp.control !== 'auto') rt.chooser.reset(); // not followed by the controller: decide from what it shows
      let mask: number;
      let reason: string;
      let pressure: number;
      const pre = preempt.get(rt.id);
      const preAp = pre ? rt.apIndex.get(pre.approachId) : undefined;
      if (pre && preAp !== undefined) {
        // The stage serving the emergency approach with the most pressure besides.
        const serving = rt.est.approaches[preAp]!.groups;
        rt.chooser.approachPressure(rt.ctx, rt.apP);
        let best = -1;
        let bp = -1;
        for (let s = 0; s < rt.cs.stages.length; s++) {
          const m = rt.cs.stages[s]!;
          if (!serving.some((g) => m & bit(g))) continue;
          let p = 0;
          for (let a = 0; a < rt.apP.length; a++) if (rt.est.approaches[a]!.groups.some((g) => m & bit(g))) p += rt.apP[a]!;
          if (p > bp) {
            bp = p;
            best = s;
          }
        }
        mask = best >= 0 ? rt.cs.stages[best]! : 0;
        reason = `preempt:${pre.preemptionId}`;
        pressure = Math.max(0, bp);
        rt.status = 'preempt';
        rt.preempting = true;
      } else {
        if (rt.preempting) {
          rt.preempting = false;
          rt.chooser.reset(); // recovery from preemption: continue from what is green
        }
        const d = rt.chooser.decide(rt.ctx, rt.apP);
        mask = d.mask;
        reason = d.reason;
        pressure = d.pressure;
        rt.status = 'adaptive';
      }
      const want: string[] = [];
      for (let g = 0; g < rt.cs.G; g++) if (mask & bit(g)) want.push(rt.cs.ids[g]!);
      const v = rt.gate.stage(want);
      if (v.intervened) interventions++;
      const greens = v.greens ?? [];
      if (v.intervened && v.reasons.length) reason = `${reason};safety`;
      decisions.push({ id: rt.id, status: rt.status, greens, reason, kpis: { ...kpis, pressure: Math.round(pressure * 100) / 100 } });
      if (inp.control === 'auto' && newState && v.greens && inp.state) {
        const tsMs = inp.state.tsMs;
        const cmd: StageCommand = { cmdId: `opt-${tsMs}`, tsMs, greens: v.greens, validUntilMs: tsMs + validForMs, issuedBy };
        commands.push({ tlsId: rt.id, cmd });
      }
    }
    return { commands, decisions, safetyInterventions: interventions };
  };

  return {
    step,
    setStrategy(tlsId, strategy) {
      if (strategy) strategyOf.set(tlsId, strategy);
      else strategyOf.delete(tlsId);
      const rt = rts.get(tlsId);
      if (rt) {
        rt.strategy = strategy ?? defaultStrategy;
        rt.chooser = new StageChooser(rt.strategy, rt.cs, params, rt.meta.signal?.plan);
      }
    },
    inspect(tlsId) {
      const rt = rts.get(tlsId);
      if (!rt) return null;
      const names = (m: number) => rt.cs.ids.filter((_, g) => m & bit(g));
      return {
        id: rt.id,
        strategy: rt.strategy,
        status: rt.status,
        stages: Array.from(rt.cs.stages, names),
        currentStage: rt.chooser.cur >= 0 ? names(rt.cs.stages[rt.chooser.cur]!) : null,
        approaches: rt.est.approaches.map((a, i) => ({
          id: a.id,
          queueVeh: Math.round(rt.est.queue[i]! * 10) / 10,
          demandVehH: Math.round(rt.est.lambda[i]! * 3600),
          storageVeh: Number.isFinite(a.storageVeh) ? Math.round(a.storageVeh) : null,
          downstreamFull: Number.isNaN(rt.ctx.downstreamFull[i]!) ? null : Math.round(rt.ctx.downstreamFull[i]! * 100) / 100,
          forecastVehH: Number.isNaN(rt.ctx.forecast![i]!) ? null : Math.round(rt.ctx.forecast![i]! * 3600),
        })),
      };
    },
    forget(tlsId) {
      rts.delete(tlsId);
      known.delete(tlsId);
      topoDirty = true;
    },
  };
}

function kpisOf(rt: Runtime): IntersectionDecision['kpis'] {
  let q = 0;
  let lam = 0;
  for (let a = 0; a < rt.est.approaches.length; a++) {
    q += rt.est.queue[a]!;
    lam += rt.est.lambda[a]!;
  }
  return { queueVeh: Math.round(q * 10) / 10, pressure: 0, delayVehS: Math.round(rt.est.lastDelayVehS * 10) / 10, demandVehH: Math.round(lam * 3600) };
}

