// Runs a scenario over seeds with one controller and summarises the metrics. Every run uses exactly
// the options of ../shared/scenarios/sumo/README.md so numbers compare with published ones:
// `--time-to-teleport -1 --tripinfo-output F --tripinfo-output.write-unfinished --seed N` over the
// sumocfg window.

import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import path from 'node:path';
import { startSumo, sumoEnv } from '../traci/spawn.ts';
import * as C from '../traci/constants.ts';
import type { EvalController, EvalRunContext } from './controller.ts';
import { readDemand, type Demand } from './demand.ts';
import { computeMetrics, meanSd, readTripinfo, type RunMetrics } from './metrics.ts';
import { readSumoConfig, type SumoConfig } from './sumocfg.ts';

export type SeedResult = RunMetrics & { seed: number; wallSec: number; tripinfoFile: string | null };

export type Stat = { mean: number; sd: number };

export type EvalResult = {
  scenario: string;
  scenarioPath: string;
  controller: string;
  traci: boolean;
  seeds: number[];
  window: { beginSec: number; endSec: number };
  delay: Stat;
  /** diagnostic: delay over tripinfo records only, without charging never-departed vehicles */
  delayDeparted: Stat;
  duration: Stat;
  waiting: Stat;
  neverDeparted: Stat;
  /** wall time of the whole evaluation (seeds in parallel) */
  wallSec: number;
  /** sum of the per-seed wall times (comparable across parallelism) */
  seedWallSecTotal: number;
  parallel: number;
  date: string;
  machine: Record<string, unknown>;
  sumoOptions: string[];
  perSeed: SeedResult[];
};

export type EvalOptions = {
  scenario: string;
  controller: EvalController;
  seeds: number[];
  /** concurrent sumo processes (default: core count) */
  parallel?: number;
  /** where per-seed tripinfo files go (default a dir under os.tmpdir()) */
  workDir: string;
  /** keep tripinfo files after summarising (default false) */
  keepTripinfo?: boolean;
  log?: (m: string) => void;
};

export const SUMO_EVAL_OPTIONS = ['--time-to-teleport', '-1', '--tripinfo-output.write-unfinished'];

export function machineInfo(sumoVersion: string): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalGiB: Math.round(totalmem() / 2 ** 30),
    memFreeGiB: Math.round(freemem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    sumo: sumoVersion,
  };
}

function runProcess(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.SUMO_BINARY ?? 'sumo', args, { cwd, env: sumoEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const add = (d: Buffer) => {
      output += d.toString();
      if (output.length > 20_000) output = output.slice(-20_000);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

export async function sumoVersion(): Promise<string> {
  const { output } = await runProcess(['--version'], process.cwd());
  return /Version\s+(\S+)/.exec(output)?.[1] ?? 'unknown';
}

export async function runSeed(
  cfg: SumoConfig,
  demand: Demand,
  controller: EvalController,
  seed: number,
  workDir: string,
  log: (m: string) => void,
): Promise<SeedResult> {
  const seedDir = path.join(workDir, `${cfg.name}-${controller.name}-seed${seed}`);
  await mkdir(seedDir, { recursive: true });
  const tripinfoFile = path.join(seedDir, 'tripinfo.xml');
  const ctx: EvalRunContext = {
    scenarioPath: cfg.path,
    scenarioDir: cfg.dir,
    scenarioName: cfg.name,
    netFile: cfg.netFile,
    routeFiles: cfg.routeFiles,
    additionalFiles: cfg.additionalFiles,
    seed,
    beginSec: cfg.beginSec,
    endSec: cfg.endSec,
    workDir: seedDir,
    log: (m) => log(`[${cfg.name} ${controller.name} seed ${seed}] ${m}`),
  };
  const args = [
    '-c', cfg.path,
    ...SUMO_EVAL_OPTIONS,
    '--tripinfo-output', tripinfoFile,
    '--seed', String(seed),
    '--no-step-log', 'true',
    ...(await controller.sumoArgs(ctx)),
  ];
  const t0 = performance.now();
  if (controller.run) {
    const session = await startSumo({ args, cwd: seedDir });
    try {
      await controller.run(session.traci, ctx);
      const now = await session.traci.simulation.getTime();
      if (now < cfg.endSec) throw new Error(`controller ${controller.name} stopped at ${now}s, window ends at ${cfg.endSec}s`);
    } catch (e) {
      session.process.kill('SIGKILL');
      throw new Error(`${cfg.name} seed ${seed}: ${(e as Error).message}\n${session.output().trim().slice(-1500)}`, { cause: e });
    }
    const code = await session.close();
    if (code !== 0) throw new Error(`${cfg.name} seed ${seed}: sumo exited with ${code}\n${session.output().trim().slice(-1500)}`);
  } else {
    const { code, output } = await runProcess(args, seedDir);
    if (code !== 0) throw new Error(`${cfg.name} seed ${seed}: sumo exited with ${code}\n${output.trim().slice(-1500)}`);
  }
  const wallSec = (performance.now() - t0) / 1000;
  const metrics = computeMetrics(await readTripinfo(tripinfoFile), demand.departures, cfg.endSec);
  log(
    `[${cfg.name} ${controller.name} seed ${seed}] delay ${metrics.delay.toFixed(1)} s, never departed ${metrics.neverDeparted}, ${wallSec.toFixed(1)} s wall`,
  );
  return { seed, ...metrics, wallSec: Math.round(wallSec * 1000) / 1000, tripinfoFile };
}

/** Runs all seeds (up to `parallel` at once) and summarises mean/sd per metric. */
export async function runEval(opts: EvalOptions): Promise<EvalResult> {
  const log = opts.log ?? (() => {});
  const cfg = await readSumoConfig(opts.scenario);
  const demand = await readDemand(cfg.routeFiles, cfg.beginSec, cfg.endSec);
  if (demand.unenumerableFlows.length) {
    log(`warning: random flows ${demand.unenumerableFlows.join(', ')} cannot be enumerated; their never-departed vehicles are not counted`);
  }
  const version = await sumoVersion();
  const parallel = Math.max(1, Math.min(opts.parallel ?? cpus().length, opts.seeds.length));
  const t0 = performance.now();
  const results: SeedResult[] = new Array(opts.seeds.length);
  let next = 0;
  const worker = async () => {
    while (next < opts.seeds.length) {
      const i = next++;
      results[i] = await runSeed(cfg, demand, opts.controller, opts.seeds[i]!, opts.workDir, log);
      const r = results[i]!;
      if (!opts.keepTripinfo && r.tripinfoFile) {
        await rm(path.dirname(r.tripinfoFile), { recursive: true, force: true });
        r.tripinfoFile = null;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const wallSec = (performance.now() - t0) / 1000;
  const pick = (k: 'delay' | 'delayDeparted' | 'duration' | 'waiting' | 'neverDeparted') => {
    const s = meanSd(results.map((r) => r[k]));
    return { mean: round(s.mean), sd: round(s.sd) };
  };
  return {
    scenario: cfg.name,
    scenarioPath: cfg.path,
    controller: opts.controller.name,
    traci: Boolean(opts.controller.run),
    seeds: opts.seeds,
    window: { beginSec: cfg.beginSec, endSec: cfg.endSec },
    delay: pick('delay'),
    delayDeparted: pick('delayDeparted'),
    duration: pick('duration'),
    waiting: pick('waiting'),
    neverDeparted: pick('neverDeparted'),
    wallSec: round(wallSec),
    seedWallSecTotal: round(results.reduce((a, r) => a + r.wallSec, 0)),
    parallel,
    date: new Date().toISOString(),
    machine: machineInfo(version),
    sumoOptions: [...SUMO_EVAL_OPTIONS, '--tripinfo-output', 'F', '--seed', 'N'],
    perSeed: results.map((r) => ({
      ...r,
      delay: round(r.delay),
      delayDeparted: round(r.delayDeparted),
      duration: round(r.duration),
      waiting: round(r.waiting),
    })),
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

