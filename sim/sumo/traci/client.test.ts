/**
 * TraCI client against a real `sumo` (1.15) on a 3x3 grid the test generates (sim/sumo/testnet.ts):
 * handshake, stepping, signal get/set, detectors, subscriptions, typed errors.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestNet, sumoAvailable, type TestNet } from '../testnet.ts';
import { readStaticPrograms } from '../eval/actuated.ts';
import { TraciClient } from './client.ts';
import * as C from './constants.ts';
import type { TlLogic } from './decode.ts';
import { TraciError } from './errors.ts';
import { freePort, startSumo, type SumoSession } from './spawn.ts';

const hasSumo = await sumoAvailable();
if (!hasSumo) console.warn('sumo/netgenerate not installed (apt-get install sumo sumo-tools): skipping TraCI tests');

describe.skipIf(!hasSumo)('TraCI client against real sumo', () => {
  let tn: TestNet;
  let s: SumoSession | null = null;

  beforeAll(async () => {
    tn = await makeTestNet({ endSec: 900, vehiclesPerHour: 1200 });
  });
  afterAll(async () => {
    await tn?.cleanup();
  });
  afterEach(async () => {
    if (s && !s.traci.closed) await s.close();
    s = null;
  });

  const start = async () => {
    s = await startSumo({ args: ['-c', tn.sumocfg, '--no-step-log', 'true', '--seed', '1'], cwd: tn.dir });
    return s.traci;
  };

  it('handshakes and reports the API and SUMO version', async () => {
    const t = await start();
    const v = await t.getVersion();
    expect(v.apiVersion).toBeGreaterThanOrEqual(20);
    expect(v.sumoVersion).toMatch(/^SUMO \d+\.\d+/);
  });

  it('steps to a target time and one second at a time; vehicles depart', async () => {
    const t = await start();
    expect(await t.simulation.getTime()).toBe(0);
    expect(await t.simulation.getDeltaT()).toBe(1);
    await t.simulationStep(10);
    expect(await t.simulation.getTime()).toBe(10);
    await t.simulationStep(); // exactly one step
    expect(await t.simulation.getTime()).toBe(11);
    let departed = 0;
    for (let k = 12; k <= 120; k++) {
      await t.simulationStep(k);
      departed += await t.simulation.getDepartedNumber();
    }
    expect(departed).toBeGreaterThan(20);
    const ids = await t.vehicle.getIDList();
    expect(ids.length).toBeGreaterThan(0);
    const p = await t.vehicle.getPosition(ids[0]!);
    // grid of 3 x 200 m with 150 m fringe edges: coordinates within [0, 700]
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.x).toBeLessThanOrEqual(700);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.y).toBeLessThanOrEqual(700);
    expect(await t.vehicle.getTypeID(ids[0]!)).toBe('DEFAULT_VEHTYPE');
    expect(await t.vehicle.getLine(ids[0]!)).toBe('');
    expect(await t.simulation.getMinExpectedNumber()).toBeGreaterThan(0);
  });

  it('reads a signal: ids, state, program, phase, controlled links, complete program', async () => {
    const t = await start();
    expect((await t.trafficlight.getIDList()).sort()).toEqual([...tn.tlsIds].sort());
    const id = tn.centreTls;
    const state = await t.trafficlight.getRedYellowGreenState(id);
    const links = await t.trafficlight.getControlledLinks(id);
    expect(state).toMatch(/^[rygGsuoO]+$/);
    expect(links.length).toBe(state.length);
    // every link leaves one of the junction's incoming lanes (the detectors sit on exactly those)
    const incoming = new Set(tn.e1Ids.map((d) => d.slice(3)));
    for (const l of links) {
      expect(l.length).toBe(1);
      expect(incoming.has(l[0]!.fromLane)).toBe(true);
      expect(l[0]!.viaLane.startsWith(`:${id}_`)).toBe(true);
    }
    expect(await t.trafficlight.getProgram(id)).toBe('0');
    expect(await t.trafficlight.getPhase(id)).toBe(0);
    const logics = await t.trafficlight.getAllProgramLogics(id);
    const fromNet = (await readStaticPrograms(tn.netFile)).find((l) => l.id === id)!;
    expect(logics).toHaveLength(1);
    expect(logics[0]!.programId).toBe('0');
    expect(logics[0]!.type).toBe(C.TRAFFICLIGHT_TYPE_STATIC);
    expect(logics[0]!.phases.map((p) => [p.durationSec, p.state])).toEqual(fromNet.phases.map((p) => [Number(p.duration), p.state]));
    expect(state).toBe(logics[0]!.phases[0]!.state);
    expect(await t.trafficlight.getPhaseDuration(id)).toBe(logics[0]!.phases[0]!.durationSec);
    expect((await t.trafficlight.getControlledLanes(id)).length).toBe(state.length);
    expect(await t.trafficlight.getControlledJunctions(id)).toEqual([id]);
    // the static program switches to phase 1 (amber) after phase 0's duration
    const switchAt = await t.trafficlight.getNextSwitch(id);
    expect(Math.abs(switchAt - logics[0]!.phases[0]!.durationSec)).toBeLessThanOrEqual(1);
    await t.simulationStep(switchAt - 1);
    expect(await t.trafficlight.getPhase(id)).toBe(0);
    await t.simulationStep(switchAt + 1);
    expect(await t.trafficlight.getPhase(id)).toBe(1);
    expect(await t.trafficlight.getRedYellowGreenState(id)).toBe(logics[0]!.phases[1]!.state);
  });

  it('sets a state string and reads it back (SUMO holds it in the "online" program)', async () => {
    const t = await start();
    const id = tn.centreTls;
    const n = (await t.trafficlight.getRedYellowGreenState(id)).length;
    const state = 'r'.repeat(n - 1) + 'G';
    await t.trafficlight.setRedYellowGreenState(id, state);
    expect(await t.trafficlight.getRedYellowGreenState(id)).toBe(state);
    expect(await t.trafficlight.getProgram(id)).toBe('online');
    for (let k = 1; k <= 120; k++) await t.simulationStep(k);
    expect(await t.trafficlight.getRedYellowGreenState(id)).toBe(state); // held, not cycled
    // back to the static program, then jump to phase 2 and shorten it
    await t.trafficlight.setProgram(id, '0');
    await t.trafficlight.setPhase(id, 2);
    expect(await t.trafficlight.getPhase(id)).toBe(2);
    await t.trafficlight.setPhaseDuration(id, 7);
    expect(await t.trafficlight.getNextSwitch(id)).toBe(120 + 7);
  });

  it('installs a complete program (extended-length command) and reads it back', async () => {
    const t = await start();
    const id = tn.centreTls;
    const base = (await t.trafficlight.getAllProgramLogics(id))[0]!;
    const logic: TlLogic = {
      programId: 'test',
      type: C.TRAFFICLIGHT_TYPE_STATIC,
      currentPhaseIndex: 0,
      phases: base.phases.map((p, i) => ({ ...p, durationSec: i % 2 === 0 ? 20 : 3, minDurSec: -1, maxDurSec: -1, name: `p${i}` })),
      params: { origin: 'client.test' },
    };
    await t.trafficlight.setProgramLogic(id, logic);
    expect(await t.trafficlight.getProgram(id)).toBe('test');
    const all = await t.trafficlight.getAllProgramLogics(id);
    const got = all.find((l) => l.programId === 'test')!;
    expect(got.phases.map((p) => [p.durationSec, p.state, p.name])).toEqual(logic.phases.map((p) => [p.durationSec, p.state, p.name]));
    expect(got.params).toEqual({ origin: 'client.test' });
    // the installed program runs: phase 0 (20 s) ends at the announced switch time
    const switchAt = await t.trafficlight.getNextSwitch(id);
    expect(switchAt).toBeGreaterThanOrEqual(20);
    expect(switchAt).toBeLessThanOrEqual(21);
    await t.simulationStep(switchAt - 1);
    expect(await t.trafficlight.getPhase(id)).toBe(0);
    await t.simulationStep(switchAt + 1);
    expect(await t.trafficlight.getPhase(id)).toBe(1);
  });

  it('detector values change with traffic (induction loops and lane-area detectors)', async () => {
    const t = await start();
    expect((await t.inductionloop.getIDList()).sort()).toEqual([...tn.e1Ids].sort());
    expect((await t.lanearea.getIDList()).sort()).toEqual([...tn.e2Ids].sort());
    // all red at the centre: queues must build on the lane-area detectors
    const n = (await t.trafficlight.getRedYellowGreenState(tn.centreTls)).length;
    await t.trafficlight.setRedYellowGreenState(tn.centreTls, 'r'.repeat(n));
    let maxE2Vehicles = 0;
    let maxE2Halting = 0;
    let maxE2Occupancy = 0;
    for (let k = 1; k <= 240; k++) {
      await t.simulationStep(k);
      for (const d of tn.e2Ids) {
        maxE2Vehicles = Math.max(maxE2Vehicles, await t.lanearea.getLastStepVehicleNumber(d));
        maxE2Halting = Math.max(maxE2Halting, await t.lanearea.getLastStepHaltingNumber(d));
        maxE2Occupancy = Math.max(maxE2Occupancy, await t.lanearea.getLastStepOccupancy(d));
      }
    }
    expect(maxE2Halting).toBeGreaterThan(2);
    expect(maxE2Vehicles).toBeGreaterThanOrEqual(maxE2Halting);
    expect(maxE2Occupancy).toBeGreaterThan(10);
    // release: vehicles cross the stop-line loops
    await t.trafficlight.setProgram(tn.centreTls, '0');
    let e1Count = 0;
    let speedSeen = -1;
    for (let k = 241; k <= 400; k++) {
      await t.simulationStep(k);
      for (const d of tn.e1Ids) {
        const v = await t.inductionloop.getLastStepVehicleNumber(d);
        e1Count += v;
        if (v > 0) speedSeen = Math.max(speedSeen, await t.inductionloop.getLastStepMeanSpeed(d));
      }
    }
    expect(e1Count).toBeGreaterThan(5);
    expect(speedSeen).toBeGreaterThan(0);
    expect(await t.inductionloop.getLaneID(tn.e1Ids[0]!)).toBe(tn.e1Ids[0]!.slice(3));
  });

  it('subscriptions deliver every subscribed value with each step in one round trip', async () => {
    const t = await start();
    const tls = tn.centreTls;
    const first = await t.trafficlight.subscribe(tls, [C.TL_RED_YELLOW_GREEN_STATE, C.TL_CURRENT_PHASE]);
    expect(first!.get(C.TL_CURRENT_PHASE)).toBe(0);
    await t.simulation.subscribe();
    for (const d of tn.e2Ids) await t.lanearea.subscribe(d);
    for (const d of tn.e1Ids) await t.inductionloop.subscribe(d);

    // count the bytes the client writes: one message per step
    const sock = (t as unknown as { socket: net.Socket }).socket;
    const writes: number[] = [];
    const origWrite = sock.write.bind(sock);
    (sock as unknown as { write: (b: Buffer) => boolean }).write = (b: Buffer) => {
      writes.push(b.length);
      return origWrite(b);
    };
    const phases = new Set<number>();
    let departed = 0;
    let e2Max = 0;
    for (let k = 1; k <= 200; k++) {
      const r = await t.simulationStep(k);
      expect(r.number(C.CMD_GET_SIM_VARIABLE, '', C.VAR_TIME)).toBe(k);
      departed += r.number(C.CMD_GET_SIM_VARIABLE, '', C.VAR_DEPARTED_VEHICLES_NUMBER);
      const phase = r.number(C.CMD_GET_TL_VARIABLE, tls, C.TL_CURRENT_PHASE);
      phases.add(phase);
      expect(r.string(C.CMD_GET_TL_VARIABLE, tls, C.TL_RED_YELLOW_GREEN_STATE)).toMatch(/^[rygG]+$/);
      expect([...r.objects(C.CMD_GET_LANEAREA_VARIABLE)].sort()).toEqual([...tn.e2Ids].sort());
      for (const d of tn.e2Ids) {
        const vars = r.object(C.CMD_GET_LANEAREA_VARIABLE, d)!;
        expect([...vars.keys()].sort()).toEqual(
          [C.LAST_STEP_VEHICLE_NUMBER, C.LAST_STEP_MEAN_SPEED, C.LAST_STEP_OCCUPANCY, C.LAST_STEP_VEHICLE_HALTING_NUMBER].sort(),
        );
        e2Max = Math.max(e2Max, vars.get(C.LAST_STEP_VEHICLE_NUMBER) as number);
      }
      for (const d of tn.e1Ids) {
        expect(r.number(C.CMD_GET_INDUCTIONLOOP_VARIABLE, d, C.LAST_STEP_OCCUPANCY)).toBeGreaterThanOrEqual(0);
      }
      expect(r.stepErrors()).toEqual([]);
    }
    expect(writes).toHaveLength(200);
    expect(phases.size).toBeGreaterThanOrEqual(3); // the signal cycled through its phases
    expect(departed).toBeGreaterThan(30);
    expect(e2Max).toBeGreaterThan(0);
    // unsubscribe (empty variable list) removes the object from the step results
    await t.trafficlight.subscribe(tls, []);
    const r = await t.simulationStep(201);
    expect(r.object(C.CMD_GET_TL_VARIABLE, tls)).toBeUndefined();
  });

  it('a bad id is a TraciError with the command and SUMO message; the connection stays usable', async () => {
    const t = await start();
    const err = await t.trafficlight.getRedYellowGreenState('no-such-signal').catch((e) => e);
    expect(err).toBeInstanceOf(TraciError);
    expect(err.kind).toBe('status');
    expect(err.commandId).toBe(C.CMD_GET_TL_VARIABLE);
    expect(err.commandName).toBe('trafficlight.get');
    expect(err.sumoMessage).toContain("'no-such-signal' is not known");
    expect(err.message).toContain('trafficlight.get');
    const setErr = await t.trafficlight.setPhase(tn.centreTls, 99).catch((e) => e);
    expect(setErr).toBeInstanceOf(TraciError);
    expect(setErr.commandName).toBe('trafficlight.set');
    const detErr = await t.lanearea.getLastStepOccupancy('nope').catch((e) => e);
    expect(detErr.commandName).toBe('lanearea.get');
    // still in sync
    await t.simulationStep(5);
    expect(await t.simulation.getTime()).toBe(5);
  });

  it('after close every call fails with a connection TraciError, and sumo exits 0', async () => {
    const t = await start();
    await t.simulationStep(3);
    const code = await s!.close();
    expect(code).toBe(0);
    const err = await t.simulation.getTime().catch((e) => e);
    expect(err).toBeInstanceOf(TraciError);
    expect(err.kind).toBe('connection');
    expect(err.commandName).toBe('simulation.get');
  });

  it('startSumo reports why sumo failed to start', async () => {
    const err = await startSumo({ args: ['-c', `${tn.dir}/missing.sumocfg`] }).catch((e) => e);
    expect(err).toBeInstanceOf(TraciError);
    expect(err.message).toMatch(/sumo exited.*missing\.sumocfg/s);
  });
});

describe('TraCI connect', () => {
  it('retries until the deadline, then fails with a timeout TraciError', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const err = await TraciClient.connect(port, { timeoutMs: 300, retryDelayMs: 20 }).catch((e) => e);
    expect(err).toBeInstanceOf(TraciError);
    expect(err.kind).toBe('timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('connects once the server comes up while retrying', async () => {
    const port = await freePort();
    const srv = net.createServer((c) => c.destroy());
    setTimeout(() => srv.listen(port, '127.0.0.1'), 150);
    const client = await TraciClient.connect(port, { timeoutMs: 5000, retryDelayMs: 20 });
    expect(client).toBeInstanceOf(TraciClient);
    await new Promise<void>((r) => srv.close(() => r()));
  });
});
