/**
 * Every device kind besides `tls` through the real pipeline: MQTT client -> embedded Aedes -> hub
 * handlers -> Socket.IO families, plus unknown_device refusals, REST extras and derived alarms.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  constructionTopics,
  droneTopics,
  environmentTopics,
  lightingTopics,
  parkingTopics,
  shorePowerTopics,
  transitTopics,
  type Delta,
  type Family,
  type SubscribeResponse,
} from '../../protocol/index.ts';
import { metricValue, connectClient, startTestHub, waitFor, type TestHub, type TestSocket } from './harness.ts';

let th: TestHub;
let dev: MqttClient;
let sock: TestSocket;
const seen = new Map<Family, Map<string, Record<string, unknown>>>();
const removed = new Map<Family, Set<string>>();

const FAMS: Family[] = ['transit', 'parking', 'lighting', 'lampFaults', 'environment', 'construction', 'drone'];

beforeAll(async () => {
  th = await startTestHub({});
  dev = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'kinds-test-device' });
  sock = await connectClient(th.url);
  sock.on('delta', (d: Delta) => {
    let m = seen.get(d.family);
    if (!m) seen.set(d.family, (m = new Map()));
    for (const u of d.upserts) m.set(u.id, { ...m.get(u.id), ...(u as Record<string, unknown>) });
    for (const r of d.removes) {
      m.delete(r);
      let s = removed.get(d.family);
      if (!s) removed.set(d.family, (s = new Set()));
      s.add(r);
    }
  });
  for (const family of FAMS) {
    const res = (await sock.timeout(5000).emitWithAck('subscribe', { family })) as SubscribeResponse;
    expect(res.ok).toBe(true);
  }
});

afterAll(async () => {
  sock?.close();
  await dev?.endAsync();
  await th?.close();
});

const pub = (topic: string, payload: unknown, retain = false) => dev.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain });
const entity = (family: Family, id: string) => seen.get(family)?.get(id);
async function rejectedBy(reason: string, atLeast: number) {
  let v = 0;
  for (let i = 0; i < 100; i++) {
    v = await metricValue(th.url, 'hub_rejected_total', { reason });
    if (v >= atLeast) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return v;
}

describe('transit', () => {
  it('fuses positions of vehicles of announced lines, refuses others, serves the line metas', async () => {
    const now = Date.now();
    const stops = [
      { stopId: 's1', name: 'Hbf', lon: 6.775, lat: 51.43, distanceM: 0 },
      { stopId: 's2', name: 'König-Heinrich-Platz', lon: 6.765, lat: 51.432, distanceM: 800 },
    ];
    await pub(transitTopics.lineMeta('901'), {
      id: '901', name: '901', mode: 'tram', colour: '#E2001A',
      directions: [{ directionId: 0, headsign: 'Obermarxloh', stops, geometry: [[6.775, 51.43], [6.765, 51.432]], runTimesSec: [120], dwellSec: 20 }],
      headways: [{ days: 'weekday', fromHour: 5, toHour: 24, headwayMin: 10 }], tsMs: now,
    }, true);
    const vp = (id: string, routeId: string, tsMs: number, delaySec: number) => ({
      trip: { tripId: 'T1', routeId, directionId: 0 }, vehicle: { id }, position: { latitude: 51.431, longitude: 6.77, speed: 8, bearing: 270 },
      stopId: 's2', currentStatus: 'IN_TRANSIT_TO', tsMs, delaySec,
    });
    await pub(transitTopics.position('901-3'), vp('901-3', '901', now, 420));
    await pub(transitTopics.position('999-1'), vp('999-1', '999', now, 0));
    const e = await waitFor(() => entity('transit', '901-3'), 5000, 'vehicle 901-3');
    expect(e).toMatchObject({ lineId: '901', lineName: '901', mode: 'tram', color: '#E2001A', speedKmh: 28.8, delaySec: 420, stopId: 's2', link: 'live' });
    expect(await rejectedBy('unknown_device', 1)).toBeGreaterThanOrEqual(1);
    expect(await metricValue(th.url, 'hub_messages_total', { kind: 'transit', result: 'rejected' })).toBe(1);

    const lines = await (await th.fetch('/api/transit/lines')).json();
    expect(lines.map((l: { id: string }) => l.id)).toEqual(['901']);
    expect(lines[0].directions[0].stops).toHaveLength(2);

    // Late for more than 5 min: low alarm after its 60 s on-delay; silent for 2 min: removed.
    th.hub.checkNow(now + 61_000);
    expect(th.hub.alarmEngine.alarms.get('transit:901-3|late')).toMatchObject({ state: 'UNACK', priority: 'low', area: 'transit' });
    th.hub.checkNow(now + 121_000);
    await waitFor(() => removed.get('transit')?.has('901-3'), 5000, 'vehicle removed after 2 min silence');
    expect(th.hub.alarmEngine.alarms.get('transit:901-3|late')!.state).toBe('RTNUN');
  });
});

describe('parking', () => {
  it('fuses status against the meta, refuses inconsistent capacity and unknown garages, alarms full', async () => {
    const now = Date.now();
    await pub(parkingTopics.meta('P-CITY'), {
      id: 'P-CITY', name: 'City Palais', zone: 'Innenstadt', lon: 6.765, lat: 51.433, address: 'König-Heinrich-Platz',
      totalParkingCapacity: 500, openingTimes: { alwaysOpen: true }, tsMs: now,
    }, true);
    const st = (occ: number, vac: number, s = 'full') => ({ tsMs: now, occupiedSpaces: occ, vacantSpaces: vac, parkingSiteStatus: s, occupancy: occ / (occ + vac), occupancyTrend: 'increasing', entryRateVehH: 100, exitRateVehH: 20 });
    const schemaBefore = await metricValue(th.url, 'hub_rejected_total', { reason: 'schema' });
    const unknownBefore = await metricValue(th.url, 'hub_rejected_total', { reason: 'unknown_device' });
    await pub(parkingTopics.status('P-CITY'), st(495, 10));
    await pub(parkingTopics.status('P-NOPE'), st(10, 490, 'spacesAvailable'));
    await pub(parkingTopics.status('P-CITY'), st(498, 2));
    const e = await waitFor(() => entity('parking', 'P-CITY')?.occupied === 498 && entity('parking', 'P-CITY'), 5000, 'garage status');
    expect(e).toMatchObject({ name: 'City Palais', capacity: 500, vacant: 2, status: 'full', trend: 'increasing' });
    expect(await rejectedBy('schema', schemaBefore + 1)).toBe(schemaBefore + 1);
    expect(await rejectedBy('unknown_device', unknownBefore + 1)).toBe(unknownBefore + 1);
    await th.hub.store.flush();
    const quarantined = (await th.hub.store.quarantine(50)).find((q) => q.reason === 'schema' && q.topic.includes('P-CITY'));
    expect(quarantined?.detail).toMatch(/totalParkingCapacity is 500/);
    expect(await th.hub.store.latest('parking:P-CITY', 'occupied')).toMatchObject({ value: 498 });

    th.hub.checkNow(now + 5 * 60_000);
    expect(th.hub.alarmEngine.alarms.has('parking:P-CITY|full')).toBe(false);
    th.hub.checkNow(now + 10 * 60_000 + 1000);
    expect(th.hub.alarmEngine.alarms.get('parking:P-CITY|full')).toMatchObject({ state: 'UNACK', priority: 'low', area: 'utility' });
  });
});

describe('lighting', () => {
  it('aggregates lamps into cabinets, tracks faults, one alarm for a dead cabinet, lamp alarms suppressed', async () => {
    const now = Date.now();
    const lamps = Array.from({ length: 5 }, (_, i) => ({ id: `L-9-${i}`, lon: 6.76 + i * 1e-4, lat: 51.43, powerNominalW: 60, lampTechnology: 'LED' }));
    await pub(lightingTopics.cabinetMeta('SK9'), { id: 'SK9', district: 'Dellviertel', lon: 6.76, lat: 51.43, lamps, tsMs: now }, true);
    const lamp = (faults: string[] = [], powerState = 'on') => ({ tsMs: now + 1, status: faults.length ? 'defectiveLamp' : 'ok', powerState, illuminanceLevel: faults.includes('out') ? 0 : 1, powerConsumptionW: 50, faults });
    for (const l of lamps.slice(0, 3)) await pub(lightingTopics.lampState(l.id), lamp());
    await pub(lightingTopics.lampState('L-9-3'), lamp(['out']));
    await pub(lightingTopics.lampState('L-9-4'), lamp(['dayBurner'], 'off'));
    const unknownBefore = await metricValue(th.url, 'hub_rejected_total', { reason: 'unknown_device' });
    await pub(lightingTopics.lampState('L-NOWHERE'), lamp());
    await pub(lightingTopics.cabinetState('SK-NOWHERE'), { tsMs: now, powerState: 'on', energyKWh: 1, activePowerW: 100, commsOk: true });
    expect(await rejectedBy('unknown_device', unknownBefore + 2)).toBe(unknownBefore + 2);

    const cab = await waitFor(() => entity('lighting', 'SK9')?.lampsFaulty === 2 && entity('lighting', 'SK9'), 5000, 'cabinet aggregate');
    expect(cab).toMatchObject({ district: 'Dellviertel', lampCount: 5, lampsOn: 4, lampsFaulty: 2 });
    await waitFor(() => entity('lampFaults', 'L-9-4'), 5000, 'lamp fault L-9-4');
    expect(entity('lampFaults', 'L-9-3')).toMatchObject({ cabinetId: 'SK9', faults: ['out'], lon: lamps[3]!.lon });

    // Fault clears: the lamp leaves the family.
    await pub(lightingTopics.lampState('L-9-4'), { ...lamp([], 'off'), tsMs: now + 2 });
    await waitFor(() => removed.get('lampFaults')?.has('L-9-4'), 5000, 'L-9-4 removed from lampFaults');

    // The cabinet dies; a second lamp is out (e.g. reported just before): one high alarm, lamp alarms suppressed.
    await pub(lightingTopics.cabinetState('SK9'), { tsMs: now + 3, powerState: 'off', energyKWh: 1234.5, activePowerW: 0, commsOk: false, fault: 'supplyFailure' });
    await pub(lightingTopics.lampState('L-9-0'), { ...lamp(['out']), tsMs: now + 4 });
    await waitFor(() => entity('lighting', 'SK9')?.fault === 'supplyFailure', 5000, 'cabinet fault');
    th.hub.checkNow(now + 16 * 60_000);
    const all = [...th.hub.alarmEngine.alarms.values()].filter((a) => a.area === 'utility' && a.entity.match(/SK9|L-9-/));
    const annunciated = all.filter((a) => a.state === 'UNACK');
    expect(annunciated.map((a) => a.id)).toEqual(['cabinet:SK9|fault']);
    expect(annunciated[0]!.priority).toBe('high');
    const lampAlarms = all.filter((a) => a.entity.startsWith('lamp:'));
    expect(lampAlarms.map((a) => a.id).sort()).toEqual(['lamp:L-9-0|out', 'lamp:L-9-3|out']);
    for (const a of lampAlarms) expect(a).toMatchObject({ state: 'DSUPR', priority: 'low', causeId: 'cabinet:SK9|fault' });
    await th.hub.store.flush();
    expect(await th.hub.store.latest('cabinet:SK9', 'energyKWh')).toMatchObject({ value: 1234.5 });

    const pos = await (await th.fetch('/api/lighting/lamps')).json();
    expect(pos.ids).toEqual(lamps.map((l) => l.id));
    expect(pos.cabinet).toEqual(lamps.map(() => 'SK9'));
    expect(pos.lon[2]).toBe(lamps[2]!.lon);
  });
});

describe('environment', () => {
  it('fuses air, weather, gauge and shore power; high water alarms; faulted shore power alarms', async () => {
    const now = Date.now();
    await pub(environmentTopics.airQualityMeta('du-test'), {
      id: 'du-test', name: 'DU Teststraße', stationType: 'traffic', lon: 6.77, lat: 51.43, pollutants: ['no2', 'pm10'],
      limits: { no2HourlyUgM3: 200, no2AnnualUgM3: 40, pm10DailyUgM3: 50, pm10AnnualUgM3: 40 }, intervalSec: 60, tsMs: now,
    }, true);
    await pub(environmentTopics.weatherMeta('wx-test'), { id: 'wx-test', name: 'Wetter Test', lon: 6.76, lat: 51.43, intervalSec: 60, tsMs: now }, true);
    await pub(environmentTopics.gaugeMeta('ruhrort-t'), {
      id: 'ruhrort-t', name: 'Ruhrort', water: 'Rhein', lon: 6.73, lat: 51.45, marks: { highWaterMarkICm: 930, highWaterMarkIICm: 1130 }, intervalSec: 300, tsMs: now,
    }, true);
    await pub(shorePowerTopics.meta('LS-T'), { id: 'LS-T', name: 'Leinpfad T', site: 'Leinpfad', berthType: 'freight', lon: 6.73, lat: 51.455, maxPowerKW: 44, tsMs: now }, true);

    await pub(environmentTopics.airQualityObs('du-test'), { tsMs: now, no2UgM3: 41.5, pm10UgM3: 22 });
    await pub(environmentTopics.weatherObs('wx-test'), { tsMs: now, airTempC: 12.5, relHumidityPct: 70, windSpeedMs: 3, windDirDeg: 240, precipMmH: 0, illuminanceLux: 20000 });
    await pub(environmentTopics.gaugeObs('ruhrort-t'), { tsMs: now, waterLevelCm: 1135, trend: 'rising', trendCmPerH: 4 });
    await pub(shorePowerTopics.state('LS-T'), { tsMs: now, status: 'faulted', powerKW: 0, sessionEnergyKWh: 0 });
    const unknownBefore = await metricValue(th.url, 'hub_rejected_total', { reason: 'unknown_device' });
    await pub(environmentTopics.gaugeObs('nope'), { tsMs: now, waterLevelCm: 500, trend: 'steady' });
    expect(await rejectedBy('unknown_device', unknownBefore + 1)).toBe(unknownBefore + 1);

    await waitFor(() => entity('environment', 'LS-T')?.status === 'faulted', 5000, 'shore power state');
    expect(entity('environment', 'du-test')).toMatchObject({ kind: 'air', values: { no2UgM3: 41.5, pm10UgM3: 22, pm25UgM3: null }, limits: { no2HourlyUgM3: 200 }, link: 'live' });
    expect(entity('environment', 'wx-test')).toMatchObject({ kind: 'weather', values: { airTempC: 12.5, illuminanceLux: 20000 } });
    expect(entity('environment', 'ruhrort-t')).toMatchObject({ kind: 'gauge', status: 'rising', values: { waterLevelCm: 1135 }, limits: { waterLevelCm: 1130, highWaterMarkICm: 930 } });
    expect(entity('environment', 'LS-T')).toMatchObject({ kind: 'shorepower', limits: { powerKW: 44 }, values: { powerKW: 0 } });

    const alarms = th.hub.alarmEngine.alarms;
    expect(alarms.get('gauge:ruhrort-t|highWater')).toMatchObject({ state: 'UNACK', priority: 'high', area: 'environment' });
    expect(alarms.get('gauge:ruhrort-t|highWaterMarkI')).toMatchObject({ state: 'DSUPR', priority: 'medium' });
    expect(alarms.get('shorepower:LS-T|faulted')).toMatchObject({ state: 'UNACK', priority: 'medium', area: 'utility' });
    await th.hub.store.flush();
    expect(await th.hub.store.latest('gauge:ruhrort-t', 'waterLevelCm')).toMatchObject({ value: 1135 });
    expect(await th.hub.store.latest('weather:wx-test', 'windSpeedMs')).toMatchObject({ value: 3 });

    // Inside the 5 cm deadband the alarm holds; below it, it clears after the off-delay.
    await pub(environmentTopics.gaugeObs('ruhrort-t'), { tsMs: now + 1000, waterLevelCm: 1127, trend: 'falling' });
    await waitFor(() => entity('environment', 'ruhrort-t')?.status === 'falling', 5000, 'falling gauge');
    th.hub.checkNow(now + 20 * 60_000);
    expect(alarms.get('gauge:ruhrort-t|highWater')!.state).toBe('UNACK');
    await pub(environmentTopics.gaugeObs('ruhrort-t'), { tsMs: now + 2000, waterLevelCm: 1120, trend: 'falling' });
    await waitFor(() => (entity('environment', 'ruhrort-t')?.values as Record<string, number>)?.waterLevelCm === 1120, 5000, 'lower gauge');
    th.hub.checkNow(Date.now() + 16 * 60_000);
    expect(alarms.get('gauge:ruhrort-t|highWater')!.state).toBe('RTNUN');

    // Silent stations are lost: medium environment alarm for the gauge, low utility alarm for shore power.
    th.hub.checkNow(Date.now() + 3 * 3600_000);
    expect(alarms.get('gauge:ruhrort-t|lost')).toMatchObject({ priority: 'medium', area: 'environment' });
    expect(alarms.get('shorepower:LS-T|lost')).toMatchObject({ priority: 'low', area: 'utility' });
    await waitFor(() => entity('environment', 'du-test')?.link === 'lost', 5000, 'air station lost');
  });
});

describe('construction', () => {
  it('shows running sites, removes finished and cleared ones', async () => {
    const now = Date.now();
    const site = (id: string, endMs: number) => ({
      id, title: `Baustelle ${id}`, polygon: [[[6.76, 51.43], [6.761, 51.43], [6.761, 51.431], [6.76, 51.43]]], affectedLinkIds: ['a-b'], lanesClosed: 1,
      startMs: now - 86_400_000, endMs, description: 'Kanalbau', tsMs: now,
    });
    await pub(constructionTopics.meta('B1'), site('B1', now + 30 * 86_400_000), true);
    await pub(constructionTopics.meta('B2'), site('B2', now + 60_000), true);
    await pub(constructionTopics.meta('B-OLD'), site('B-OLD', now - 1000), true);
    await waitFor(() => entity('construction', 'B2'), 5000, 'site B2');
    expect(entity('construction', 'B1')).toMatchObject({ title: 'Baustelle B1', lanesClosed: 1, affectedLinkIds: ['a-b'] });
    expect(th.hub.families.construction.entities.has('B-OLD')).toBe(false);
    th.hub.checkNow(now + 61_000);
    await waitFor(() => removed.get('construction')?.has('B2'), 5000, 'B2 removed when over');
    await dev.publishAsync(constructionTopics.meta('B1'), '', { qos: 1, retain: true });
    await waitFor(() => removed.get('construction')?.has('B1'), 5000, 'B1 removed by an empty retained meta');
  });
});

describe('drone', () => {
  it('fuses telemetry with a thinned track, alarms low battery and loss in flight', async () => {
    const now = Date.now();
    await pub(droneTopics.meta('FW-UAS-1'), { id: 'FW-UAS-1', name: 'Florian Duisburg UAS 1', model: 'M30T', homeLon: 6.77, homeLat: 51.43, tsMs: now }, true);
    const tel = (i: number, lat: number, batteryPct: number) => ({
      tsMs: now + i * 500, lat, lon: 6.77, altM: 60, headingDeg: 0, groundSpeedMs: 10, batteryPct, flightMode: 'transit',
      camera: { pitchDeg: -45, yawDeg: 0, hfovDeg: 80, vfovDeg: 60 }, missionId: 'E-0815',
    });
    await pub(droneTopics.telemetry('FW-UAS-1'), tel(1, 51.43, 50));
    await pub(droneTopics.telemetry('FW-UAS-1'), tel(2, 51.43002, 50)); // ~2 m: not a track point
    await pub(droneTopics.telemetry('FW-UAS-1'), tel(3, 51.4301, 19));
    const unknownBefore = await metricValue(th.url, 'hub_rejected_total', { reason: 'unknown_device' });
    await pub(droneTopics.telemetry('FW-UAS-9'), tel(1, 51.43, 50));
    expect(await rejectedBy('unknown_device', unknownBefore + 1)).toBe(unknownBefore + 1);
    const e = await waitFor(() => entity('drone', 'FW-UAS-1')?.batteryPct === 19 && entity('drone', 'FW-UAS-1'), 5000, 'drone telemetry');
    expect(e).toMatchObject({ name: 'Florian Duisburg UAS 1', altM: 60, flightMode: 'transit', missionId: 'E-0815', link: 'live' });
    expect(e.track).toEqual([[6.77, 51.43], [6.77, 51.4301]]);
    expect(th.hub.alarmEngine.alarms.get('drone:FW-UAS-1|batteryLow')).toMatchObject({ state: 'UNACK', priority: 'high', area: 'fire' });
    await th.hub.store.flush();
    expect(await th.hub.store.latest('drone:FW-UAS-1', 'batteryPct')).toMatchObject({ value: 19 });
    th.hub.checkNow(Date.now() + 61_000);
    expect(th.hub.alarmEngine.alarms.get('drone:FW-UAS-1|lost')).toMatchObject({ state: 'UNACK', priority: 'high', area: 'fire' });
  });
});
