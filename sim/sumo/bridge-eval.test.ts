/**
 * The `hub` controller of the evaluation harness: a real in-process hub and the bridge in lock-step
 * on the harness's TraCI connection. With the hub in fixed mode (it sends no commands) the bridge
 * must be transparent: the same trips, to the hundredth of a second, as SUMO's own fixed-time run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubController, parseControllerArgs } from './bridge-eval.ts';
import { fixedController } from './eval/controllers.ts';
import { runEval } from './eval/run.ts';
import { makeTestNet, sumoAvailable, type TestNet } from './testnet.ts';

const hasSumo = await sumoAvailable();
if (!hasSumo) console.warn('bridge-eval.test.ts: sumo not on PATH; skipped');

describe('hub controller flags', () => {
  it('reads --hub-env and --lockstep-timeout-ms, refuses anything else', () => {
    expect(parseControllerArgs(['--hub-env', 'A=1', '--hub-env', 'B=x=y', '--lockstep-timeout-ms', '500'])).toEqual({ hubEnv: { A: '1', B: 'x=y' }, lockstepTimeoutMs: 500, lockstepAwait: 'adaptive' });
    // A hub in auto answers every second: lock-step waits for every signal unless told otherwise.
    expect(parseControllerArgs(['--hub-env', 'CONTROL_DEFAULT_MODE=auto'])).toMatchObject({ lockstepAwait: 'all', lockstepTimeoutMs: 5000 });
    expect(parseControllerArgs(['--hub-env', 'CONTROL_DEFAULT_MODE=auto', '--lockstep-await', 'adaptive']).lockstepAwait).toBe('adaptive');
    expect(() => parseControllerArgs(['--lockstep-await', 'some'])).toThrow(/all or adaptive/);
    expect(() => parseControllerArgs(['--hub-env', 'novalue'])).toThrow(/KEY=VALUE/);
    expect(() => parseControllerArgs(['--bogus'])).toThrow(/unknown/);
  });
});

describe.skipIf(!hasSumo)('hub controller on the generated grid', { timeout: 180_000 }, () => {
  let tn: TestNet;
  let work: string;
  beforeAll(async () => {
    tn = await makeTestNet({ size: 3, endSec: 600, vehiclesPerHour: 1200 });
    work = mkdtempSync(join(tmpdir(), 'sumo-hub-eval-'));
  }, 60_000);
  afterAll(async () => {
    await tn?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reproduces the fixed-time run exactly (the bridge is transparent)', async () => {
    const fixed = await runEval({ scenario: tn.sumocfg, controller: fixedController(), seeds: [1, 2], parallel: 1, workDir: join(work, 'fixed') });
    const hubCtl = createHubController({ scenarioPath: tn.sumocfg, extraArgs: [] });
    const hub = await runEval({ scenario: tn.sumocfg, controller: hubCtl, seeds: [1, 2], parallel: 1, workDir: join(work, 'hub') });
    expect(hub.controller).toBe('hub');
    expect(hubCtl.stats.seeds).toBe(2);
    expect(hubCtl.stats.commands).toBe(0);
    expect(hubCtl.stats.setStates).toBe(0);
    expect(fixed.perSeed.some((s) => s.delay > 0)).toBe(true);
    for (let i = 0; i < 2; i++) {
      const f = fixed.perSeed[i]!;
      const h = hub.perSeed[i]!;
      expect([h.delay, h.duration, h.waiting, h.neverDeparted]).toEqual([f.delay, f.duration, f.waiting, f.neverDeparted]);
    }
  });

  it('with the optimiser in auto: every second answered, nothing refused, the same numbers twice', { timeout: 600_000 }, async () => {
    const runs: { r: Awaited<ReturnType<typeof runEval>>; commands: number; setStates: number }[] = [];
    for (const name of ['a', 'b']) {
      const ctl = createHubController({ scenarioPath: tn.sumocfg, extraArgs: ['--hub-env', 'CONTROL_DEFAULT_MODE=auto'] });
      const r = await runEval({ scenario: tn.sumocfg, controller: ctl, seeds: [1], parallel: 1, workDir: join(work, `auto-${name}`) });
      // 9 signals answered every second of the 600 s run (lock-step waits for all of them).
      expect(ctl.stats.commands).toBeGreaterThanOrEqual(9 * 590);
      expect(ctl.stats.refused).toBe(0);
      expect(ctl.stats.refusedByCode).toEqual({});
      expect(ctl.stats.lockstepTimeouts).toBe(0);
      expect(ctl.stats.setStates).toBeGreaterThan(0);
      runs.push({ r, commands: ctl.stats.commands, setStates: ctl.stats.setStates });
    }
    const [a, b] = runs;
    expect(a!.r.perSeed[0]!.delay).toBeGreaterThan(0);
    const key = (x: (typeof runs)[number]) => {
      const m = x.r.perSeed[0]!;
      return [m.delay, m.duration, m.waiting, m.neverDeparted, x.commands, x.setStates];
    };
    expect(key(b!)).toEqual(key(a!));
  });
});
