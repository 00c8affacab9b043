/**
 * Fan-out benchmark: the hub's realtime layer (server/realtime: families, ticker, createIo with
 * its auth middleware, rooms, backpressure check, heartbeat) in this process, fed by a synthetic
 * publisher at the whole city's update rate, and 500 clients in 5 separate processes, all
 * subscribed to the whole city (tls, transit, drone) at 10 Hz.
 *   Phase sio:          Socket.IO, JSON parser (the product default).
 *   Phase storm:        all 500 reconnect at once; resyncSec = until every client is consistent.
 *   Phase ws:           reference: the same deltas, JSON.stringify once, plain `ws` to 500 clients.
 *   Phase sio-msgpack:  Socket.IO with socket.io-msgpack-parser on both ends.
 * Latency = client receive time − delta tsMs (hub time at flush; one machine, one clock).
 * Auth: a random per-run token checked by a bench-only Authenticator (never a product default).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { FAMILIES, type Delta, type Family, type Principal } from '../protocol/index.ts';
import type { Authenticator } from '../server/auth/types.ts';
import { createLogger } from '../server/log.ts';
import { createMetrics } from '../server/metrics.ts';
import { FamilyState } from '../server/realtime/family.ts';
import { createIo, type Realtime } from '../server/realtime/io.ts';
import { startTicker } from '../server/realtime/ticker.ts';
import type { BenchResult } from './run.ts';

const CLIENTS = Number(process.env.BENCH_FANOUT_CLIENTS ?? 500);
const PROCS = Number(process.env.BENCH_FANOUT_PROCS ?? 5);
const MEASURE_SEC = Number(process.env.BENCH_FANOUT_SEC ?? 15);
const WARMUP_SEC = 3;
const TLS = 550;
const VEHICLES = 400;
const SUBSCRIBED: ReadonlySet<Family> = new Set(['tls', 'transit', 'drone']);

const token = randomUUID();
const benchAuth: Authenticator = {
  principalOf: (req: IncomingMessage): Principal | null =>
    new URL(req.url ?? '/', 'http://x').searchParams.get('bench') === token ? { kind: 'user', name: 'bench', role: 'admin' } : null,
};

/** The city's realtime state, published at its real rate (~750 patches/s). */
function city() {
  const families = Object.fromEntries(FAMILIES.map((f) => [f, new FamilyState(f)])) as unknown as Record<Family, FamilyState<Family, { id: string }>>;
  const rnd = (a: number, b: number) => a + Math.random() * (b - a);
  for (let i = 0; i < TLS; i++)
    families.tls.put({ id: `tls-${i}`, name: `K${i}`, lon: rnd(6.68, 6.85), lat: rnd(51.35, 51.5), district: 'Mitte', flowVehH: 500, occupancyPct: 10, tsMs: Date.now(), link: 'live', mode: 'fixed', planId: 'P1', cycleSec: 90, cycleSecond: 0, greens: ['K1'], stateTsMs: Date.now() } as never);
  for (let i = 0; i < VEHICLES; i++)
    families.transit.put({ id: `veh-${i}`, lineId: '901', lineName: '901', color: '#e30613', mode: 'tram', lon: rnd(6.68, 6.85), lat: rnd(51.35, 51.5), bearing: 90, delaySec: 30, tsMs: Date.now(), link: 'live' } as never);
  families.drone.put({ id: 'drone-1', name: 'FW-1', lon: 6.76, lat: 51.43, altM: 80, headingDeg: 0, tsMs: Date.now(), link: 'live', track: [] } as never);
  let k = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    k++;
    // Controller state once a second (55 per 100 ms), detectors every 5 s (11 per 100 ms).
    for (let j = 0; j < TLS / 10; j++) {
      const i = (k * (TLS / 10) + j) % TLS;
      families.tls.patch({ id: `tls-${i}`, cycleSecond: k % 90, greens: k % 2 ? ['K1', 'K3'] : ['K2'], stateTsMs: now } as never);
    }
    for (let j = 0; j < TLS / 50; j++) {
      const i = (k * (TLS / 50) + j) % TLS;
      families.tls.patch({ id: `tls-${i}`, flowVehH: Math.round(rnd(100, 1500)), occupancyPct: Math.round(rnd(0, 60)), tsMs: now } as never);
    }
    // Vehicle positions every 5 s (8 per 100 ms), drone once a second.
    for (let j = 0; j < VEHICLES / 50; j++) {
      const i = (k * (VEHICLES / 50) + j) % VEHICLES;
      families.transit.patch({ id: `veh-${i}`, lon: rnd(6.68, 6.85), lat: rnd(51.35, 51.5), delaySec: Math.round(rnd(-30, 300)), tsMs: now } as never);
    }
    if (k % 10 === 0) families.drone.patch({ id: 'drone-1', lon: rnd(6.75, 6.77), lat: rnd(51.42, 51.44), tsMs: now } as never);
  }, 100);
  return { families, stop: () => clearInterval(timer) };
}

interface Report {
  delivered: number;
  gaps: number;
  lat: number[];
}

async function spawnClients(mode: string, url: string): Promise<ChildProcess[]> {
  const per = Math.ceil(CLIENTS / PROCS);
  const procs: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let p = 0; p < PROCS; p++) {
    const n = Math.min(per, CLIENTS - p * per);
    const child = fork(join(import.meta.dirname, '_fanout_client.ts'), [mode, url, String(n), token], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    procs.push(child);
    ready.push(new Promise((res, rej) => {
      const to = setTimeout(() => rej(new Error(`${mode} clients not connected in 60 s`)), 60_000);
      child.on('message', (m: { type: string }) => {
        if (m.type === 'ready') {
          clearTimeout(to);
          res();
        }
      });
    }));
  }
  await Promise.all(ready);
  return procs;
}

const ask = <T>(procs: ChildProcess[], cmd: object, type: string) =>
  Promise.all(procs.map((c) => new Promise<T>((res) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        c.off('message', on);
        res(m as T);
      }
    };
    c.on('message', on);
    c.send(cmd);
  })));

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const r1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(): Promise<BenchResult> {
  const { families, stop } = city();
  // Deltas published per family in the window, and where the current phase sends them.
  let expected = 0;
  let win = { t0: Infinity, t1: -Infinity };
  let sink: ((now: number, ds: Delta[]) => void) | null = null;
  const stopTicker = startTicker({
    families,
    baseHz: 10,
    onTick: (now, ds) => {
      for (const d of ds) if (SUBSCRIBED.has(d.family) && d.tsMs >= win.t0 && d.tsMs <= win.t1) expected++;
      sink?.(now, ds);
    },
  });
  const log = createLogger('warn');

  /** One measured phase against whatever `sink` delivers to. */
  async function measure(procs: ChildProcess[]) {
    await sleep(WARMUP_SEC * 1000);
    const t0 = Date.now() + 200;
    const t1 = t0 + MEASURE_SEC * 1000;
    win = { t0, t1 };
    expected = 0;
    for (const c of procs) c.send({ cmd: 'window', t0, t1 });
    await sleep(200);
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(MEASURE_SEC * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wallSec = (performance.now() - w0) / 1000;
    await sleep(1000); // late deliveries of the window
    const reps = await ask<Report>(procs, { cmd: 'report' }, 'report');
    const delivered = reps.reduce((s, r) => s + r.delivered, 0);
    const lat = reps.flatMap((r) => r.lat).sort((a, b) => a - b);
    return {
      deliveredPerSec: Math.round(delivered / MEASURE_SEC),
      deliveredRatio: Math.round((delivered / (expected * CLIENTS)) * 1000) / 1000,
      expectedPerClient: expected,
      gaps: reps.reduce((s, r) => s + r.gaps, 0),
      p50Ms: r1(pct(lat, 50)),
      p99Ms: r1(pct(lat, 99)),
      hubCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wallSec) * 100),
    };
  }

  const kill = async (procs: ChildProcess[]) => {
    for (const c of procs) c.send({ cmd: 'exit' });
    await Promise.all(procs.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  };

  async function sioPhase(parser: unknown, withStorm: boolean) {
    const http = createServer();
    const rt: Realtime = createIo({ http, families, hubId: 'bench', version: 'bench', log, metrics: createMetrics(), authenticator: benchAuth, ...(parser ? { parser } : {}) });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    sink = rt.publishTick;
    const procs = await spawnClients(parser ? 'sio-msgpack' : 'sio', url);
    console.error(`fanout: ${CLIENTS} ${parser ? 'sio-msgpack' : 'sio'} clients connected`);
    const m = await measure(procs);
    console.error(`fanout: measured ${JSON.stringify(m)}`);
    let resyncSec = NaN;
    if (withStorm) {
      const t = Date.now();
      const done = await ask<{ doneMs: number; startMs: number }>(procs, { cmd: 'storm' }, 'stormDone');
      resyncSec = Math.round((Math.max(...done.map((d) => d.doneMs)) - t) / 10) / 100;
    }
    sink = null;
    await kill(procs);
    await rt.close();
    http.closeAllConnections();
    http.close();
    return { ...m, resyncSec, blocked: rt.stats.blocked, tooSlow: rt.stats.tooSlow };
  }

  async function wsPhase() {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, verifyClient: (info: { req: IncomingMessage }) => benchAuth.principalOf(info.req) !== null });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}`;
    sink = (_now, ds) => {
      for (const d of ds) {
        if (!SUBSCRIBED.has(d.family)) continue;
        const data = JSON.stringify(d); // encoded once
        for (const c of wss.clients) c.send(data);
      }
    };
    const procs = await spawnClients('ws', url);
    console.error(`fanout: ${CLIENTS} ws clients connected`);
    const m = await measure(procs);
    console.error(`fanout: measured ${JSON.stringify(m)}`);
    sink = null;
    await kill(procs);
    wss.close();
    http.closeAllConnections();
    http.close();
    return m;
  }

  try {
    const sio = await sioPhase(null, true);
    const ws = await wsPhase();
    const msgpack = process.env.BENCH_FANOUT_MSGPACK === 'off' ? null : await sioPhase((await import('socket.io-msgpack-parser')).default, false);
    const vsWs = Math.round((sio.deliveredPerSec / ws.deliveredPerSec) * 1000) / 1000;
    return {
      metrics: {
        clients: CLIENTS,
        clientProcesses: PROCS,
        measureSec: MEASURE_SEC,
        parser: 'json',
        deliveredPerSec: sio.deliveredPerSec,
        deliveredRatio: sio.deliveredRatio,
        expectedDeltasPerClient: sio.expectedPerClient,
        gaps: sio.gaps,
        p50Ms: sio.p50Ms,
        p99Ms: sio.p99Ms,
        hubCpuPct: sio.hubCpuPct,
        resyncSec: sio.resyncSec,
        slowClientsBlocked: sio.blocked,
        ...(msgpack
          ? {
              msgpackDeliveredPerSec: msgpack.deliveredPerSec,
              msgpackDeliveredRatio: msgpack.deliveredRatio,
              msgpackP50Ms: msgpack.p50Ms,
              msgpackP99Ms: msgpack.p99Ms,
              msgpackHubCpuPct: msgpack.hubCpuPct,
            }
          : {}),
      },
      reference: {
        tool: 'plain ws (npm ws), same deltas, JSON.stringify once per delta, same 500 clients in 5 processes, same run',
        wsDeliveredPerSec: ws.deliveredPerSec,
        wsDeliveredRatio: ws.deliveredRatio,
        wsP50Ms: ws.p50Ms,
        wsP99Ms: ws.p99Ms,
        wsHubCpuPct: ws.hubCpuPct,
      },
      ratios: {
        vsWs,
        ...(msgpack ? { msgpackVsJson: Math.round((msgpack.deliveredPerSec / sio.deliveredPerSec) * 1000) / 1000, msgpackP99VsJson: Math.round((msgpack.p99Ms / sio.p99Ms) * 100) / 100 } : {}),
      },
      targets: {
        p99MsAt500: { value: '< 100', met: sio.p99Ms < 100 },
        vsWs: { value: '>= 0.6', met: vsWs >= 0.6 },
        resyncSec: { value: '<= 5', met: sio.resyncSec <= 5 },
      },
      notes: [
        'Publisher: 550 installations (state 1/s, detectors 1/5 s), 400 vehicles (1/5 s), 1 drone (1/s): ~750 patches/s, flushed at 10 Hz into 3 families.',
        'hubCpuPct: this process (hub + publisher) over the window, % of one core; the 5 client processes share the same 2 cores.',
        'vsWs compares delivered rates at the offered city load, which neither transport saturates here: it shows Socket.IO delivers everything ws does, not their capacity ratio; compare p50/p99 and hubCpuPct for cost.',
        'msgpack (socket.io-msgpack-parser) measured in the same run: same delivery, no CPU or latency gain over JSON for these mostly-numeric small patches, so the product keeps JSON (no parser to ship to the browser).',
        'Reconnect storm: every client disconnects and reconnects at once and resubscribes with fromSeq (replay); resyncSec = until the last of 500 has all 3 families consistent.',
      ],
    };
  } finally {
    stopTicker();
    stop();
  }
}
