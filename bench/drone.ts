/**
 * Drone video benchmark: the hub (createHub: embedded Aedes broker, MQTT ingest, video relay,
 * Socket.IO) in this process; in other processes two drones publishing 1280x720 JPEG frames at
 * 10 fps, 20 `fire` dashboards (15 on a fast link, 5 behind a throttled TCP proxy: a slow link),
 * one `wall` display that tries to subscribe, and the reference: a plain MQTT subscriber to the
 * same frames (what the network delivers without the hub's relay).
 *   fastFps        frames per second per drone at a fast client (mean over clients; target >= 9.5)
 *   p95Ms          capture -> client receive, fast clients (one machine, one clock; target < 150)
 *   slowMaxAgeMs   oldest frame a slow client received in the window; slowAgeGrowthMs: max age in
 *                  the last third minus the first third (latest frame wins: no growing delay)
 *   wallFrames     frames the wall display received (must be 0)
 *   hubCpuPct      hub process CPU over the window, percent of one core (includes the broker)
 *   heapGrowthMB   hub heap at the end minus at the start of the window (flat memory)
 * Auth: a random per-run token checked by a bench-only Authenticator (never a product default).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal, Role } from '../protocol/index.ts';
import { loadConfig } from '../server/config.ts';
import { createHub } from '../server/hub.ts';
import { createLogger } from '../server/log.ts';
import type { BenchResult } from './run.ts';

const DRONES = 2;
const FPS = 10;
const WIDTH = 1280;
const HEIGHT = 720;
const FAST = 15;
const SLOW = 5;
/** The slow link: 4 Mbit/s hub -> client (a congested LTE uplink at the incident). */
const SLOW_BYTES_PER_SEC = 500_000;
const WARMUP_SEC = 4;
const MEASURE_SEC = Number(process.env.BENCH_DRONE_SEC ?? 15);

const token = randomUUID();
const benchAuth = {
  principalOf: (req: IncomingMessage): Principal | null => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    if (q.get('bench') !== token) return null;
    const role = (q.get('role') ?? 'fire') as Role;
    return { kind: role === 'wall' ? 'display' : 'user', name: `bench-${role}`, role };
  },
};

interface ClientStat {
  kind: 'fast' | 'slow' | 'wall' | 'mqtt';
  frames: number;
  lat: number[];
  ages: [number, number][];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const r1 = (x: number) => Math.round(x * 10) / 10;

function spawn(args: string[], file: string): Promise<{ child: ChildProcess; ready: { meanBytes?: number; renderMs?: number; frameMs?: number } }> {
  const child = fork(join(import.meta.dirname, file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((res, rej) => {
    const to = setTimeout(() => rej(new Error(`${file} not ready in 90 s`)), 90_000);
    child.on('message', (m: { type: string; meanBytes?: number; renderMs?: number; frameMs?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(to);
        res({ child, ready: m });
      }
    });
    child.on('exit', (code) => code && rej(new Error(`${file} exited ${code}`)));
  });
}
const ask = <T>(c: ChildProcess, cmd: object): Promise<T> =>
  new Promise((res) => {
    const on = (m: { type: string }) => {
      if (m.type === 'report') {
        c.off('message', on);
        res(m as T);
      }
    };
    c.on('message', on);
    c.send(cmd);
  });

export async function run(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-drone-'));
  const config = loadConfig({ MQTT_PORT: '0', SIM: 'off', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ADMIN_USER: 'bench-admin', ADMIN_PASSWORD: randomUUID() });
  const hub = await createHub(config, createLogger('warn'));
  const http = createServer((req, res) => hub.handle(req, res, () => res.writeHead(404).end()));
  hub.attach(http, benchAuth);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const procs: ChildProcess[] = [];
  try {
    const pub = await spawn([hub.mqttUrl, String(DRONES), String(FPS), String(WIDTH), String(HEIGHT)], '_drone_publisher.ts');
    procs.push(pub.child);
    const ref = await spawn(['mqtt', hub.mqttUrl], '_drone_client.ts');
    const a = await spawn(['sio', url, token, String(Math.ceil(FAST / 2)), String(Math.ceil(SLOW / 2)), '1', String(SLOW_BYTES_PER_SEC)], '_drone_client.ts');
    const b = await spawn(['sio', url, token, String(Math.floor(FAST / 2)), String(Math.floor(SLOW / 2)), '0', String(SLOW_BYTES_PER_SEC)], '_drone_client.ts');
    const clients = [ref.child, a.child, b.child];
    procs.push(...clients);

    await sleep(WARMUP_SEC * 1000);
    const t0 = Date.now() + 100;
    const t1 = t0 + MEASURE_SEC * 1000;
    for (const c of clients) c.send({ cmd: 'window', t0, t1 });
    await sleep(t0 - Date.now());
    const cpu0 = process.cpuUsage();
    const heap0 = process.memoryUsage();
    const heapSamples: number[] = [];
    const sampler = setInterval(() => heapSamples.push(process.memoryUsage().heapUsed), 1000);
    const stats0 = { ...hub.video.relay.stats };
    await sleep(t1 - Date.now());
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpu0);
    const heap1 = process.memoryUsage();
    const stats1 = { ...hub.video.relay.stats };
    await sleep(500);
    const reports = (await Promise.all(clients.map((c) => ask<{ clients: ClientStat[] }>(c, { cmd: 'report' })))).flatMap((r) => r.clients);
    const pubReport = await ask<{ published: number; seconds: number }>(pub.child, { cmd: 'report' });

    const of = (k: ClientStat['kind']) => reports.filter((r) => r.kind === k);
    const fpsOf = (r: ClientStat) => r.frames / MEASURE_SEC / DRONES;
    const fast = of('fast');
    const slow = of('slow');
    const fastLat = fast.flatMap((r) => r.lat).sort((x, y) => x - y);
    const refStat = of('mqtt')[0]!;
    const refLat = [...refStat.lat].sort((x, y) => x - y);
    const slowAges = slow.flatMap((r) => r.ages);
    const third = (t1 - t0) / 3;
    const maxIn = (lo: number, hi: number) => Math.max(0, ...slowAges.filter(([t]) => t >= lo && t < hi).map(([, age]) => age));
    const wallFrames = of('wall').reduce((s, r) => s + r.frames, 0);
    const fastFps = fast.reduce((s, r) => s + fpsOf(r), 0) / fast.length;
    const fastFpsMin = Math.min(...fast.map(fpsOf));
    const slowFps = slow.reduce((s, r) => s + fpsOf(r), 0) / slow.length;
    const refFps = fpsOf(refStat);
    const p95Ms = pct(fastLat, 95);
    const slowMaxAgeMs = Math.max(0, ...slowAges.map(([, age]) => age));
    const slowAgeGrowthMs = maxIn(t1 - third, t1 + 1) - maxIn(t0, t0 + third);
    const wallSec = (t1 - t0) / 1000;
    const hubCpuPct = ((cpu.user + cpu.system) / 1000 / (wallSec * 1000)) * 100;
    const heapGrowthMB = (heap1.heapUsed - heap0.heapUsed) / 2 ** 20;

    return {
      metrics: {
        fastFps: r1(fastFps),
        fastFpsMin: r1(fastFpsMin),
        p50Ms: r1(pct(fastLat, 50)),
        p95Ms: r1(p95Ms),
        p99Ms: r1(pct(fastLat, 99)),
        slowFps: r1(slowFps),
        slowMaxAgeMs: Math.round(slowMaxAgeMs),
        slowAgeGrowthMs: Math.round(slowAgeGrowthMs),
        wallFrames,
        hubCpuPct: r1(hubCpuPct),
        hubRssMB: r1(heap1.rss / 2 ** 20),
        heapGrowthMB: r1(heapGrowthMB),
        heapMinMB: r1(Math.min(...heapSamples) / 2 ** 20),
        heapMaxMB: r1(Math.max(...heapSamples) / 2 ** 20),
        framesIn: stats1.framesIn - stats0.framesIn,
        framesSent: stats1.sent - stats0.sent,
        framesSkipped: stats1.skipped - stats0.skipped,
        ackTimeouts: stats1.ackTimeouts - stats0.ackTimeouts,
        meanFrameKB: r1((pub.ready.meanBytes ?? 0) / 1024),
        // The simulator's camera (sim/devices/drone-camera.ts): 640x360 JS render, libvips upscale + JPEG.
        cameraRenderMs: r1(pub.ready.renderMs ?? NaN),
        cameraFrameMs: r1(pub.ready.frameMs ?? NaN),
        cameraCorePctAt10Fps: r1(((pub.ready.frameMs ?? NaN) * FPS) / 10),
        publishedFps: r1(pubReport.published / pubReport.seconds / DRONES),
        relayMbitPerSec: r1((((stats1.sent - stats0.sent) * (pub.ready.meanBytes ?? 0) * 8) / 1e6) / wallSec),
      },
      reference: {
        what: 'plain MQTT subscriber to city/v1/drone/+/video on the same broker, same run',
        mqttFps: r1(refFps),
        mqttP50Ms: r1(pct(refLat, 50)),
        mqttP95Ms: r1(pct(refLat, 95)),
      },
      ratios: {
        fastFpsVsMqtt: Math.round((fastFps / refFps) * 100) / 100,
        p95VsMqttP95: Math.round((p95Ms / Math.max(1, pct(refLat, 95))) * 100) / 100,
      },
      targets: {
        fastFps: { value: '>= 9.5', met: fastFps >= 9.5 },
        p95Ms: { value: '< 150', met: p95Ms < 150 },
        wallFrames: { value: 0, met: wallFrames === 0 },
        slowNoGrowingDelay: { value: 'slowAgeGrowthMs < 500', met: slowAgeGrowthMs < 500 },
        heapFlat: { value: 'heapGrowthMB < 32', met: heapGrowthMB < 32 },
      },
      notes: [
        `${DRONES} drones x ${WIDTH}x${HEIGHT} @ ${FPS} fps; ${FAST} fast + ${SLOW} slow (${SLOW_BYTES_PER_SEC / 1000} kB/s proxy) fire clients + 1 wall; ${MEASURE_SEC} s window after ${WARMUP_SEC} s warm-up.`,
        'Latency is capture (publisher stamps at publish) -> client receive: it includes the broker hop, as does the reference.',
        'cameraFrameMs includes libvips work on its own threads; cameraCorePctAt10Fps = cameraFrameMs x 10 / 1000 x 100, an upper bound (wall time, shared machine).',
      ],
    };
  } finally {
    for (const c of procs) c.send({ cmd: 'exit' });
    await sleep(300);
    for (const c of procs) if (c.exitCode === null) c.kill('SIGTERM');
    await hub.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
