/**
 * The hub survives its broker restarting, without a restart of its own: it reconnects, subscribes
 * again (re-reading retained device state) and measurements flow again. Against a standalone Aedes
 * and against a private Mosquitto (when the binary is installed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { INTERSECTIONS } from '../../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { reachable, startTestHub, waitFor, type TestHub, freePort } from './harness.ts';

const SITE = INTERSECTIONS[2]!;
let th: TestHub | null = null;
let sim: RunningSim | null = null;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await sim?.stop();
  await th?.close();
  th = sim = null;
  for (const c of cleanups.splice(0)) await c();
});

async function startAedes(port: number): Promise<() => Promise<void>> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return async () => {
    await new Promise<void>((r) => aedes.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  };
}

async function startMosquitto(port: number, dir: string): Promise<ChildProcess> {
  const conf = join(dir, 'mosquitto.conf');
  // Persistence on: retained device state survives the restart, as on a real deployment.
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location ${dir}/\nautosave_interval 1\n`);
  const p = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await reachable('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
  return p;
}

async function expectFlowResumes(brokerDown: () => Promise<void>, brokerUp: () => Promise<void>) {
  const before = await waitFor(() => th!.hub.tls.entities.get(SITE.id)?.tsMs, 15_000, 'first report');
  await brokerDown();
  await waitFor(async () => (await (await fetch(`${th!.url}/healthz`)).json()).broker.connected === false, 10_000, 'the hub to notice').catch(() => undefined);
  const health = (await (await fetch(`${th!.url}/healthz`)).json()) as { status: string; broker: { connected: boolean } };
  expect(health.broker.connected).toBe(false);
  expect(health.status).toBe('degraded');
  await brokerUp();
  // Reconnect (1 s period), resubscribe, and newer measurements arrive.
  await waitFor(() => (th!.hub.tls.entities.get(SITE.id)?.tsMs ?? 0) > before + 1000, 20_000, 'measurements after the restart');
  const after = (await (await fetch(`${th!.url}/healthz`)).json()) as { broker: { connected: boolean } };
  expect(after.broker.connected).toBe(true);
}

describe('broker restart', () => {
  it('standalone Aedes: the hub reconnects and measurements flow again', async () => {
    const port = await freePort();
    let stop = await startAedes(port);
    cleanups.push(() => stop());
    th = await startTestHub({ MQTT_URL: `mqtt://127.0.0.1:${port}` });
    sim = await runSimulator({ url: `mqtt://127.0.0.1:${port}`, speed: 10, seed: 2, intersections: [SITE] });
    await expectFlowResumes(
      () => stop(),
      async () => {
        stop = await startAedes(port);
      },
    );
  }, 60_000);

  it('Mosquitto: the hub reconnects, re-reads retained state and measurements flow again', async (ctx) => {
    if (!(await new Promise<boolean>((r) => spawn('mosquitto', ['-h']).once('error', () => r(false)).once('exit', () => r(true))))) ctx.skip('mosquitto is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
    // Mosquitto started as root drops to its own user; it must be able to write its database here.
    chmodSync(dir, 0o777);
    const port = await freePort();
    let broker = await startMosquitto(port, dir);
    cleanups.push(() => {
      broker.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    th = await startTestHub({ MQTT_URL: `mqtt://127.0.0.1:${port}` });
    sim = await runSimulator({ url: `mqtt://127.0.0.1:${port}`, speed: 10, seed: 2, intersections: [SITE] });
    const metaBefore = await waitFor(() => th!.hub.tls.entities.get(SITE.id)?.name, 10_000, 'meta');
    await expectFlowResumes(
      async () => {
        broker.kill('SIGTERM');
        await new Promise((r) => broker.once('exit', r));
      },
      async () => {
        broker = await startMosquitto(port, dir);
      },
    );
    expect(th.hub.tls.entities.get(SITE.id)?.name).toBe(metaBefore);
    // Retained device state survived the broker restart: a hub that subscribes only now learns it.
    const late = await startTestHub({ MQTT_URL: `mqtt://127.0.0.1:${port}` });
    cleanups.push(() => late.close());
    await waitFor(() => late.hub.tls.entities.get(SITE.id)?.name === metaBefore, 10_000, 'the retained meta on a fresh subscription');
  }, 60_000);
});
