/**
 * Ingest benchmark (issue: hub ingestion). A private Mosquitto on a free port; the hub in this
 * process subscribed to it; a publisher in another process. Reference: `mosquitto_sub` reading the
 * same topics from the same broker in the same run.
 *   Phase 1 (throughput): N detector reports as fast as the publisher can send; rates of the hub
 *   (accepted and fused) and of mosquitto_sub (received), SQLite rows/s.
 *   Phase 2 (latency at Duisburg's full load, ~1,000 msg/s): p50/p99 of device tsMs -> state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../server/config.ts';
import { createHub } from '../server/hub.ts';
import { createLogger } from '../server/log.ts';
import type { BenchResult } from './run.ts';

const DEVICES = 550;
const N = Number(process.env.BENCH_INGEST_N ?? 200_000);
const FULL_LOAD_RATE = 1000;
const FULL_LOAD_SEC = 15;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

const children: ChildProcess[] = [];

function publisher(url: string, count: number, rate: string) {
  const child = spawn(process.execPath, [join(import.meta.dirname, '_publisher.ts'), url, String(DEVICES), String(count), rate], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const next = () => new Promise<string>((r) => lines.once('line', r));
  return { child, next, go: () => child.stdin!.write('go\n') };
}

const waitFor = async (fn: () => boolean, timeoutMs: number) => {
  const t = Date.now();
  while (!fn()) {
    if (Date.now() - t > timeoutMs) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\n`);
  const broker: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `mqtt://127.0.0.1:${port}`;
  try {
    const cfg = loadConfig({ MQTT_URL: url, SIM: 'off', DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', DEVICE_RATE_PER_SEC: '0' });
    const pub1 = publisher(url, N, 'max');
    await pub1.next(); // metas published, retained
    const hub = await createHub(cfg, createLogger('warn'));
    await waitFor(() => hub.tls.entities.size >= DEVICES, 20_000);
    const acceptedNow = async () =>
      (await hub.metrics.messages.get()).values.find((v) => v.labels.kind === 'tls' && v.labels.result === 'accepted')?.value ?? 0;
    const base = await acceptedNow();

    // Reference subscriber on the same broker and topics, started before the burst.
    const sub: ChildProcess = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'city/v1/+/+/detectors', '-C', String(N)], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(sub);
    await new Promise((r) => setTimeout(r, 500));
    const rowsBefore = (await hub.metrics.storeRows.get()).values[0]?.value ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let subEnd = 0;
    sub.once('exit', () => (subEnd = performance.now()));
    pub1.go();
    let hubEnd = 0;
    for (;;) {
      if ((await acceptedNow()) - base >= N) {
        hubEnd = performance.now();
        break;
      }
      if (performance.now() - t0 > 120_000) throw new Error(`hub accepted only ${(await acceptedNow()) - base} of ${N}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const cpu = process.cpuUsage(cpu0);
    await waitFor(() => subEnd > 0, 60_000);
    const lastFlush = await hub.store.flush();
    const rowsAfter = ((await hub.metrics.storeRows.get()).values[0]?.value ?? 0) + lastFlush;
    const hubSec = (hubEnd - t0) / 1000;
    const subSec = (subEnd - t0) / 1000;
    const hubRate = N / hubSec;
    const subRate = N / subSec;
    const hubCpuSec = (cpu.user + cpu.system) / 1e6;

    // Phase 2: latency at full city load.
    hub.metrics.messageAge.reset();
    const pub2 = publisher(url, FULL_LOAD_RATE * FULL_LOAD_SEC, String(FULL_LOAD_RATE));
    await pub2.next();
    pub2.go();
    await pub2.next();
    await new Promise((r) => setTimeout(r, 300));
    const q = (await hub.metrics.messageAge.get()).values;
    const pct = (p: number) => (q.find((v) => v.labels.quantile === p)?.value ?? NaN) * 1000;
    const p50Ms = pct(0.5);
    const p99Ms = pct(0.99);
    await hub.close();

    return {
      metrics: {
        messages: N,
        devices: DEVICES,
        hubMsgPerSec: Math.round(hubRate),
        hubCpuSecPerMsgUs: Math.round((hubCpuSec / N) * 1e6 * 10) / 10,
        hubMsgPerCpuSec: Math.round(N / hubCpuSec),
        sqliteRowsPerSec: Math.round((rowsAfter - rowsBefore) / hubSec),
        fullLoadRate: FULL_LOAD_RATE,
        p50Ms: Math.round(p50Ms * 100) / 100,
        p99Ms: Math.round(p99Ms * 100) / 100,
      },
      reference: { mosquittoSubMsgPerSec: Math.round(subRate), tool: 'mosquitto_sub -C N, same broker, same topics, same run' },
      ratios: { vsMosquittoSub: Math.round((hubRate / subRate) * 1000) / 1000 },
      targets: {
        ratioVsMosquittoSub: { value: '>= 0.5', met: hubRate / subRate >= 0.5 },
        msgPerSecOneCore: { value: '>= 20000', met: N / hubCpuSec >= 20_000 },
        p99MsAtFullLoad: { value: '< 50', met: p99Ms < 50 },
      },
      notes: [
        'hubMsgPerCpuSec = messages / CPU seconds of the hub process during the burst (one event loop = one core).',
        'Latency = hub time when a report is fused minus the tsMs the publisher stamped when sending.',
      ],
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
