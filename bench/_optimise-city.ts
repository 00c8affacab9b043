/**
 * The built-in city traffic model with the hub's optimiser in the loop, in process and without
 * MQTT, for the optimiser benchmark: every model second each controller's TlsState (and every
 * DETECTOR_INTERVAL_SEC its DetectorReport) goes into `createOptimiser().step`, and the
 * StageCommands it returns go to the controllers' `stage()`, the same path MQTT would carry them.
 * Judged on the simulator's ground truth (TlsTruth: delay, stops, CO2).
 */
import type { TlsMeta } from '../protocol/mqtt.ts';
import type { DetectorReport, TlsState } from '../protocol/index.ts';
import { createOptimiser, type IntersectionInput, type StrategyName } from '../server/optimise/index.ts';
import type { StrategyParams } from '../server/optimise/strategy.ts';
import type { Intersection, Link } from '../sim/city/types.ts';
import { CitySim } from '../sim/devices/controller.ts';
import { tlsMeta } from '../sim/devices/tls.ts';
import type { DemandFn } from '../sim/traffic/demand.ts';

export const DETECTOR_INTERVAL_SEC = 5;

export interface CityRunOptions {
  intersections: Intersection[];
  links: Link[];
  seed: number;
  startMs: number;
  controller: 'fixed' | StrategyName;
  warmupSec: number;
  durationSec: number;
  demand?: DemandFn;
  params?: Partial<StrategyParams>;
}

export interface CityRunResult {
  delayVehH: number;
  stops: number;
  co2Kg: number;
  throughputVeh: number;
  delayPerVehSec: number;
  stopsPerVeh: number;
  /** Optimiser compute per model second, ms (mean). */
  optimiserMsPerSec: number;
  commands: number;
  acksRefused: number;
  safetyInterventions: number;
  /** Model seconds the controllers spent in adaptive mode / all controller-seconds. */
  adaptiveShare: number;
  /** Per intersection: delay veh·s over the measured period. */
  perIntersection: Map<string, { delayVehS: number; queueDelayVehS: number; throughputVeh: number }>;
}

export function runCity(o: CityRunOptions): CityRunResult {
  const sim = new CitySim({ intersections: o.intersections, links: o.links, seed: o.seed, startMs: o.startMs, ...(o.demand ? { demand: o.demand } : {}) });
  const linkById = new Map(o.links.map((l) => [l.id, l]));
  const metas = new Map<string, TlsMeta>(sim.controllers.map((c) => [c.id, tlsMeta(c.x, o.startMs, c.metaSignal(), linkById)]));
  const opt = o.controller === 'fixed' ? null : createOptimiser({ strategy: o.controller, issuedBy: 'bench' }, o.params);
  const inputs: IntersectionInput[] = sim.controllers.map((c) => ({ meta: metas.get(c.id)!, state: null, detectors: null, link: 'live', control: 'auto' }));
  const byId = new Map(inputs.map((i) => [i.meta.id, i]));
  let optMs = 0;
  let optSteps = 0;
  let commands = 0;
  let refused = 0;
  let interventions = 0;
  let adaptive = 0;
  let ctlSec = 0;
  let delay = 0;
  let stops = 0;
  let co2 = 0;
  let thr = 0;
  const perIx = new Map<string, { delayVehS: number; queueDelayVehS: number; throughputVeh: number }>();
  const total = o.warmupSec + o.durationSec;
  for (let s = 0; s < total; s++) {
    sim.step();
    const t = sim.tSec;
    const tsMs = t * 1000;
    const report = s % DETECTOR_INTERVAL_SEC === DETECTOR_INTERVAL_SEC - 1;
    for (const c of sim.controllers) {
      const inp = byId.get(c.id)!;
      inp.state = c.state(tsMs) as TlsState;
      if (report) inp.detectors = c.detectorReport(sim.model, tsMs, DETECTOR_INTERVAL_SEC) as DetectorReport;
    }
    if (report) {
      const measuring = s >= o.warmupSec;
      for (const c of sim.controllers) {
        const tr = c.truth(sim.model, tsMs, DETECTOR_INTERVAL_SEC);
        if (!measuring) continue;
        let e = perIx.get(c.id);
        if (!e) perIx.set(c.id, (e = { delayVehS: 0, queueDelayVehS: 0, throughputVeh: 0 }));
        e.delayVehS += tr.delayVehS;
        e.throughputVeh += tr.throughputVeh;
        e.queueDelayVehS += (tr.co2G - 35 * tr.stops) / 0.55;
        delay += tr.delayVehS;
        stops += tr.stops;
        co2 += tr.co2G;
        thr += tr.throughputVeh;
      }
    }
    if (opt) {
      // Warm-up: the optimiser observes (its estimates settle) while the controllers run fixed time.
      if (s === 0 || s === o.warmupSec) for (const inp of inputs) inp.control = s < o.warmupSec ? 'advisory' : 'auto';
      const t0 = performance.now();
      const out = opt.step({ intersections: inputs }, tsMs);
      optMs += performance.now() - t0;
      optSteps++;
      interventions += out.safetyInterventions;
      for (const { tlsId, cmd } of out.commands) {
        const ack = sim.controller(tlsId).stage(cmd, tsMs);
        commands++;
        if (!ack.accepted) refused++;
      }
    }
    if (s >= o.warmupSec) {
      for (const c of sim.controllers) {
        ctlSec++;
        if (c.mode === 'adaptive') adaptive++;
      }
    }
  }
  return {
    delayVehH: delay / 3600,
    stops,
    co2Kg: co2 / 1000,
    throughputVeh: thr,
    delayPerVehSec: thr > 0 ? delay / thr : 0,
    stopsPerVeh: thr > 0 ? stops / thr : 0,
    optimiserMsPerSec: optSteps ? optMs / optSteps : 0,
    commands,
    acksRefused: refused,
    safetyInterventions: interventions,
    adaptiveShare: ctlSec ? adaptive / ctlSec : 0,
    perIntersection: perIx,
  };
}
