// CLI of the SUMO evaluation harness (issue 7):
//   npm run eval -- --scenario PATH.sumocfg [--controller fixed|actuated|hub] [--seeds 1-5]
//                   [--out FILE.json] [--traci] [--parallel N] [--work-dir DIR] [--keep-tripinfo]
// Defaults: controller fixed, seeds 1-5, out bench/results/eval-<scenario>-<controller>.json
// (eval-<scenario>-<controller>-traci.json with --traci, so the reference files are not overwritten),
// parallel = core count, work dir under the OS temp dir (tripinfo files removed unless --keep-tripinfo).
// Unknown flags are passed to the hub controller (sim/sumo/bridge-eval.ts).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EvalController, HubControllerOptions } from './eval/controller.ts';
import { actuatedController, fixedController, withTraciStepping } from './eval/controllers.ts';
import { runEval } from './eval/run.ts';

export class UsageError extends Error {}

export type CliOptions = {
  scenario: string;
  controller: string;
  seeds: number[];
  out: string | null;
  traci: boolean;
  parallel: number | undefined;
  workDir: string | null;
  keepTripinfo: boolean;
  extraArgs: string[];
};

/** "1-5", "1,3,7", "2-4,9" */
export function parseSeeds(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--seeds: cannot parse "${part}" (use e.g. 1-5 or 1,3,7)`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new UsageError(`--seeds: empty range "${part}"`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return [...new Set(out)];
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = {
    scenario: '',
    controller: 'fixed',
    seeds: [1, 2, 3, 4, 5],
    out: null,
    traci: false,
    parallel: undefined,
    workDir: null,
    keepTripinfo: false,
    extraArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--scenario': o.scenario = value(); break;
      case '--controller': o.controller = value(); break;
      case '--seeds': o.seeds = parseSeeds(value()); break;
      case '--out': o.out = value(); break;
      case '--traci': o.traci = true; break;
      case '--parallel': o.parallel = Number(value()); break;
      case '--work-dir': o.workDir = value(); break;
      case '--keep-tripinfo': o.keepTripinfo = true; break;
      default: o.extraArgs.push(a);
    }
  }
  if (!o.scenario) throw new UsageError('--scenario PATH.sumocfg is required');
  if (!['fixed', 'actuated', 'hub'].includes(o.controller)) {
    throw new UsageError(`--controller must be fixed, actuated or hub (got "${o.controller}")`);
  }
  if (o.parallel !== undefined && !(Number.isInteger(o.parallel) && o.parallel > 0)) throw new UsageError('--parallel must be a positive integer');
  return o;
}

const HUB_MODULE = new URL('./bridge-eval.ts', import.meta.url);

async function hubController(o: CliOptions): Promise<EvalController> {
  if (!existsSync(HUB_MODULE)) {
    throw new UsageError(
      '--controller hub needs the SUMO bridge (sim/sumo/bridge-eval.ts exporting createHubController), which is not installed yet',
    );
  }
  const mod = (await import(HUB_MODULE.href)) as {
    createHubController?: (opts: HubControllerOptions) => EvalController | Promise<EvalController>;
  };
  if (typeof mod.createHubController !== 'function') {
    throw new UsageError('sim/sumo/bridge-eval.ts does not export createHubController(options)');
  }
  return mod.createHubController({ scenarioPath: path.resolve(o.scenario), extraArgs: o.extraArgs });
}

export async function main(argv: string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`eval: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (!existsSync(o.scenario)) {
    console.error(`eval: scenario ${o.scenario} not found`);
    return 2;
  }
  let controller: EvalController;
  try {
    controller =
      o.controller === 'hub' ? await hubController(o) : o.controller === 'actuated' ? actuatedController() : fixedController();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`eval: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (o.extraArgs.length && o.controller !== 'hub') {
    console.error(`eval: unknown arguments ${o.extraArgs.join(' ')}`);
    return 2;
  }
  if (o.traci) controller = withTraciStepping(controller);
  const scenarioName = path.basename(o.scenario).replace(/\.sumocfg$/, '');
  const out = path.resolve(o.out ?? `bench/results/eval-${scenarioName}-${o.controller}${o.traci && o.controller !== 'hub' ? '-traci' : ''}.json`);
  const workDir = o.workDir ? path.resolve(o.workDir) : await mkdtemp(path.join(tmpdir(), 'sumo-eval-'));
  await mkdir(workDir, { recursive: true });
  try {
    const result = await runEval({
      scenario: o.scenario,
      controller,
      seeds: o.seeds,
      parallel: o.parallel,
      workDir,
      keepTripinfo: o.keepTripinfo,
      log: (m) => console.error(m),
    });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, JSON.stringify(result, null, 2) + '\n');
    console.log(
      `${result.scenario} ${result.controller}${result.traci ? ' (traci)' : ''}: delay ${result.delay.mean.toFixed(1)} ± ${result.delay.sd.toFixed(1)} s, ` +
        `never departed ${result.neverDeparted.mean}, ${result.wallSec.toFixed(1)} s wall -> ${path.relative(process.cwd(), out)}`,
    );
    return 0;
  } finally {
    await controller.close?.();
    if (!o.workDir && !o.keepTripinfo) await rm(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
