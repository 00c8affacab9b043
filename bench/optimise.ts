/**
 * Signal optimiser benchmark (issue 8), on the built-in city traffic model (sim/traffic +
 * sim/devices/controller.ts), the hub's optimiser in the loop through the same safety layer and
 * StageCommand path the hub uses (bench/_optimise-city.ts), no MQTT.
 *
 *   Scenario: the modelled inner city (61 installations, real links), weekday morning rush hour
 *   (Tuesday 2026-03-10 from 08:00 local, demand factor 0.95-1.0 of the design peak), Poisson
 *   arrivals. 15 min warm-up on the controllers' own fixed-time plans (the optimiser observes),
 *   then one model hour measured, per seed.
 *   Controllers: 'fixed' (the Webster-designed default plans), and every optimiser strategy.
 *   Metrics from the simulator's ground truth (TlsTruth): delay per vehicle, total delay, stops,
 *   CO2 — mean and sd over the seeds; ratios against fixed time from the same run.
 *   Compute: optimiser time per model second for the whole city (550 installations).
 * Reference (same run): fixed time is the reference of every ratio; a sha256 workload shows how
 * fast the machine was for the compute figure.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_OUTER_RING_COUNT, INTERSECTIONS, LINKS, generateOuterRing } from '../sim/city/duisburg.ts';
import { DEFAULT_STRATEGY, STRATEGIES } from '../server/optimise/index.ts';
import { runCity, type CityRunResult } from './_optimise-city.ts';
import type { BenchResult } from './run.ts';

const SEEDS = (process.env.BENCH_OPT_SEEDS ?? '1,2,3,4,5').split(',').map(Number);
const MEASURE_SEC = Number(process.env.BENCH_OPT_SEC ?? 3600);
const WARMUP_SEC = 900;
/** 08:00 CET on a Tuesday: the weekday morning peak. */
const START_MS = Date.UTC(2026, 2, 10, 7, 0);
const COMPUTE_SEC = 300;

function referenceMs(): number {
  const buf = Buffer.alloc(1 << 20, 7);
  const t = performance.now();
  const h = createHash('sha256');
  for (let i = 0; i < 64; i++) h.update(buf);
  h.digest();
  return performance.now() - t;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function run(): Promise<BenchResult> {
  const ref0 = referenceMs();
  const controllers = ['fixed', ...STRATEGIES] as const;
  const results = new Map<string, CityRunResult[]>();
  for (const c of controllers) {
    const list: CityRunResult[] = [];
    for (const seed of SEEDS) {
      const r = runCity({ intersections: INTERSECTIONS, links: LINKS, seed, startMs: START_MS, controller: c, warmupSec: WARMUP_SEC, durationSec: MEASURE_SEC });
      list.push(r);
      console.error(`${c} seed ${seed}: ${r2(r.delayPerVehSec)} s/veh, ${Math.round(r.stops)} stops, ${Math.round(r.co2Kg)} kg CO2`);
    }
    results.set(c, list);
  }

  // The same configuration at other times of day (no per-scenario tuning): midday and evening peak.
  const otherTimes: [string, number][] = [
    ['midday', Date.UTC(2026, 2, 10, 11, 0)],
    ['eveningPeak', Date.UTC(2026, 2, 10, 16, 0)],
  ];
  const other = new Map<string, { fixed: CityRunResult[]; def: CityRunResult[] }>();
  for (const [name, startMs] of otherTimes) {
    const e = { fixed: [] as CityRunResult[], def: [] as CityRunResult[] };
    for (const seed of SEEDS.slice(0, 3)) {
      const base = { intersections: INTERSECTIONS, links: LINKS, seed, startMs, warmupSec: WARMUP_SEC, durationSec: MEASURE_SEC };
      e.fixed.push(runCity({ ...base, controller: 'fixed' }));
      e.def.push(runCity({ ...base, controller: DEFAULT_STRATEGY }));
    }
    other.set(name, e);
  }

  // Compute for the whole city: 550 installations, the default strategy.
  const all = [...INTERSECTIONS, ...generateOuterRing(DEFAULT_OUTER_RING_COUNT, 1)];
  const big = runCity({ intersections: all, links: LINKS, seed: 1, startMs: START_MS, controller: DEFAULT_STRATEGY, warmupSec: 60, durationSec: COMPUTE_SEC });
  const ref1 = referenceMs();
  const refMs = (ref0 + ref1) / 2;

  const metrics: BenchResult['metrics'] = {};
  const ratios: BenchResult['ratios'] = {};
  const f = results.get('fixed')!;
  const fixedDelay = mean(f.map((r) => r.delayPerVehSec));
  const fixedStops = mean(f.map((r) => r.stops));
  const fixedCo2 = mean(f.map((r) => r.co2Kg));
  for (const c of controllers) {
    const rs = results.get(c)!;
    const d = rs.map((r) => r.delayPerVehSec);
    const key = c.replace('-', '');
    metrics[`${key}_delayPerVehSec_mean`] = r2(mean(d));
    metrics[`${key}_delayPerVehSec_sd`] = r2(sd(d));
    metrics[`${key}_delayVehH_mean`] = r2(mean(rs.map((r) => r.delayVehH)));
    metrics[`${key}_stops_mean`] = Math.round(mean(rs.map((r) => r.stops)));
    metrics[`${key}_stops_sd`] = Math.round(sd(rs.map((r) => r.stops)));
    metrics[`${key}_stopsPerVeh_mean`] = r3(mean(rs.map((r) => r.stopsPerVeh)));
    metrics[`${key}_co2Kg_mean`] = r2(mean(rs.map((r) => r.co2Kg)));
    metrics[`${key}_co2Kg_sd`] = r2(sd(rs.map((r) => r.co2Kg)));
    metrics[`${key}_throughputVeh_mean`] = Math.round(mean(rs.map((r) => r.throughputVeh)));
    if (c !== 'fixed') {
      metrics[`${key}_acksRefused`] = rs.reduce((s, r) => s + r.acksRefused, 0);
      metrics[`${key}_safetyInterventions`] = rs.reduce((s, r) => s + r.safetyInterventions, 0);
      metrics[`${key}_adaptiveShare`] = r3(mean(rs.map((r) => r.adaptiveShare)));
      ratios[`${key}_delay_vs_fixed`] = r3(mean(d) / fixedDelay);
      ratios[`${key}_stops_vs_fixed`] = r3(mean(rs.map((r) => r.stops)) / fixedStops);
      ratios[`${key}_co2_vs_fixed`] = r3(mean(rs.map((r) => r.co2Kg)) / fixedCo2);
      // Per seed: how often the strategy beats fixed time on delay.
      metrics[`${key}_seedsBeatingFixed`] = rs.filter((r, i) => r.delayPerVehSec < f[i]!.delayPerVehSec).length;
    }
  }
  for (const [name, e] of other) {
    const fd = mean(e.fixed.map((r) => r.delayPerVehSec));
    const dd = mean(e.def.map((r) => r.delayPerVehSec));
    metrics[`${name}_fixed_delayPerVehSec_mean`] = r2(fd);
    metrics[`${name}_default_delayPerVehSec_mean`] = r2(dd);
    ratios[`${name}_default_delay_vs_fixed`] = r3(dd / fd);
    ratios[`${name}_default_stops_vs_fixed`] = r3(mean(e.def.map((r) => r.stops)) / mean(e.fixed.map((r) => r.stops)));
    ratios[`${name}_default_co2_vs_fixed`] = r3(mean(e.def.map((r) => r.co2Kg)) / mean(e.fixed.map((r) => r.co2Kg)));
  }
  metrics.seeds = SEEDS.join(',');
  metrics.measuredModelSec = MEASURE_SEC;
  metrics.defaultStrategy = DEFAULT_STRATEGY;
  metrics.cityInstallations = all.length;
  metrics.cityOptimiserMsPerModelSec = r3(big.optimiserMsPerSec);
  ratios.cityOptimiserMsPerRefMs = r3(big.optimiserMsPerSec / refMs);
  const def = DEFAULT_STRATEGY.replace('-', '');
  const defRatio = ratios[`${def}_delay_vs_fixed`]!;
  return {
    metrics,
    reference: { fixedDelayPerVehSec: r2(fixedDelay), sha256_64MiB_ms: Math.round(refMs) },
    ratios,
    targets: {
      defaultBeatsFixedDelay: { value: '< 1.0 × fixed', met: defRatio < 1 },
      defaultDelay30PctBelowFixed: { value: '<= 0.70 × fixed (issue 8)', met: defRatio <= 0.7 },
      defaultNoMoreStopsThanFixed: { value: '<= 1.0 × fixed', met: ratios[`${def}_stops_vs_fixed`]! <= 1 },
      noUnsafeCommandRefused: { value: 0, met: Number(metrics[`${def}_acksRefused`]) === 0 },
      cityComputeMsPerSec: { value: '< 50 ms per model second, 550 installations', met: big.optimiserMsPerSec < 50 },
    },
    notes: [
      `Inner city (${INTERSECTIONS.length} installations), from 08:00 local on a weekday, ${WARMUP_SEC} s warm-up on fixed time then ${MEASURE_SEC} s measured, seeds ${SEEDS.join(',')}.`,
      `midday_* (12:00 local) and eveningPeak_* (17:00 local): the same default configuration, seeds ${SEEDS.slice(0, 3).join(',')}, fixed time vs the default strategy.`,
      'Delay, stops and CO2 are the simulator ground truth (TlsTruth) summed over all installations; delay per vehicle = total delay / vehicles through the stop lines.',
      'Every optimiser command went through server/optimise/safety.ts and the controllers\' stage() (the StageCommand path); acksRefused counts commands a controller refused.',
      'Bus delay with transit priority is not measured here: the built-in traffic model has no buses on its links (sim/devices/transit.ts runs separately).',
      'The SUMO scenarios (issue 7 harness) are not part of this run.',
    ],
  };
}
