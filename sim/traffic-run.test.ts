/**
 * The MQTT side of the traffic simulation against a real (embedded Aedes) broker: states, detector
 * reports, truth, and the command / acknowledgement round trip.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectorReport, TlsMeta, parseTopic } from '../protocol/index.ts';
import { PlanAck, TlsState, TlsTruth, signalTopics, type SignalPlan } from '../protocol/signal.ts';
import { INTERSECTIONS, LINKS } from './city/duisburg.ts';
import { constantDemand } from './traffic/demand.ts';
import { runTrafficSim, type RunningTrafficSim } from './traffic-run.ts';

let broker: { url: string; close(): Promise<void> } | null = null;
let run: RunningTrafficSim | null = null;
let watcher: MqttClient | null = null;

async function startBroker() {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

afterEach(async () => {
  await watcher?.endAsync();
  await run?.stop();
  await broker?.close();
  watcher = null;
  run = null;
  broker = null;
});

const SITES = INTERSECTIONS.slice(0, 3);

async function watch(url: string) {
  const seen: { topic: string; msg: unknown }[] = [];
  watcher = await mqtt.connectAsync(url, { clientId: 'watcher' });
  watcher.on('message', (topic, payload) => {
    try {
      seen.push({ topic, msg: JSON.parse(payload.toString()) });
    } catch {
      seen.push({ topic, msg: payload.toString() });
    }
  });
  await watcher.subscribeAsync('city/v1/tls/+/+', { qos: 1 });
  return seen;
}

async function until<T>(f: () => T | undefined | null | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runTrafficSim', () => {
  it('publishes meta, states, detectors and truth, and answers plan commands', async () => {
    broker = await startBroker();
    const seen = await watch(broker.url);
    run = await runTrafficSim({ url: broker.url, speed: 20, seed: 1, intersections: SITES, links: LINKS, demand: constantDemand(1) });
    const id = SITES[0]!.id;
    const of = (channel: string) => seen.filter((m) => parseTopic(m.topic)?.deviceId === id && parseTopic(m.topic)?.channel === channel);
    await until(() => of('detectors').length >= 2 && of('truth').length >= 2 && of('state').length >= 5, 10_000, 'reports');
    expect(TlsMeta.safeParse(of('meta')[0]!.msg).success).toBe(true);
    for (const m of of('state')) expect(TlsState.safeParse(m.msg).success).toBe(true);
    for (const m of of('detectors')) expect(DetectorReport.safeParse(m.msg).success).toBe(true);
    for (const m of of('truth')) expect(TlsTruth.safeParse(m.msg).success).toBe(true);
    expect((of('detectors')[0]!.msg as DetectorReport).intervalSec).toBe(5);

    // An unsafe plan is refused with reasons, a safe one accepted and switched in.
    const ctl = run.sim.controller(id);
    const p = ctl.defaultPlan;
    const bad: SignalPlan = { ...p, planId: 'bad', greens: p.greens.map((g) => ({ ...g, endSec: (g.startSec + 2) % p.cycleSec })) };
    await watcher!.publishAsync(signalTopics.cmd(id), JSON.stringify({ cmdId: 'c-bad', tsMs: Date.now(), plan: bad, issuedBy: 'test' }), { qos: 1 });
    const nack = await until(() => of('ack').find((m) => (m.msg as PlanAck).cmdId === 'c-bad'), 5000, 'nack');
    expect(PlanAck.parse(nack.msg).accepted).toBe(false);
    expect((nack.msg as PlanAck).reasons.map((r) => r.code)).toContain('MIN_GREEN');

    const good: SignalPlan = { ...p, planId: 'shifted', offsetSec: 17 };
    await watcher!.publishAsync(signalTopics.cmd(id), JSON.stringify({ cmdId: 'c-good', tsMs: Date.now(), plan: good, issuedBy: 'test' }), { qos: 1 });
    const ack = await until(() => of('ack').find((m) => (m.msg as PlanAck).cmdId === 'c-good'), 5000, 'ack');
    expect(ack.msg).toMatchObject({ accepted: true, reasons: [] });
    // At 20x a cycle of ≤ 120 s passes in ≤ 6 s.
    await until(() => of('state').some((m) => (m.msg as TlsState).planId === 'shifted' && (m.msg as TlsState).mode === 'external'), 10_000, 'plan switch');

    await watcher!.publishAsync(signalTopics.cmd(id), 'not json', { qos: 1 });
    await until(() => of('ack').find((m) => (m.msg as PlanAck).cmdId === 'invalid'), 5000, 'schema nack');

    // Comms loss: nothing published any more, commands unanswered.
    run.inject(id, { kind: 'commsLoss' });
    await new Promise((r) => setTimeout(r, 300));
    const n = of('state').length + of('detectors').length;
    await watcher!.publishAsync(signalTopics.cmd(id), JSON.stringify({ cmdId: 'c-lost', tsMs: Date.now(), plan: good, issuedBy: 'test' }), { qos: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(of('state').length + of('detectors').length).toBe(n);
    expect(of('ack').some((m) => (m.msg as PlanAck).cmdId === 'c-lost')).toBe(false);
    // ... while the other installations carry on.
    const other = SITES[1]!.id;
    expect(seen.filter((m) => parseTopic(m.topic)?.deviceId === other && parseTopic(m.topic)?.channel === 'state').length).toBeGreaterThan(5);
  });

  it('answers stage requests (adaptive mode) over MQTT, and refuses conflicting ones', async () => {
    broker = await startBroker();
    const seen = await watch(broker.url);
    run = await runTrafficSim({ url: broker.url, speed: 20, seed: 1, intersections: SITES, links: LINKS, demand: constantDemand(1) });
    const id = SITES[0]!.id;
    const of = (channel: string) => seen.filter((m) => parseTopic(m.topic)?.deviceId === id && parseTopic(m.topic)?.channel === channel);
    await until(() => of('state').length >= 2, 10_000, 'states');
    const spec = run.sim.controller(id).spec;
    const [a, b] = spec.conflicts[0]!;
    await watcher!.publishAsync(signalTopics.stage(id), JSON.stringify({ cmdId: 's-bad', tsMs: Date.now(), greens: [a, b], validUntilMs: Date.now() + 10_000, issuedBy: 'test' }), { qos: 1 });
    const nack = await until(() => of('ack').find((m) => (m.msg as PlanAck).cmdId === 's-bad'), 5000, 'stage nack');
    expect((nack.msg as PlanAck).reasons.map((r) => r.code)).toContain('CONFLICT');
    // The hub repeats its request about once a second; at 20x that is every 50 ms of wall time.
    let k = 0;
    const timer = setInterval(() => {
      void watcher!.publishAsync(signalTopics.stage(id), JSON.stringify({ cmdId: `s-${k++}`, tsMs: Date.now(), greens: [a], validUntilMs: Date.now() + 10_000, issuedBy: 'test' }), { qos: 1 });
    }, 50);
    try {
      const ack = await until(() => of('ack').find((m) => (m.msg as PlanAck).cmdId === 's-0'), 5000, 'stage ack');
      expect(ack.msg).toMatchObject({ accepted: true, reasons: [] });
      await until(() => of('state').some((m) => (m.msg as TlsState).mode === 'adaptive' && (m.msg as TlsState).planId === 'adaptive' && (m.msg as TlsState).groups[a] === 'green'), 10_000, 'adaptive state with the requested green');
    } finally {
      clearInterval(timer);
    }
    // Requests stop: the watchdog returns the controller to its own plan.
    await until(() => (of('state').at(-1)?.msg as TlsState | undefined)?.mode === 'fixed', 10_000, 'watchdog back to fixed');
  });

  it('runs as fast as possible for a given model duration', async () => {
    broker = await startBroker();
    const seen = await watch(broker.url);
    run = await runTrafficSim({ url: broker.url, speed: 1, seed: 2, intersections: SITES, links: LINKS, asFastAsPossible: true, durationSec: 600 });
    await run.done;
    expect(run.sim.tSec - Math.floor(Date.now() / 1000)).toBeGreaterThan(500);
    await until(() => seen.filter((m) => m.topic.endsWith('/detectors')).length === 3 * 120, 10_000, 'all detector reports');
    // States once per interval in this mode.
    await until(() => seen.filter((m) => m.topic.endsWith('/state')).length >= 3 * 119, 10_000, 'states');
  });
});
