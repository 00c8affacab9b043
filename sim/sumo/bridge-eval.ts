/**
 * The `hub` controller of the evaluation harness (`npm run eval -- --controller hub`, interface in
 * sim/sumo/eval/controller.ts): per seed a hub process with its embedded broker plus the SUMO bridge in lock-step on the harness's TraCI
 * connection. The hub decides; the bridge only reports and carries out commands through the
 * signal-safety layer. With the hub in fixed mode (no commands) the bridge never touches SUMO's
 * signals, so `hub` must reproduce `fixed` exactly: that proves the bridge transparent.
 *
 * Layering: sim/ never imports server/: the hub runs as a child process (server/headless.ts) and
 * the two meet only over MQTT, exactly as a real city's controllers meet the hub.
 *
 * Controller flags (after the harness's own): `--hub-env KEY=VALUE` (repeatable) sets hub config
 * variables (e.g. to switch its optimiser on once server/optimise has a switch);
 * `--lockstep-timeout-ms N` (default 2000, 5000 with `all`); `--lockstep-await all|adaptive` (default: `all` when
 * the hub runs with CONTROL_DEFAULT_MODE=auto, so it answers every second and SUMO never runs ahead
 * of it; else `adaptive`, see BridgeOptions.lockstepAwait).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalController, EvalRunContext, HubControllerOptions } from './eval/controller.ts';
import type { TraciClient } from './traci/client.ts';
import { SumoBridge } from './bridge.ts';
import { writeDetectorsFile } from './detectors.ts';
import { loadSumoNetwork, type SumoNetwork } from './net/derive.ts';

interface HubProcess {
  mqttUrl: string;
  close(): Promise<void>;
}

/**
 * Starts a hub as a child process (`server/headless.ts`: sim/ never imports server/) with its
 * embedded broker on a free port, no simulator, a throw-away data dir, and the per-device flood
 * limit off (lock-step runs far faster than real time on purpose).
 */
export async function startHubProcess(env: Record<string, string> = {}): Promise<HubProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sumo-eval-hub-'));
  const entry = fileURLToPath(new URL('../../server/headless.ts', import.meta.url));
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', MQTT_PORT: '0', SIM: 'off', DATA_DIR: dataDir, LOG_LEVEL: 'warn', DEMO_ACCOUNTS: 'off', DEVICE_RATE_PER_SEC: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<{ mqttUrl: string }>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.includes('"ready":true'));
      if (line) resolve(JSON.parse(line) as { mqttUrl: string });
    });
    child.once('exit', (code) => reject(new Error(`the hub process exited with code ${code} before it was ready`)));
  });
  return {
    mqttUrl: ready.mqttUrl,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface HubControllerStats {
  seeds: number;
  commands: number;
  refused: number;
  lockstepTimeouts: number;
  setStates: number;
  refusedByCode: Record<string, number>;
}

export function parseControllerArgs(extra: readonly string[]): { hubEnv: Record<string, string>; lockstepTimeoutMs: number; lockstepAwait: 'adaptive' | 'all' } {
  const hubEnv: Record<string, string> = {};
  let lockstepTimeoutMs: number | undefined;
  let lockstepAwait: 'adaptive' | 'all' | undefined;
  for (let i = 0; i < extra.length; i++) {
    const a = extra[i]!;
    if (a === '--hub-env') {
      const kv = extra[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`--hub-env needs KEY=VALUE (got "${kv}")`);
      hubEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '--lockstep-timeout-ms') {
      lockstepTimeoutMs = Number(extra[++i]);
      if (!(lockstepTimeoutMs > 0)) throw new Error('--lockstep-timeout-ms needs a positive number');
    } else if (a === '--lockstep-await') {
      const v = extra[++i];
      if (v !== 'all' && v !== 'adaptive') throw new Error('--lockstep-await needs all or adaptive');
      lockstepAwait = v;
    } else throw new Error(`unknown hub controller flag ${a}`);
  }
  const await_ = lockstepAwait ?? (hubEnv.CONTROL_DEFAULT_MODE === 'auto' ? 'all' : 'adaptive');
  // Waiting on every signal, a timeout means a hub slower than usual (a loaded machine), and an
  // answer after it would land on a later second: wait longer, but well inside the hub's 15-s
  // wall-clock liveness (server/fusion/liveness.ts), past which it would fall back to fixed time.
  return { hubEnv, lockstepTimeoutMs: lockstepTimeoutMs ?? (await_ === 'all' ? 5000 : 2000), lockstepAwait: await_ };
}

export function createHubController(options: HubControllerOptions): EvalController & { stats: HubControllerStats } {
  const { hubEnv, lockstepTimeoutMs, lockstepAwait } = parseControllerArgs(options.extraArgs);
  const nets = new Map<string, Promise<SumoNetwork>>();
  const stats: HubControllerStats = { seeds: 0, commands: 0, refused: 0, lockstepTimeouts: 0, setStates: 0, refusedByCode: {} };
  const netOf = (ctx: EvalRunContext) => {
    let n = nets.get(ctx.netFile);
    if (!n) nets.set(ctx.netFile, (n = loadSumoNetwork(ctx.netFile)));
    return n;
  };
  return {
    name: 'hub',
    stats,
    async sumoArgs(ctx) {
      const file = writeDetectorsFile(await netOf(ctx), join(ctx.workDir, 'bridge-detectors.add.xml'));
      return ['--additional-files', [...ctx.additionalFiles, file].join(',')];
    },
    async run(traci: TraciClient, ctx: EvalRunContext) {
      const net = await netOf(ctx);
      const hub = await startHubProcess(hubEnv);
      const bridge = new SumoBridge({ traci, net, mqttUrl: hub.mqttUrl, beginSec: ctx.beginSec, endSec: ctx.endSec, lockstep: true, lockstepTimeoutMs, lockstepAwait, log: ctx.log });
      try {
        await bridge.start();
        const s = await bridge.run(ctx.endSec);
        stats.seeds++;
        stats.commands += s.commands;
        stats.refused += s.refused;
        stats.lockstepTimeouts += s.lockstepTimeouts;
        stats.setStates += s.setStates;
        for (const [code, n] of Object.entries(s.refusedByCode)) stats.refusedByCode[code] = (stats.refusedByCode[code] ?? 0) + n;
        const codes = Object.entries(s.refusedByCode).map(([c, n]) => `${c} ${n}`).join(', ');
        ctx.log(`bridge: ${s.steps} steps, ${s.commands} commands (${s.refused} refused${codes ? `: ${codes}` : ''}), ${s.setStates} state sets, ${s.lockstepWaits} lock-step waits, ${s.lockstepTimeouts} lock-step timeouts`);
      } finally {
        await bridge.close();
        await hub.close();
      }
    },
  };
}
