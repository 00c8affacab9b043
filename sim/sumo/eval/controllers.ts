// Built-in controllers of the harness (interface: ./controller.ts).
//   fixed    — the network's static tlLogic programs, nothing added.
//   actuated — SUMO's gap-based actuated control from tls_actuated.add.xml beside the sumocfg
//              (generated from the network when missing, see ./actuated.ts).
// withTraciStepping() wraps either so the same run goes through our TraCI client, stepping
// second by second without control: proves the client gives identical results and measures its
// overhead (wallSec) — the path the hub controller takes.

import * as C from '../traci/constants.ts';
import type { TraciClient } from '../traci/client.ts';
import { TraciError } from '../traci/errors.ts';
import { ensureActuatedFile } from './actuated.ts';
import type { EvalController, EvalRunContext } from './controller.ts';

export function fixedController(): EvalController {
  return { name: 'fixed', sumoArgs: () => [] };
}

export function actuatedController(): EvalController {
  const files = new Map<string, Promise<string>>();
  return {
    name: 'actuated',
    async sumoArgs(ctx: EvalRunContext) {
      let file = files.get(ctx.scenarioPath);
      if (!file) {
        // generated once per scenario even when seeds start in parallel
        file = ensureActuatedFile(ctx.scenarioDir, ctx.netFile, ctx.workDir, ctx.log);
        files.set(ctx.scenarioPath, file);
      }
      const additional = await file;
      // The sumocfg may already list additional files; a second --additional-files on the command
      // line would replace them, so they are joined.
      return ['--additional-files', [...ctx.additionalFiles, additional].join(',')];
    },
  };
}

/** Steps `traci` one second at a time from the current time to ctx.endSec, no control. */
export async function stepToEnd(traci: TraciClient, ctx: EvalRunContext): Promise<void> {
  await traci.simulation.subscribe([C.VAR_TIME]);
  let t = await traci.simulation.getTime();
  while (t < ctx.endSec) {
    const target = Math.min(Math.floor(t) + 1, ctx.endSec);
    const r = await traci.simulationStep(target);
    const now = r.number(C.CMD_GET_SIM_VARIABLE, '', C.VAR_TIME);
    if (!(now > t)) throw new TraciError('protocol', `simulation did not advance past ${t}s`);
    t = now;
  }
}

export function withTraciStepping(inner: EvalController): EvalController {
  return {
    name: inner.name,
    sumoArgs: (ctx) => inner.sumoArgs(ctx),
    run: inner.run ?? stepToEnd,
    close: inner.close,
  };
}
