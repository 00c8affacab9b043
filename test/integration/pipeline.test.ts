/**
 * The walking skeleton end to end: simulator -> real MQTT broker -> hub -> Socket.IO client, and
 * the same measurement in SQLite.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { topics, type Delta, type TlsEntity } from '../../protocol/index.ts';
import { INTERSECTIONS } from '../../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { connectClient, metricValue, reachable, startTestHub, waitFor, type TestHub, type TestSocket } from './harness.ts';

const SITES = INTERSECTIONS.slice(0, 3);
let th: TestHub | null = null;
let sim: RunningSim | null = null;
let sock: TestSocket | null = null;

afterEach(async () => {
  sock?.close();
  await sim?.stop();
  await th?.close();
  th = null;
  sim = null;
  sock = null;
});

async function endToEnd(env: Record<string, string>) {
  th = await startTestHub(env);
  sock = await connectClient(th.url);
  const latest = new Map<string, Partial<TlsEntity>>();
  sock.on('delta', (d: Delta) => {
    for (const u of d.upserts) latest.set(u.id, { ...latest.get(u.id), ...(u as Partial<TlsEntity>) });
  });
  const sub = await sock.timeout(5000).emitWithAck('subscribe', { family: 'tls' });
  expect(sub.ok).toBe(true);

  // 5 model seconds per report at 10x: a report every 0.5 s of wall time.
  sim = await runSimulator({ url: th.hub.mqttUrl, speed: 10, seed: 7, intersections: SITES });
  const id = SITES[0]!.id;
  const got = await waitFor(() => {
    const e = latest.get(id);
    return e?.flowVehH !== undefined && e.tsMs ? e : null;
  }, 15_000, `a flow value for ${id} over Socket.IO`);
  expect(got.flowVehH).toBeGreaterThanOrEqual(0);

  // The same measurement reaches the history store (batched; force the flush).
  await th.hub.store.flush();
  const row = await th.hub.store.latest(`tls:${id}`, 'flowVehH');
  expect(row).not.toBeNull();
  expect(row!.tsMs).toBeGreaterThanOrEqual(got.tsMs!);
  const hist = await (await th.fetch(`/api/history?entity=tls:${id}&metric=flowVehH&fromMs=0&toMs=${Date.now() + 1000}`)).json();
  expect(hist.tsMs).toContain(got.tsMs);
  expect(hist.values[hist.tsMs.indexOf(got.tsMs)]).toBe(got.flowVehH);
}

describe('sim -> broker -> hub -> socket.io + SQLite', () => {
  it('through the embedded Aedes broker', async () => {
    await endToEnd({});
  });

  it('through the machine\'s Mosquitto', async (ctx) => {
    if (!(await reachable('127.0.0.1', 1883))) ctx.skip('no Mosquitto on 127.0.0.1:1883');
    await endToEnd({ MQTT_URL: 'mqtt://127.0.0.1:1883' });
  });
});

describe('bad input', () => {
  it('counts and quarantines a malformed detector payload; the hub and good messages carry on', async () => {
    th = await startTestHub({});
    sim = await runSimulator({ url: th.hub.mqttUrl, speed: 10, seed: 3, intersections: SITES });
    const id = SITES[1]!.id;
    await waitFor(() => th!.hub.tls.entities.get(id)?.tsMs, 15_000, 'first accepted report');

    const attacker = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'bad-device' });
    const before = await metricValue(th.url, 'hub_messages_total', { kind: 'tls', result: 'rejected' });
    await attacker.publishAsync(topics.tlsDetectors(id), '{"tsMs": 12, "detectors": [oops');
    await attacker.publishAsync(topics.tlsDetectors(id), JSON.stringify({ tsMs: Date.now(), intervalSec: 5, detectors: [{ id: 'x', count: -4, occupancyPct: 3 }] }));
    await attacker.publishAsync(topics.tlsDetectors('NOT_ANNOUNCED'), JSON.stringify({ tsMs: Date.now(), intervalSec: 5, detectors: [{ id: 'x', count: 4, occupancyPct: 3 }] }));
    await attacker.endAsync();

    // The publishes are acknowledged by the broker, not yet handled by the hub: poll the metric.
    let rejected = before;
    for (let i = 0; i < 100 && rejected < before + 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      rejected = await metricValue(th.url, 'hub_messages_total', { kind: 'tls', result: 'rejected' });
    }
    expect(rejected).toBe(before + 3);
    expect(await metricValue(th.url, 'hub_rejected_total', { reason: 'malformed_json' })).toBe(1);
    expect(await metricValue(th.url, 'hub_rejected_total', { reason: 'schema' })).toBe(1);
    expect(await metricValue(th.url, 'hub_rejected_total', { reason: 'unknown_device' })).toBe(1);
    await th.hub.store.flush();
    const q = await th.hub.store.quarantine(10);
    expect(q.map((r) => r.reason).sort()).toEqual(['malformed_json', 'schema', 'unknown_device']);
    expect(q.find((r) => r.reason === 'malformed_json')!.payload.toString()).toContain('oops');

    // Valid messages keep flowing after the garbage.
    const ts = th.hub.tls.entities.get(id)!.tsMs!;
    await waitFor(() => th!.hub.tls.entities.get(id)!.tsMs! > ts, 5000, 'a newer accepted report');
    const health = await (await fetch(`${th.url}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok', broker: { connected: true }, db: { ok: true } });
  });
});

describe('duplicates', () => {
  it('counts and quarantines a repeated message, but takes a different one with the same time', async () => {
    th = await startTestHub({});
    sim = await runSimulator({ url: th.hub.mqttUrl, speed: 10, seed: 3, intersections: SITES });
    const id = SITES[0]!.id;
    await waitFor(() => th!.hub.tls.entities.get(id)?.tsMs, 15_000, 'first accepted report');
    await sim.stop();
    sim = null;
    const dev = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'repeating-device' });
    const ts = Date.now();
    const a = JSON.stringify({ tsMs: ts, intervalSec: 5, detectors: [{ id: `${id}-n1`, count: 3, occupancyPct: 5 }] });
    const b = JSON.stringify({ tsMs: ts, intervalSec: 5, detectors: [{ id: `${id}-n1`, count: 4, occupancyPct: 5 }] });
    await dev.publishAsync(topics.tlsDetectors(id), a);
    await dev.publishAsync(topics.tlsDetectors(id), a);
    await dev.publishAsync(topics.tlsDetectors(id), b);
    await dev.endAsync();
    let dup = 0;
    for (let i = 0; i < 100 && dup < 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      dup = await metricValue(th.url, 'hub_rejected_total', { reason: 'duplicate' });
    }
    expect(dup).toBe(1);
  });
});
