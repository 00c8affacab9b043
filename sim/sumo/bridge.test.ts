/**
 * The bridge with a REAL sumo (the 3x3 test grid of sim/sumo/testnet.ts with its demand) and a REAL
 * hub in process (Aedes broker on port 0, test/integration/harness.ts). Commands are sent on the
 * broker exactly as the hub sends them; what SUMO shows is read back over TraCI.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compilePlan, cycleSecondAt, STATE_CODE, type PlanAck, type SignalPlan, type TlsState } from '../../protocol/index.ts';
import { VehiclePosition } from '../../protocol/transit.ts';
import { metricValue, startTestHub, waitFor, type TestHub } from '../../test/integration/harness.ts';
import { charClass, CLS_AMBER, CLS_GREEN, type SumoSignal } from './net/derive.ts';
import { checkSequence } from './sequence-check.ts';
import { openSession, type Session } from './session.ts';
import { readNet } from './net/parse.ts';
import { makeTestNet, sumoAvailable, type TestNet } from './testnet.ts';

const hasSumo = await sumoAvailable();
if (!hasSumo) console.warn('bridge.test.ts: sumo not on PATH; skipped');

/** A bus route file for the test grid: line 901 from one fringe edge to another, every 60 s. */
async function writeBuses(tn: TestNet): Promise<string> {
  const net = await readNet(tn.netFile);
  const tls = new Set(tn.tlsIds);
  const edges = [...net.edges.values()].filter((e) => !e.fn);
  const from = edges.find((e) => !tls.has(e.from) && tls.has(e.to))!;
  const to = edges.find((e) => tls.has(e.from) && !tls.has(e.to) && e.to !== from.from)!;
  const file = join(tn.dir, 'buses.rou.xml');
  writeFileSync(
    file,
    `<routes>\n  <vType id="bus" vClass="bus"/>\n  <flow id="bus901" type="bus" line="901" begin="1" end="600" period="60" from="${from.id}" to="${to.id}"/>\n</routes>\n`,
  );
  return file;
}

/** SUMO's own program state at model second t. */
function programState(s: SumoSignal, t: number): string {
  const C = s.plan.cycleSec;
  let cs = (((t - s.programOffsetSec) % C) + C) % C;
  for (const p of s.phases) {
    if (cs < p.durationSec) return p.state;
    cs -= p.durationSec;
  }
  return s.phases[0]!.state;
}

describe.skipIf(!hasSumo)('SUMO bridge with a real sumo and an in-process hub', { timeout: 120_000 }, () => {
  let tn: TestNet;
  let th: TestHub;
  let session: Session;
  let client: MqttClient;
  let centre: SumoSignal;
  const acks = new Map<string, PlanAck>();
  const states = new Map<string, TlsState>();
  const positions: { topic: string; payload: unknown }[] = [];

  beforeAll(async () => {
    tn = await makeTestNet({ size: 3, endSec: 1800, vehiclesPerHour: 1500 });
    th = await startTestHub();
    const buses = await writeBuses(tn);
    session = await openSession({ sumocfg: tn.sumocfg, mqttUrl: th.hub.mqttUrl, aggregationSec: 5, sumoArgs: ['-r', `${tn.routeFile},${buses}`] });
    centre = session.net.signals.find((s) => s.tlId === tn.centreTls)!;
    client = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'bridge-test-hub-side' });
    client.on('message', (topic, payload) => {
      const [, , , id, channel] = topic.split('/');
      if (channel === 'ack') {
        const a = JSON.parse(payload.toString()) as PlanAck;
        acks.set(a.cmdId, a);
      } else if (channel === 'state') states.set(id!, JSON.parse(payload.toString()) as TlsState);
      else if (channel === 'position') positions.push({ topic, payload: JSON.parse(payload.toString()) });
    });
    await client.subscribeAsync(['city/v1/tls/+/ack', 'city/v1/tls/+/state', 'city/v1/transit/+/position'], { qos: 1 });
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync();
    await session?.close();
    await th?.close();
    await tn?.cleanup();
  });

  const traci = () => session.traci;
  /**
   * Runs the bridge second by second to `until`. Returns, for every second t from the current one to
   * until − 1, the state SUMO applied during its step t -> t+1, read over TraCI right after that step.
   */
  async function runReading(until: number, each?: (t: number) => Promise<void>): Promise<string[]> {
    const out: string[] = [];
    while (session.bridge.t < until) {
      await session.bridge.run(session.bridge.t + 1, async () => {
        out.push(await traci().trafficlight.getRedYellowGreenState(centre.tlId));
      });
      await each?.(session.bridge.t);
    }
    return out;
  }
  async function command(channel: 'cmd' | 'stage', payload: { cmdId: string }): Promise<PlanAck> {
    await client.publishAsync(`city/v1/tls/${centre.id}/${channel}`, JSON.stringify(payload), { qos: 1 });
    return waitFor(() => acks.get(payload.cmdId), 5000, `ack of ${payload.cmdId}`);
  }

  it('announces every signal; the hub takes meta, state and detector reports of all of them', async () => {
    await runReading(60);
    const ids = session.net.signals.map((s) => s.id).sort();
    expect(ids.length).toBe(tn.tlsIds.length);
    await waitFor(() => ids.every((id) => th.hub.tls.entities.get(id)?.stateTsMs != null && th.hub.tls.entities.get(id)?.flowVehH != null), 10_000, 'state + detectors of every signal');
    for (const id of ids) {
      expect(th.hub.tlsHandler.signal.get(id), id).toBeDefined();
      const e = th.hub.tls.entities.get(id)!;
      expect(e.planId).toBe('sumo-0');
      expect(e.mode).toBe('fixed');
    }
    // Traffic was counted somewhere (the detectors work), and nothing was refused by the hub.
    expect(ids.some((id) => (th.hub.tls.entities.get(id)!.flowVehH ?? 0) > 0)).toBe(true);
    expect(await metricValue(th.url, 'hub_messages_total', { kind: 'tls', result: 'rejected' })).toBe(0);
    expect(session.bridge.stats.setStates).toBe(0);
  });

  it('publishes buses (and only buses) as transit vehicle positions', async () => {
    await waitFor(() => positions.length > 0, 5000, 'a bus position');
    for (const p of positions) {
      expect(p.topic).toMatch(/^city\/v1\/transit\/901-\d+\/position$/);
      const v = VehiclePosition.parse(p.payload);
      expect(v.trip?.routeId).toBe('901');
      expect(Math.abs(v.position.latitude - 51.44)).toBeLessThan(0.02); // the grid is placed at the default origin
      expect(Math.abs(v.position.longitude - 6.77)).toBeLessThan(0.03);
    }
  });

  it('refuses unsafe plan commands with reasons; SUMO keeps its own program', async () => {
    const t = session.bridge.t;
    const ts = session.bridge.tsMs(t);
    const [a, b] = centre.spec.conflicts[0]!;
    const C = centre.plan.cycleSec;
    const conflicting: SignalPlan = { ...centre.plan, planId: 'unsafe-conflict', greens: [{ groupId: a, startSec: 0, endSec: 50 }, { groupId: b, startSec: 40, endSec: 85 }] };
    const shortGreen: SignalPlan = { ...centre.plan, planId: 'unsafe-min', greens: centre.plan.greens.map((w) => (w.groupId === a ? { ...w, endSec: (w.startSec + 2) % C } : w)) };
    const ack1 = await command('cmd', { cmdId: 'unsafe-1', tsMs: ts, plan: conflicting, issuedBy: 'test' } as never);
    expect(ack1.accepted).toBe(false);
    expect(ack1.reasons.map((r) => r.code)).toContain('CONFLICT');
    const ack2 = await command('cmd', { cmdId: 'unsafe-2', tsMs: ts, plan: shortGreen, issuedBy: 'test' } as never);
    expect(ack2.accepted).toBe(false);
    expect(ack2.reasons.map((r) => r.code)).toContain('MIN_GREEN');
    const ack3 = await command('stage', { cmdId: 'unsafe-3', tsMs: ts, greens: [a, b], validUntilMs: ts + 5000, issuedBy: 'test' } as never);
    expect(ack3.reasons.map((r) => r.code)).toContain('CONFLICT');
    await waitFor(() => th.hub.tlsHandler.lastAck.get(centre.id)?.cmdId === 'unsafe-3', 5000, 'hub sees the ack');
    // Two cycles later SUMO still runs its own program, second for second.
    const seen = await runReading(t + 2 * C);
    expect(await traci().trafficlight.getProgram(centre.tlId)).toBe(centre.programId);
    seen.forEach((st, i) => expect(st, `t=${t + i}`).toBe(programState(centre, t + i)));
    expect(session.bridge.stats.setStates).toBe(0);
  });

  it('a stage request leads to amber, intergreen, then the requested greens; the watchdog returns to the program', async () => {
    // Wait for a second where the first stage has been green for 10 s.
    const C = centre.plan.cycleSec;
    const greenNow = (st: string) => centre.spec.signalGroups.map((g) => g.id).filter((id) => charClass(st[centre.linkGroup.indexOf(centre.spec.signalGroups.findIndex((g) => g.id === id))]!) === CLS_GREEN);
    let t = session.bridge.t;
    const start = t + ((10 - (t % C) + C) % C);
    const before = await runReading(start);
    const g0 = greenNow(session.bridge.lastState.get(centre.id)!);
    const want = centre.spec.signalGroups.map((g) => g.id).filter((id) => !g0.includes(id));
    expect(want.length).toBeGreaterThan(0);
    t = session.bridge.t;
    let n = 0;
    const send = async (tt: number) => {
      const ts = session.bridge.tsMs(tt);
      const a = await command('stage', { cmdId: `stage-${n++}`, tsMs: ts, greens: want, validUntilMs: ts + 3000, issuedBy: 'test' } as never);
      expect(a.accepted, JSON.stringify(a.reasons)).toBe(true);
    };
    await send(t);
    const during = await runReading(t + 30, send);
    expect(states.get(centre.id)?.mode).toBe('adaptive');
    expect(await traci().trafficlight.getProgram(centre.tlId)).not.toBe(centre.programId); // the bridge sets the states
    const seq = [...before.slice(-5), ...during];
    expect(checkSequence(centre, seq)).toEqual([]);
    // The clearing groups showed amber ('y') before the requested greens started.
    const clsOf = (st: string, id: string) => charClass(st[centre.linkGroup.indexOf(centre.spec.signalGroups.findIndex((g) => g.id === id))]!);
    const firstAmber = during.findIndex((st) => g0.some((id) => clsOf(st, id) === CLS_AMBER));
    const firstWanted = during.findIndex((st) => want.some((id) => clsOf(st, id) === CLS_GREEN));
    expect(firstAmber).toBeGreaterThanOrEqual(0);
    expect(firstWanted).toBeGreaterThan(firstAmber);
    expect(greenNow(during.at(-1)!).sort()).toEqual([...want].sort());
    // Silence: after validUntilMs the signal returns to its fixed-time plan, then to SUMO's program.
    const t1 = session.bridge.t;
    const after = await runReading(t1 + 3 * C);
    expect(session.bridge.safety.get(centre.id)!.stats.watchdog).toBe(1);
    expect(session.bridge.stats.handbacks).toBeGreaterThanOrEqual(1);
    expect(await traci().trafficlight.getProgram(centre.tlId)).toBe(centre.programId);
    expect(states.get(centre.id)?.mode).toBe('fixed');
    expect(checkSequence(centre, [...during, ...after])).toEqual([]);
    // Once handed back, SUMO's program runs at its own cycle position again (a whole cycle, second for second).
    const tEnd = session.bridge.t;
    after.slice(-C).forEach((st, i) => expect(st, `t=${tEnd - C + i}`).toBe(programState(centre, tEnd - C + i)));
  });

  it('a valid plan command changes SUMO’s signal from the next cycle boundary on', async () => {
    const C = centre.plan.cycleSec;
    const base = session.bridge.safety.get(centre.id)!.defaultPlan;
    const shifted: SignalPlan = { ...base, planId: 'shift-20', greens: base.greens.map((w) => ({ ...w, startSec: (w.startSec + 20) % C, endSec: (w.endSec + 20) % C || C })) };
    const t0 = session.bridge.t;
    const ack = await command('cmd', { cmdId: 'plan-ok', tsMs: session.bridge.tsMs(t0), plan: shifted, issuedBy: 'test' } as never);
    expect(ack).toMatchObject({ accepted: true, reasons: [] });
    const seen = await runReading(t0 + 4 * C);
    expect(states.get(centre.id)).toMatchObject({ planId: 'shift-20', mode: 'external' });
    expect(checkSequence(centre, seen)).toEqual([]);
    const compiled = compilePlan(centre.spec, shifted);
    const G = centre.spec.signalGroups.length;
    const E0 = session.bridge.epochAtSimZeroSec;
    // The last two cycles: SUMO shows the commanded plan second for second.
    for (let i = seen.length - 2 * C; i < seen.length; i++) {
      const t = t0 + i;
      const cs = cycleSecondAt(shifted, E0 + t);
      for (let g = 0; g < G; g++) {
        const want = compiled.states[cs * G + g] === STATE_CODE.green;
        const k = centre.linkGroup.indexOf(g);
        expect(charClass(seen[i]![k]!) === CLS_GREEN, `t=${t} ${centre.spec.signalGroups[g]!.id}`).toBe(want);
      }
    }
  });
});

describe.skipIf(!hasSumo)('SUMO bridge in lock-step', { timeout: 120_000 }, () => {
  let tn: TestNet;
  let th: TestHub;
  let session: Session;
  let client: MqttClient;
  beforeAll(async () => {
    tn = await makeTestNet({ size: 3, endSec: 600 });
    th = await startTestHub();
    session = await openSession({ sumocfg: tn.sumocfg, mqttUrl: th.hub.mqttUrl, lockstep: true, lockstepTimeoutMs: 300 });
    client = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'bridge-lockstep-test' });
  }, 120_000);
  afterAll(async () => {
    await client?.endAsync();
    await session?.close();
    await th?.close();
    await tn?.cleanup();
  });

  it('waits for the hub’s answer of every adaptive signal each second, and counts the seconds it had to give up', async () => {
    const b = session.bridge;
    const centre = session.net.signals.find((s) => s.tlId === tn.centreTls)!;
    await b.run(b.t + 20);
    expect(b.stats.lockstepWaits).toBe(0); // fixed-time signals need no answer
    const stage = (tsMs: number, cmdId: string) => JSON.stringify({ cmdId, tsMs, greens: [centre.spec.signalGroups[0]!.id], validUntilMs: tsMs + 5000, issuedBy: 'test' });
    await client.publishAsync(`city/v1/tls/${centre.id}/stage`, stage(b.tsMs(b.t), 'first'), { qos: 1 });
    await waitFor(() => b.safety.get(centre.id)!.mode === 'adaptive', 5000, 'adaptive');
    // Nobody answers: every second waits the bounded time, then goes on (the first second was answered
    // by the request itself: its tsMs is that second's).
    const t0 = Date.now();
    await b.run(b.t + 3);
    expect(b.stats.lockstepTimeouts).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2 * 300 - 50);
    // A hub that answers each TlsState with a StageCommand of the same tsMs: no more timeouts.
    await client.subscribeAsync(`city/v1/tls/${centre.id}/state`, { qos: 0 });
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/state')) return;
      const st = JSON.parse(payload.toString()) as TlsState;
      client.publishAsync(`city/v1/tls/${centre.id}/stage`, stage(st.tsMs, `ans-${st.tsMs}`), { qos: 1 }).catch(() => {});
    });
    const waits = b.stats.lockstepWaits;
    await b.run(b.t + 30);
    // At most the current second times out once more: its state went out before this hub listened.
    expect(b.stats.lockstepTimeouts).toBeLessThanOrEqual(3);
    expect(b.stats.lockstepWaits).toBeGreaterThan(waits + 20); // it really waited for the answers
    expect(b.safety.get(centre.id)!.mode).toBe('adaptive');
  });
});
