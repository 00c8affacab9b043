/**
 * GET /api/replay against a real hub: garage status published over MQTT at T−9 min and now, the
 * replay at T−5 min answers the past value; alarms as they stood; 400 for bad atMs / unknown
 * families; 403 for a family the role may not see live, and the wall gets public families only.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSee, FAMILIES, parkingTopics, transitTopics, type ParkingEntity, type ReplayResponse, type TransitVehicleEntity } from '../../protocol/index.ts';
import { hashPassword } from '../../server/auth/password.ts';
import { login, startTestHub, waitFor, type Login, type TestHub } from './harness.ts';

let th: TestHub;
let dev: MqttClient;
let wall: Login;
let utility: Login;
let wallToken = '';
const T = Date.now();

beforeAll(async () => {
  th = await startTestHub();
  dev = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'replay-test-device' });
  const pw = 'correct-horse-battery';
  const hash = await hashPassword(pw);
  await th.hub.store.upsertUser({ username: 'wall-op', role: 'operator', passwordHash: hash }, T);
  await th.hub.store.upsertUser({ username: 'util', role: 'utility', passwordHash: hash }, T);
  wall = await login(th.url, 'wall-op', pw);
  utility = await login(th.url, 'util', pw);
  wallToken = (await th.hub.auth.displays.create('Replay-Wand')).token;
  const pub = (topic: string, payload: unknown, retain = false) => dev.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain });
  await pub(parkingTopics.meta('P-RP'), { id: 'P-RP', name: 'Replayhaus', zone: 'City', lon: 6.76, lat: 51.43, address: 'x', totalParkingCapacity: 200, openingTimes: { alwaysOpen: true }, tsMs: T - 3600_000 }, true);
  await waitFor(() => th.hub.families.parking.entities.get('P-RP'), 5000, 'garage meta');
  const st = (tsMs: number, occ: number) => ({ tsMs, occupiedSpaces: occ, vacantSpaces: 200 - occ, parkingSiteStatus: 'spacesAvailable', occupancy: occ / 200, occupancyTrend: 'increasing', entryRateVehH: 100, exitRateVehH: 20 });
  await pub(parkingTopics.status('P-RP'), st(T - 9 * 60_000, 50));
  await pub(parkingTopics.status('P-RP'), st(T - 60_000, 190));
  await waitFor(() => (th.hub.families.parking.entities.get('P-RP') as ParkingEntity).occupied === 190, 5000, 'status now');
  await th.hub.store.flush();
});
afterAll(async () => {
  await dev?.endAsync();
  await th?.close();
});

const replay = async (who: Login | null, query: string) => {
  const r = who ? await who.fetch(`/api/replay?${query}`) : await fetch(`${th.url}/api/replay?${query}`);
  return { status: r.status, body: (await r.json()) as ReplayResponse & { error?: { code: string; message: string } } };
};

describe('GET /api/replay', () => {
  it('answers the garage as it was at T−5 min (the sample of T−9 min), and as it is at T', async () => {
    const past = await replay(wall, `atMs=${T - 5 * 60_000}&families=parking`);
    expect(past.status).toBe(200);
    expect(Object.keys(past.body.families)).toEqual(['parking']);
    const fam = past.body.families.parking!;
    expect(fam.coverage).toBe('history');
    const g = fam.entities.find((e) => e.id === 'P-RP')!;
    expect(g).toMatchObject({ name: 'Replayhaus', occupied: 50, vacant: 150, tsMs: T - 9 * 60_000, status: 'spacesAvailable', link: 'live', trend: null });
    expect(g.forecast).toBeUndefined();
    const now = await replay(wall, `atMs=${T}&families=parking`);
    expect(now.body.families.parking!.entities.find((e) => e.id === 'P-RP')).toMatchObject({ occupied: 190, vacant: 10, status: 'almostFull' });
    // Older than the look-back: no data then, not the present value.
    const before = await replay(wall, `atMs=${T - 30 * 60_000}&families=parking`);
    expect(before.body.families.parking!.entities.find((e) => e.id === 'P-RP')).toMatchObject({ occupied: null, vacant: null, link: 'lost', status: 'statusUnknown' });
  });

  it('answers every family the role may see when none are named; unhistorised families are empty, not live', async () => {
    const r = await replay(wall, `atMs=${T}`);
    expect(r.status).toBe(200);
    const operator = { kind: 'user' as const, name: 'x', role: 'operator' as const };
    expect(Object.keys(r.body.families).sort()).toEqual(FAMILIES.filter((f) => canSee(operator, f)).sort());
    expect(r.body.families.drone).toBeUndefined();
    expect(r.body.families.links).toMatchObject({ coverage: 'none', entities: [] });
  });

  it('refuses bad parameters with 400 and a stable code', async () => {
    for (const q of ['', 'atMs=abc', 'atMs=-5', 'atMs=1.5', `atMs=${T + 3600_000}`, 'atMs=1&atMs=2']) {
      const r = await replay(wall, q);
      expect(r.status, q).toBe(400);
      expect(r.body.error!.code, q).toBe('E_BAD_REQUEST');
    }
    const u = await replay(wall, `atMs=${T}&families=parking,rockets`);
    expect(u.status).toBe(400);
    expect(u.body.error).toMatchObject({ code: 'E_UNKNOWN_FAMILY' });
    expect(u.body.error!.message).toContain('rockets');
  });

  it('gives a role exactly what it may see live: 403 for the rest, 401 without login', async () => {
    expect((await replay(wall, `atMs=${T}&families=drone`)).status).toBe(403); // operator: no drone
    expect((await replay(utility, `atMs=${T}&families=lampFaults,parking`)).status).toBe(200);
    expect((await replay(null, `atMs=${T}`)).status).toBe(401);
    const viaWall = async (q: string) => {
      const r = await fetch(`${th.url}/api/replay?${q}&display=${wallToken}`);
      return { status: r.status, body: (await r.json()) as ReplayResponse & { error?: { code: string } } };
    };
    for (const f of ['alarms', 'drone', 'lighting', 'lampFaults']) {
      const r = await viaWall(`atMs=${T}&families=${f}`);
      expect(r.status, f).toBe(403);
      expect(r.body.error!.code).toBe('E_FORBIDDEN');
    }
    const ok = await viaWall(`atMs=${T - 5 * 60_000}`);
    expect(ok.status).toBe(200);
    const display = { kind: 'display' as const, name: 'x', role: 'wall' as const };
    expect(Object.keys(ok.body.families).sort()).toEqual(FAMILIES.filter((f) => canSee(display, f)).sort());
    expect(ok.body.families.alarms).toBeUndefined();
    expect(ok.body.families.parking!.entities.find((e) => e.id === 'P-RP')!.occupied).toBe(50);
  });

  it('replays a transit vehicle where it was (position, delay, direction are historised)', async () => {
    const stops = [0, 1, 2].map((i) => ({ stopId: `RP-S${i}`, name: `Halt ${i}`, lon: 6.74 + i * 0.01, lat: 51.44, distanceM: i * 700 }));
    const dir = (directionId: 0 | 1, ss: typeof stops) => ({ directionId, headsign: ss.at(-1)!.name, stops: ss.map((x, i) => ({ ...x, distanceM: i * 700 })), geometry: ss.map((x) => [x.lon, x.lat]), runTimesSec: [120, 120], dwellSec: 20 });
    const meta = { id: 'RP', name: 'RP', mode: 'bus', colour: '#336699', directions: [dir(0, stops), dir(1, [...stops].reverse())], headways: [{ days: 'weekday', fromHour: 0, toHour: 30, headwayMin: 10 }], tsMs: T };
    await dev.publishAsync(transitTopics.lineMeta('RP'), JSON.stringify(meta), { qos: 1, retain: true });
    await waitFor(() => th.hub.families.transit, 2000, 'transit family');
    const pos = (tsMs: number, lon: number, delaySec: number) => ({ trip: { tripId: 'RP-t', routeId: 'RP', directionId: 0 }, vehicle: { id: 'RP-1' }, position: { latitude: 51.44, longitude: lon }, tsMs, delaySec });
    const now = Date.now();
    await dev.publishAsync(transitTopics.position('RP-1'), JSON.stringify(pos(now - 3 * 60_000, 6.741, 30)), { qos: 1 });
    await waitFor(() => th.hub.families.transit.entities.get('RP-1'), 5000, 'vehicle');
    await dev.publishAsync(transitTopics.position('RP-1'), JSON.stringify(pos(now - 1000, 6.758, 240)), { qos: 1 });
    await waitFor(() => (th.hub.families.transit.entities.get('RP-1') as TransitVehicleEntity | undefined)?.delaySec === 240, 5000, 'moved');
    await th.hub.store.flush();
    const r = await replay(wall, `atMs=${now - 2 * 60_000}&families=transit`);
    expect(r.status).toBe(200);
    const v = r.body.families.transit!.entities.find((e) => e.id === 'RP-1')!;
    expect(v).toMatchObject({ lon: 6.741, lat: 51.44, delaySec: 30, directionId: 0, lineName: 'RP', tsMs: now - 3 * 60_000, stopId: null });
    // Before its first position it was not on the road.
    expect((await replay(wall, `atMs=${now - 10 * 60_000}&families=transit`)).body.families.transit!.entities.find((e) => e.id === 'RP-1')).toBeUndefined();
  });

  it('replays alarms as they stood: raised, then acknowledged', async () => {
    const now = Date.now();
    // A real condition through the engine: raised at now−4 min, acknowledged at now−2 min.
    const { alarmEngine } = th.hub;
    const ts = alarmEngine.evaluate({ entity: 'parking:P-RP', condition: 'test', active: true, priority: 'low', area: 'utility', message: 'Test' }, now - 4 * 60_000);
    for (const t of ts) th.hub.store.addAlarmTransition(alarmEngine.alarms.get(t.alarmId)!, { ...t });
    th.hub.alarms.put({ ...alarmEngine.alarms.get('parking:P-RP|test')! });
    th.hub.alarmAction({ kind: 'ack' }, 'parking:P-RP|test', 'anna', now - 2 * 60_000);
    await th.hub.store.flush();
    const at = async (ms: number) => (await replay(wall, `atMs=${ms}&families=alarms`)).body.families.alarms!.entities.find((a) => a.id === 'parking:P-RP|test');
    expect(await at(now - 5 * 60_000)).toBeUndefined();
    expect(await at(now - 3 * 60_000)).toMatchObject({ state: 'UNACK', activeSinceMs: now - 4 * 60_000, ackedBy: null });
    expect(await at(now - 60_000)).toMatchObject({ state: 'ACKED', ackedBy: 'anna' });
  });
});
