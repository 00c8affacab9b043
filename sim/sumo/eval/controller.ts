// Controller plug-in interface of the SUMO evaluation harness (issue 7).
//
// The harness (sim/sumo/eval/run.ts) owns everything that makes runs comparable with published
// numbers (../shared/scenarios/sumo/README.md): the sumocfg window, `--time-to-teleport -1`,
// tripinfo output incl. unfinished trips, `--seed N`, the metrics. A controller only says how the
// signals are driven:
//
//   - `sumoArgs(ctx)`: extra sumo command-line arguments (e.g. `--additional-files X` for SUMO's own
//     actuated control). Must not repeat the options the harness sets.
//   - `run(traci, ctx)` (optional): when present the harness starts sumo with `--remote-port` on a
//     free port, connects a TraciClient (sim/sumo/traci/client.ts, handshake done) and calls run().
//     run() drives the simulation: it MUST advance it to `ctx.endSec` (e.g. `await
//     traci.simulationStep(t)` for t = begin+1 .. end, deciding at most every second) and resolve.
//     The harness then closes the connection (which makes sumo write the tripinfo file and exit) —
//     run() must NOT close the client itself. Throwing fails the seed with the error.
//     Without run(), sumo runs standalone (fastest, no TraCI).
//   - `close()` (optional): called once after all seeds (release MQTT clients, hubs, ...).
//
// Seeds can run in parallel (up to the core count): run() may be called concurrently for different
// seeds with different clients and contexts; keep per-seed state inside run() or keyed by ctx.seed.
//
// The hub controller is provided by the SUMO bridge (SUMO-B): the CLI resolves
// `--controller hub` by importing `sim/sumo/bridge-eval.ts` and calling its exported
// `createHubController(options: HubControllerOptions): EvalController | Promise<EvalController>`.
// Until that module exists the CLI exits with a clear message.

import type { TraciClient } from '../traci/client.ts';

export type EvalRunContext = {
  /** absolute path of the .sumocfg */
  scenarioPath: string;
  /** directory of the .sumocfg (additional files are resolved against it) */
  scenarioDir: string;
  /** scenario name: the sumocfg's file name without extension, e.g. "grid4x4" */
  scenarioName: string;
  /** absolute path of the network file named in the sumocfg */
  netFile: string;
  /** absolute paths of the route files named in the sumocfg */
  routeFiles: string[];
  /** absolute paths of the additional files named in the sumocfg (an `--additional-files` argument
   *  replaces them, so a controller adding its own must repeat these) */
  additionalFiles: string[];
  seed: number;
  /** simulation window from the sumocfg (<begin>/<end>), seconds */
  beginSec: number;
  endSec: number;
  /** per-seed scratch directory (tripinfo lands here); the controller may write files here */
  workDir: string;
  /** progress/diagnostic line, printed by the CLI on stderr */
  log(message: string): void;
};

export type EvalController = {
  /** written to the result JSON as `controller` */
  name: string;
  sumoArgs(ctx: EvalRunContext): string[] | Promise<string[]>;
  run?(traci: TraciClient, ctx: EvalRunContext): Promise<void>;
  close?(): Promise<void>;
};

/** Options the CLI passes to `createHubController` (sim/sumo/bridge-eval.ts, SUMO-B). */
export type HubControllerOptions = {
  scenarioPath: string;
  /** remaining CLI arguments the harness did not consume, for controller-specific flags */
  extraArgs: string[];
};
