import { describe, expect, it } from 'vitest';
import { CabinetMeta, CabinetState, LIGHTING_PAYLOADS, LampState } from '../../protocol/lighting.ts';
import { MAX_PAYLOAD_BYTES } from '../../protocol/mqtt.ts';
import { parseTopic } from '../../protocol/topics.ts';
import { generateLampInventory, type LampInventory } from '../city/lighting.ts';
import { Rng } from '../rng.ts';
import { sunTimes, type Msg } from './environment.ts';
import { LightingEmulator, type LightingOptions } from './lighting.ts';

const FULL = generateLampInventory({ count: 46_000, seed: 1 });
const SMALL = generateLampInventory({ count: 5000, seed: 2 });

const WINTER_NIGHT = Date.UTC(2025, 0, 15, 20, 0); // 21:00 CET, lamps on
const SUMMER_NOON = Date.UTC(2025, 5, 21, 10, 0); // 12:00 CEST, lamps off

function make(inventory: LampInventory, opts: Partial<LightingOptions> = {}, seed = 5): LightingEmulator {
  return new LightingEmulator({ inventory, rng: new Rng(seed), ...opts });
}

/** Runs [start+dt .. start+seconds] and returns the messages; the emulator must already have stepped at `start`. */
function run(em: LightingEmulator, start: number, seconds: number, dt = 1, lux?: (t: number) => number, sink?: (m: Msg, t: number) => void): Msg[] {
  const all: Msg[] = [];
  for (let s = dt; s <= seconds; s += dt) {
    const t = start + s * 1000;
    const out = em.step(t, dt, lux ? { illuminanceLux: lux(t) } : {});
    if (sink) for (const m of out) sink(m, t);
    else for (const m of out) all.push(m);
  }
  return all;
}

const idOf = (topic: string) => parseTopic(topic)!.deviceId;
const isLamp = (m: Msg) => m.topic.includes('/lamp/');
const isCabinet = (m: Msg) => m.topic.includes('/cabinet/');

describe('cabinet outage', () => {
  it('yields exactly one cabinet fault message and silences all of its lamps, then they come back', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    em.step(WINTER_NIGHT, 1);
    const cab = SMALL.cabinets[3]!;
    const lampIds = new Set(em.lampIdsOf(cab.id));
    // Before: within one heartbeat period every lamp of the cabinet speaks.
    const before = run(em, WINTER_NIGHT, 900);
    const heard = new Set(before.filter(isLamp).map((m) => idOf(m.topic)).filter((id) => lampIds.has(id)));
    expect(heard.size).toBe(lampIds.size);

    const t0 = WINTER_NIGHT + 900_000;
    em.injectCabinetOutage(cab.id, 'breakerTripped');
    const during = run(em, t0, 840); // shorter than the heartbeat period
    const cabMsgs = during.filter((m) => isCabinet(m) && idOf(m.topic) === cab.id);
    expect(cabMsgs.length).toBe(1);
    const state = CabinetState.parse(JSON.parse(cabMsgs[0]!.payload));
    expect(state.fault).toBe('breakerTripped');
    expect(state.powerState).toBe('off');
    expect(state.activePowerW).toBe(0);
    expect(during.filter((m) => isLamp(m) && lampIds.has(idOf(m.topic)))).toEqual([]);
    // One cabinet event, not thousands of lamp events: the rest of the city carries on as before.
    const others = during.filter((m) => isLamp(m)).length;
    expect(others).toBeGreaterThan(((SMALL.lampIds.length - lampIds.size) * 840) / 900 - 10);
    expect(others).toBeLessThan(((SMALL.lampIds.length - lampIds.size) * 840) / 900 + 10);

    em.restoreCabinet(cab.id);
    const after = run(em, t0 + 840_000, 120);
    const back = after.filter((m) => isCabinet(m) && idOf(m.topic) === cab.id).map((m) => CabinetState.parse(JSON.parse(m.payload)));
    expect(back[0]!.fault).toBeNull();
    expect(back.at(-1)!.powerState).toBe('on');
    const announced = new Set(after.filter((m) => isLamp(m) && lampIds.has(idOf(m.topic))).map((m) => idOf(m.topic)));
    expect(announced.size).toBe(lampIds.size);
  });

  it('injected outages stay until restored or their repairAfterHours; a superseded repair does not clear a new fault', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    em.step(WINTER_NIGHT, 1);
    const id = SMALL.cabinets[7]!.id;
    const faultOf = (msgs: Msg[]) =>
      msgs.filter((m) => isCabinet(m) && idOf(m.topic) === id).map((m) => CabinetState.parse(JSON.parse(m.payload)).fault ?? null);
    em.injectCabinetOutage(id, 'supplyFailure', { repairAfterHours: 1 });
    expect(faultOf(run(em, WINTER_NIGHT, 600, 10))).toEqual(['supplyFailure']);
    em.restoreCabinet(id);
    em.injectCabinetOutage(id, 'breakerTripped'); // no automatic repair this time
    const later = faultOf(run(em, WINTER_NIGHT + 600_000, 2 * 3600, 10));
    expect(later.length).toBeGreaterThan(2); // heartbeats
    expect(new Set(later)).toEqual(new Set(['breakerTripped']));
    expect(em.activeFaults().breakerTripped).toBe(1);
    em.restoreCabinet(id);
    em.injectCabinetOutage(id, 'supplyFailure', { repairAfterHours: 0.5 });
    const healed = faultOf(run(em, WINTER_NIGHT + 7_800_000, 3600, 10));
    expect(healed[0]).toBe('supplyFailure');
    expect(healed.at(-1)).toBeNull();
  });

  it('lamp-network comms loss: one message with commsOk false, lamps silent though lit', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    em.step(WINTER_NIGHT, 1);
    run(em, WINTER_NIGHT, 10);
    const cab = SMALL.cabinets[5]!;
    const lampIds = new Set(em.lampIdsOf(cab.id));
    em.injectCabinetCommsLoss(cab.id);
    const during = run(em, WINTER_NIGHT + 10_000, 840);
    const cabMsgs = during.filter((m) => isCabinet(m) && idOf(m.topic) === cab.id).map((m) => CabinetState.parse(JSON.parse(m.payload)));
    expect(cabMsgs.length).toBe(1);
    expect(cabMsgs[0]!.commsOk).toBe(false);
    expect(cabMsgs[0]!.activePowerW).toBeGreaterThan(cab.lampCount * 10); // still lit
    expect(during.filter((m) => isLamp(m) && lampIds.has(idOf(m.topic)))).toEqual([]);
  });
});

describe('heartbeats', () => {
  it('46,000 lamps: every lamp once per 15 min, no second above 2x the mean', () => {
    const em = make(FULL, { faultRateScale: 0, initialBacklog: false });
    em.step(SUMMER_NOON, 1);
    const perSecond = new Map<number, number>();
    const perLamp = new Map<string, number>();
    run(em, SUMMER_NOON, 900, 1, undefined, (m, t) => {
      if (!isLamp(m)) return;
      perSecond.set(t, (perSecond.get(t) ?? 0) + 1);
      const id = idOf(m.topic);
      perLamp.set(id, (perLamp.get(id) ?? 0) + 1);
    });
    expect(perLamp.size).toBe(46_000);
    for (const n of perLamp.values()) expect(n).toBe(1);
    const mean = 46_000 / 900;
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2 * mean);
    expect(perSecond.size).toBe(900);
  });
});

describe('switching by light sensor and astronomical clock', () => {
  it('clear sky, 21 June: off before sunset, all on within 45 min after it, off again after sunrise', () => {
    const { sunsetMs } = sunTimes(Date.UTC(2025, 5, 21, 12));
    const { sunriseMs } = sunTimes(Date.UTC(2025, 5, 22, 12));
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    const t0 = sunsetMs! - 30 * 60_000;
    em.step(t0, 1);
    run(em, t0, 15 * 60, 5);
    expect(em.litCount()).toBe(0);
    run(em, t0 + 15 * 60_000, 15 * 60 + 45 * 60, 5); // to sunset + 45 min
    expect(em.litCount()).toBeGreaterThan(SMALL.lampIds.length * 0.99);
    const night = sunsetMs! + 45 * 60_000;
    run(em, night, (sunriseMs! + 45 * 60_000 - night) / 1000, 10);
    expect(em.litCount()).toBe(0);
  });

  it('an overcast evening switches the lamps on earlier than a clear one', () => {
    const { sunsetMs } = sunTimes(Date.UTC(2025, 9, 15, 12));
    const t0 = sunsetMs! - 40 * 60_000;
    const firstOn = (factor: number) => {
      const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
      em.step(t0, 1, { illuminanceLux: 5000 });
      let at = Number.NaN;
      run(em, t0, 7200, 10, (t) => Math.max(0, factor * 400 * 10 ** ((sunsetMs! - t) / 1_500_000)), (m, t) => {
        if (Number.isNaN(at) && isCabinet(m) && m.payload.includes('"powerState":"on"')) at = t;
      });
      return at;
    };
    expect(firstOn(0.15)).toBeLessThan(firstOn(1));
  });

  it('night dimming: LED lamps of dimming cabinets report low around 01:00', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    const t0 = Date.UTC(2025, 0, 15, 21, 0); // 22:00 CET
    em.step(t0, 1);
    const msgs = run(em, t0, 3 * 3600, 5).filter(isLamp).map((m) => LampState.parse(JSON.parse(m.payload)));
    const low = msgs.filter((s) => s.powerState === 'low');
    expect(low.length).toBeGreaterThan(SMALL.lampIds.length * 0.2);
    for (const s of low) expect(s.illuminanceLevel).toBe(0.5);
  });
});

describe('lamp faults', () => {
  it('injected faults are reported by the one lamp concerned, as FIWARE status + fault list', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    em.step(WINTER_NIGHT, 1);
    run(em, WINTER_NIGHT, 30);
    const ids = SMALL.lampIds;
    em.injectLampFault(ids[10]!, 'out');
    em.injectLampFault(ids[20]!, 'flicker');
    em.injectLampFault(ids[30]!, 'columnIssue');
    em.injectLampFault(ids[40]!, 'commsLost');
    const msgs = run(em, WINTER_NIGHT + 30_000, 10);
    const of = (id: string) => msgs.filter((m) => m.topic.endsWith(`/lamp/${id}/state`)).map((m) => LampState.parse(JSON.parse(m.payload)));
    expect(of(ids[10]!)).toHaveLength(1);
    expect(of(ids[10]!)[0]).toMatchObject({ status: 'defectiveLamp', powerState: 'on', illuminanceLevel: 0, faults: ['out'] });
    expect(of(ids[20]!)[0]).toMatchObject({ status: 'defectiveLamp', faults: ['flicker'] });
    expect(of(ids[30]!)[0]).toMatchObject({ status: 'columnIssue', illuminanceLevel: 0 });
    // A lamp that lost its comms says nothing, not even its heartbeat.
    const later = run(em, WINTER_NIGHT + 40_000, 900);
    expect(later.filter((m) => m.topic.endsWith(`/lamp/${ids[40]}/state`))).toEqual([]);
    expect(later.filter((m) => m.topic.endsWith(`/lamp/${ids[10]}/state`))).toHaveLength(1); // its heartbeat, still latched
  });

  it('a day burner shows at noon, a power anomaly drifts away from nominal', () => {
    const em = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    em.step(SUMMER_NOON, 1);
    em.injectLampFault(SMALL.lampIds[50]!, 'dayBurner');
    const noon = run(em, SUMMER_NOON, 10).filter((m) => m.topic.includes(SMALL.lampIds[50]!));
    expect(LampState.parse(JSON.parse(noon[0]!.payload))).toMatchObject({ powerState: 'on', illuminanceLevel: 1, faults: ['dayBurner'] });

    const night = make(SMALL, { faultRateScale: 0, initialBacklog: false });
    night.step(WINTER_NIGHT, 1);
    const id = SMALL.lampIds[60]!;
    night.injectLampFault(id, 'powerAnomaly');
    const reports = run(night, WINTER_NIGHT, 2 * 3600, 5)
      .filter((m) => m.topic.includes(id))
      .map((m) => LampState.parse(JSON.parse(m.payload)));
    expect(reports.length).toBeGreaterThan(1);
    const nominal = SMALL.nominalW[60]!;
    expect(Math.abs(reports.at(-1)!.powerConsumptionW / nominal - 1)).toBeGreaterThan(0.15);
    expect(reports.at(-1)!.faults).toContain('powerAnomaly');
  });

  it('random faults over a simulated January day: plausible rates, ~0.1-0.5 % of lamps dark', { timeout: 120_000 }, () => {
    const em = make(FULL, {}, 21);
    const t0 = Date.UTC(2025, 0, 15, 11, 0); // noon CET
    em.step(t0, 1);
    const openAtStart = em.activeFaults();
    run(em, t0, 12 * 3600, 5, undefined, () => {});
    const litAtMidnight = em.litCount();
    run(em, t0 + 12 * 3_600_000, 12 * 3600, 5, undefined, () => {});
    const s = em.stats.faultsStarted;
    const lampFaults = s.out + s.flicker + s.dayBurner + s.powerAnomaly + s.columnIssue + s.commsLost;
    // Expected per day: out ~11, flicker ~3, day burner ~1, anomaly ~0.8, column ~0.4, comms ~1.3.
    expect(s.out).toBeGreaterThanOrEqual(3);
    expect(s.out).toBeLessThanOrEqual(25);
    expect(lampFaults).toBeGreaterThanOrEqual(6);
    expect(lampFaults).toBeLessThanOrEqual(40);
    // Per cabinet-year ~0.75 faults: ~1 a day over ~460 cabinets.
    expect(s.supplyFailure + s.breakerTripped + s.lampNetworkDown + s.backhaulDown).toBeLessThanOrEqual(6);
    // Steady-state backlog of dark lamps (repairs take days): tens, not thousands.
    expect(openAtStart.out).toBeGreaterThan(10);
    expect(openAtStart.out).toBeLessThan(150);
    expect(litAtMidnight).toBeGreaterThan(46_000 * 0.99);
    expect(litAtMidnight).toBeLessThan(46_000 - 10);
  });
});

describe('messages', () => {
  it('every message parses with its schema (busy dusk with 50x fault rates)', () => {
    const em = make(SMALL, { faultRateScale: 50 });
    const t0 = Date.UTC(2025, 0, 15, 15, 30);
    em.step(t0, 1);
    const msgs = run(em, t0, 2 * 3600, 1);
    expect(msgs.length).toBeGreaterThan(SMALL.lampIds.length);
    for (const m of msgs) {
      const p = parseTopic(m.topic)!;
      const schema = (LIGHTING_PAYLOADS as Record<string, Record<string, { safeParse(x: unknown): { success: boolean; error?: unknown } }>>)[p.kind]![p.channel]!;
      const r = schema.safeParse(JSON.parse(m.payload));
      expect(r.success, m.payload).toBe(true);
      expect(m.retain).toBe(false);
      expect(m.qos).toBe(0);
    }
    const faulty = msgs.filter((m) => m.payload.includes('"faults"'));
    expect(faulty.length).toBeGreaterThan(0);
  });

  it('cabinet meta: retained, valid, every lamp listed once, each payload under 64 KiB', () => {
    const em = make(FULL);
    const metas = em.meta(WINTER_NIGHT);
    expect(metas.length).toBe(FULL.cabinets.length);
    let lamps = 0;
    let biggest = 0;
    for (const m of metas) {
      expect(m.retain).toBe(true);
      expect(m.qos).toBe(1);
      const bytes = Buffer.byteLength(m.payload);
      biggest = Math.max(biggest, bytes);
      expect(bytes).toBeLessThan(MAX_PAYLOAD_BYTES);
      const meta = CabinetMeta.parse(JSON.parse(m.payload));
      lamps += meta.lamps.length;
    }
    expect(lamps).toBe(46_000);
    expect(biggest).toBeLessThan(20_000);
  });

  it('is deterministic by seed', () => {
    const go = (seed: number) => {
      const em = make(SMALL, { faultRateScale: 20 }, seed);
      const t0 = Date.UTC(2025, 0, 15, 15, 30);
      em.step(t0, 1);
      return run(em, t0, 1800, 1);
    };
    const a = go(1);
    expect(a).toEqual(go(1));
    expect(a).not.toEqual(go(2));
  });
});

describe('cost', () => {
  it('one model hour of 46,000 lamps at 1 s steps (dusk: every lamp switches) stays cheap', () => {
    const em = make(FULL, {}, 3);
    const t0 = Date.UTC(2025, 0, 15, 15, 30); // 16:30 CET, sunset ~16:53
    em.step(t0, 1);
    let n = 0;
    const started = performance.now();
    run(em, t0, 3600, 1, undefined, () => n++);
    const ms = performance.now() - started;
    console.log(`lighting: one model hour, 46,000 lamps, 1 s steps: ${ms.toFixed(0)} ms, ${n} messages`);
    expect(n).toBeGreaterThan(184_000); // heartbeats alone
    expect(ms).toBeLessThan(5000);
  });
});
