import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONSTRUCTION_PAYLOADS } from '../protocol/construction.ts';
import { DRONE_PAYLOADS } from '../protocol/drone.ts';
import { ENVIRONMENT_PAYLOADS } from '../protocol/environment.ts';
import { LIGHTING_PAYLOADS } from '../protocol/lighting.ts';
import { MAX_PAYLOAD_BYTES } from '../protocol/mqtt.ts';
import { SHOREPOWER_PAYLOADS } from '../protocol/shorepower.ts';
import { DEVICE_ID_RE, parseTopic } from '../protocol/topics.ts';
import { createUtilitiesAndDrone, type Msg } from './utilities-drone.ts';

/** The hub's view: one schema per `{kind}/{channel}`. */
type Schema = { safeParse(x: unknown): { success: boolean; error?: unknown } };
const SCHEMAS: Record<string, Record<string, Schema>> = {
  ...LIGHTING_PAYLOADS,
  ...ENVIRONMENT_PAYLOADS,
  ...SHOREPOWER_PAYLOADS,
  ...CONSTRUCTION_PAYLOADS,
  ...DRONE_PAYLOADS,
};

function check(m: Msg): void {
  const p = parseTopic(m.topic);
  expect(p, m.topic).not.toBeNull();
  expect(p!.deviceId).toMatch(DEVICE_ID_RE);
  const schema = SCHEMAS[p!.kind]?.[p!.channel];
  expect(schema, m.topic).toBeDefined();
  const r = schema!.safeParse(JSON.parse(m.payload));
  expect(r.success, `${m.topic} ${m.payload.slice(0, 300)} ${JSON.stringify(r.error)}`).toBe(true);
  expect(Buffer.byteLength(m.payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
  expect(m.retain).toBe(p!.channel === 'meta');
  expect(m.qos).toBe(p!.channel === 'meta' ? 1 : 0);
}

const START = Date.UTC(2025, 10, 12, 15, 20); // 16:20 CET, ~10 min before sunset

function scenario(seed: number, minutes: number, lampCount = 3000): Msg[] {
  const u = createUtilitiesAndDrone({ seed, lampCount, startMs: START });
  const out: Msg[] = [...u.meta()];
  for (let s = 1; s <= minutes * 60; s++) {
    const t = START + s * 1000;
    if (s === 60) {
      u.drone.startMission('E-2025-1112', 6.7621, 51.4359);
      u.environment.setRhineScenario('flood', { hours: 6 });
      u.lighting.injectCabinetOutage(u.lighting.inventory.cabinets[2]!.id);
      u.shorepower.moorVessel('LS-MERCATORINSEL-1');
    }
    for (const m of u.step(t, 1, { trafficIntensity: 0.8 })) out.push(m);
  }
  return out;
}

describe('createUtilitiesAndDrone', () => {
  it('meta: every device announced, retained, valid, under 64 KiB (full 46,000-lamp city)', () => {
    const u = createUtilitiesAndDrone({ seed: 1, startMs: START });
    expect(u.lighting.inventory.lampIds.length).toBe(46_000);
    const meta = u.meta();
    for (const m of meta) check(m);
    const kinds = new Map<string, number>();
    for (const m of meta) kinds.set(parseTopic(m.topic)!.kind, (kinds.get(parseTopic(m.topic)!.kind) ?? 0) + 1);
    expect(kinds.get('cabinet')).toBe(u.lighting.inventory.cabinets.length);
    expect(kinds.get('env')).toBe(2);
    expect(kinds.get('weather')).toBe(1);
    expect(kinds.get('gauge')).toBe(1);
    expect(kinds.get('shorepower')).toBe(7);
    expect(kinds.get('drone')).toBe(1);
    expect(kinds.get('construction')).toBeGreaterThanOrEqual(4);
  });

  it('every message of a busy dusk (drone mission, flood, cabinet outage, mooring) parses with its schema', () => {
    const msgs = scenario(7, 30);
    const kinds = new Set(msgs.map((m) => `${parseTopic(m.topic)!.kind}/${parseTopic(m.topic)!.channel}`));
    for (const k of ['lamp/state', 'cabinet/state', 'env/obs', 'weather/obs', 'gauge/obs', 'shorepower/state', 'drone/telemetry']) expect(kinds).toContain(k);
    for (const m of msgs) check(m);
    expect(msgs.some((m) => m.payload.includes('"flightMode":"orbit"'))).toBe(true);
    expect(msgs.some((m) => m.payload.includes('"fault":"supplyFailure"'))).toBe(true);
  });

  it('is deterministic by seed', () => {
    const digest = (seed: number) => {
      const h = createHash('sha256');
      for (const m of scenario(seed, 10)) h.update(m.topic).update(m.payload);
      return h.digest('hex');
    };
    expect(digest(3)).toBe(digest(3));
    expect(digest(3)).not.toBe(digest(4));
  });

  it('traffic intensity drives NO2 at the traffic station', () => {
    const no2 = (traffic: number) => {
      const u = createUtilitiesAndDrone({ seed: 1, lampCount: 500, startMs: START });
      let sum = 0;
      for (let s = 1; s <= 1800; s += 10) {
        u.step(START + s * 1000, 10, { trafficIntensity: traffic });
        sum += u.environment.current().no2UgM3[0]!;
      }
      return sum / 180;
    };
    expect(no2(1)).toBeGreaterThan(no2(0) + 15);
  });
});
