/**
 * Simulator benchmark (issue: city simulator).
 *   realTimeCpuPct: the full city (550 controllers + detectors, ~400 transit vehicles, garages,
 *     46,000 lamps, environment, drone) at SIM_SPEED 1 against a broker, CPU of the simulator
 *     process over 60 s, in % of one core. Target < 25 %.
 *   evalSpeedNoMqtt: the inner-city network (61 real installations, model + controllers) as fast
 *     as possible without MQTT, model seconds per wall second. Target >= 100.
 *   evalSpeedWithHub: the same network as fast as possible through a broker with the hub in the
 *     loop ingesting every message. Target >= 20.
 * Reference (same run): a fixed CPU workload (sha256 over 64 MiB) to show how fast this machine
 * was at the time; ratios are normalised by it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../server/config.ts';
import { createHub } from '../server/hub.ts';
import { createLogger } from '../server/log.ts';
import { INTERSECTIONS, LINKS } from '../sim/city/duisburg.ts';
import { CitySim } from '../sim/devices/controller.ts';
import { runTrafficSim } from '../sim/traffic-run.ts';
import type { BenchResult } from './run.ts';

const REAL_TIME_SEC = Number(process.env.BENCH_SIM_SEC ?? 60);
const EVAL_MODEL_SEC = 3600;

function referenceMs(): number {
  const buf = Buffer.alloc(1 << 20, 7);
  const t = performance.now();
  const h = createHash('sha256');
  for (let i = 0; i < 64; i++) h.update(buf);
  h.digest();
  return performance.now() - t;
}

/** CPU seconds (user + system) of a process, from /proc (Linux). */
function procCpuSec(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

export async function run(): Promise<BenchResult> {
  const ref0 = referenceMs();
  const dir = mkdtempSync(join(tmpdir(), 'bench-sim-'));
  try {
    // 1. Eval without MQTT: inner city, model + controllers.
    const citySim = new CitySim({ intersections: INTERSECTIONS, links: LINKS, seed: 1, startMs: Date.UTC(2026, 10, 18, 6, 0) });
    let t = performance.now();
    for (let i = 0; i < EVAL_MODEL_SEC; i++) citySim.step();
    const evalSpeedNoMqtt = EVAL_MODEL_SEC / ((performance.now() - t) / 1000);

    // 2. Eval with the hub in the loop: embedded broker, hub in this process, sim as fast as possible.
    const hub = await createHub(loadConfig({ MQTT_PORT: '0', SIM: 'off', DATA_DIR: join(dir, 'hub1'), LOG_LEVEL: 'warn' }), createLogger('warn'));
    const modelSec = 1800;
    t = performance.now();
    const ts = await runTrafficSim({ url: hub.mqttUrl, speed: 1, seed: 1, intersections: INTERSECTIONS, links: LINKS, asFastAsPossible: true, durationSec: modelSec, modelStartMs: Date.UTC(2026, 10, 18, 6, 0) });
    await ts.done;
    const evalSpeedWithHub = modelSec / ((performance.now() - t) / 1000);
    await ts.stop();
    const accepted = (await hub.metrics.messages.get()).values.find((v) => v.labels.kind === 'tls' && v.labels.result === 'accepted')?.value ?? 0;
    await hub.close();

    // 3. Real time, full city, simulator in its own process; CPU of that process.
    const hub2 = await createHub(loadConfig({ MQTT_PORT: '0', SIM: 'off', DATA_DIR: join(dir, 'hub2'), LOG_LEVEL: 'warn' }), createLogger('warn'));
    const child = spawn(process.execPath, [join(import.meta.dirname, '_simproc.ts'), hub2.mqttUrl, '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => createInterface({ input: child.stdout! }).once('line', () => r()));
    await new Promise((r) => setTimeout(r, 10_000)); // warm-up: metas, first lamp heartbeats
    const cpu0 = procCpuSec(child.pid!);
    const m0 = (await hub2.metrics.messages.get()).values.reduce((s, v) => s + v.value, 0);
    await new Promise((r) => setTimeout(r, REAL_TIME_SEC * 1000));
    const cpuPct = ((procCpuSec(child.pid!) - cpu0) / REAL_TIME_SEC) * 100;
    const msgs = (await hub2.metrics.messages.get()).values.reduce((s, v) => s + v.value, 0) - m0;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await hub2.close();

    const ref1 = referenceMs();
    const refMs = (ref0 + ref1) / 2;
    return {
      metrics: {
        realTimeCpuPct: Math.round(cpuPct * 10) / 10,
        realTimeMsgPerSec: Math.round(msgs / REAL_TIME_SEC),
        realTimeSeconds: REAL_TIME_SEC,
        evalSpeedNoMqtt: Math.round(evalSpeedNoMqtt),
        evalSpeedWithHub: Math.round(evalSpeedWithHub * 10) / 10,
        evalHubAcceptedMsgs: accepted,
        innerCityInstallations: INTERSECTIONS.length,
      },
      reference: { sha256_64MiB_ms: Math.round(refMs) },
      ratios: {
        realTimeCpuPctPerRefSec: Math.round((cpuPct / (refMs / 1000)) * 10) / 10,
        evalSpeedNoMqttTimesRefSec: Math.round(evalSpeedNoMqtt * (refMs / 1000)),
      },
      targets: {
        realTimeCpuPct: { value: '< 25', met: cpuPct < 25 },
        evalSpeedNoMqtt: { value: '>= 100', met: evalSpeedNoMqtt >= 100 },
        evalSpeedWithHub: { value: '>= 20', met: evalSpeedWithHub >= 20 },
      },
      notes: [
        'realTime: the whole city as `npm start` runs it, at a weekday 08:00 peak (model time), 60 s after a 10 s warm-up, CPU of the simulator process only.',
        'evalSpeedWithHub: signal controllers + detectors + truth for the 61 inner-city installations, hub ingesting all of it in this process.',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
