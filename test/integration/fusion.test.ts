/**
 * The control-room fusion through the real pipeline: MQTT client -> embedded broker -> hub handlers
 * -> families and REST: links + corridors, intersection estimates, transit headways/bunching/
 * arrivals, parking forecast, lighting energy per district and work orders.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lightingTopics, parkingTopics, signalTopics, topics, transitTopics, type LinkEntity, type ParkingEntity, type TlsEntity } from '../../protocol/index.ts';
import { startTestHub, waitFor, type TestHub } from './harness.ts';

let th: TestHub;
let dev: MqttClient;

beforeAll(async () => {
  th = await startTestHub({});
  dev = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'fusion-test-device' });
});

afterAll(async () => {
  await dev?.endAsync();
  await th?.close();
});

const pub = (topic: string, payload: unknown, retain = false) => dev.publishAsync(topic, JSON.stringify(payload), { qos: 1, retain });
const get = async (path: string) => {
  const r = await th.fetch(path);
  return { status: r.status, body: (await r.json()) as any };
};

describe('links, corridors and intersection estimates', () => {
  it('learns K003>K009 from the metas, measures it from K009 detectors, serves the corridor', async () => {
    const now = Date.now();
    await pub(topics.tlsMeta('K003'), {
      id: 'K003', name: 'Mercatorstraße / Mülheimer Straße', lon: 6.7723, lat: 51.4352, district: 'Mitte',
      approaches: [{ id: 's', street: 'Mercatorstraße', bearingDeg: 0, lanes: 2 }], detectorIds: ['K003-s1', 'K003-s2'], tsMs: now,
    }, true);
    const plan = { planId: 'P1', cycleSec: 60, offsetSec: 0, greens: [{ groupId: 'K1', startSec: 0, endSec: 30 }, { groupId: 'K2', startSec: 34, endSec: 56 }] };
    await pub(topics.tlsMeta('K009'), {
      id: 'K009', name: 'Mercatorstraße / Mainstraße', lon: 6.7725, lat: 51.4338, district: 'Mitte',
      approaches: [{ id: 'n', street: 'Mercatorstraße', bearingDeg: 175, lanes: 2 }, { id: 'w', street: 'Mainstraße', bearingDeg: 90, lanes: 1 }],
      detectorIds: ['K009-n1', 'K009-n2', 'K009-w1'],
      signal: {
        spec: {
          signalGroups: [
            { id: 'K1', kind: 'vehicle', approachIds: ['n'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
            { id: 'K2', kind: 'vehicle', approachIds: ['w'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
          ],
          conflicts: [['K1', 'K2']],
          intergreenSec: [{ from: 'K1', to: 'K2', sec: 4 }, { from: 'K2', to: 'K1', sec: 4 }],
          maxCycleSec: 120,
        },
        plan,
      },
      tsMs: now,
    }, true);
    await waitFor(() => th.hub.tls.entities.get('K009'), 5000, 'K009 meta');
    th.hub.tlsHandler.relearnLinks();
    const links = th.hub.families.links;
    const link = await waitFor(() => links.entities.get('K003>K009') as LinkEntity | undefined, 5000, 'learned link');
    expect(link).toMatchObject({ from: 'K003', to: 'K009', street: 'Mercatorstraße', lanes: 2, speedLimitKmh: 50, flowVehH: null });

    await pub(signalTopics.state('K009'), { tsMs: now, planId: 'P1', cycleSec: 60, cycleSecond: 40, mode: 'fixed', groups: { K1: 'red', K2: 'green' } });
    await waitFor(() => th.hub.tls.entities.get('K009')?.cycleSecond === 40, 5000, 'state');
    // 60 s: 10 + 5 vehicles at 15 % on the Mercatorstraße lanes → q = 900 veh/h, k = 40 veh/km, v = 22.5 km/h.
    await pub(topics.tlsDetectors('K009'), {
      tsMs: now + 1000, intervalSec: 60,
      detectors: [{ id: 'K009-n1', count: 10, occupancyPct: 15 }, { id: 'K009-n2', count: 5, occupancyPct: 15 }, { id: 'K009-w1', count: 3, occupancyPct: 5 }],
    });
    const measured = await waitFor(() => (links.entities.get('K003>K009') as LinkEntity).flowVehH !== null && (links.entities.get('K003>K009') as LinkEntity), 5000, 'measured link');
    expect(measured).toMatchObject({ flowVehH: 900, densityVehKm: 40, speedKmh: 22.5, los: 'D', sources: ['detectors'], link: 'live' });
    expect(measured.travelTimeSec).toBeCloseTo(measured.lengthM / (22.5 / 3.6), 0);

    const tls = th.hub.tls.entities.get('K009') as TlsEntity;
    const n = tls.approachStats!.find((a) => a.approachId === 'n')!;
    // x = 900 / (2·1800·30/60) = 0.5; red since second 30 (41 now): queue 0.25 veh/s · 11 s = 2.75.
    expect(n).toMatchObject({ groupIds: ['K1'], flowVehH: 900, saturation: 0.5, queueVeh: 2.8 });
    expect(n.delaySecPerVeh).toBeGreaterThan(5);
    expect(tls.delaySecPerVeh).toBeGreaterThan(0);

    const { status, body } = await get('/api/corridors');
    expect(status).toBe(200);
    const ns = body.find((c: any) => c.id === 'mercator-kardinal-galen-ns');
    expect(ns.tls[0]).toBe('K003');
    expect(ns.missingLinks).not.toContain('K003>K009'); // learned; the others are not announced here
    expect(ns.travelTimeSec).toBeNull();

    // The announced signal spec and plan, with position and approaches, for the signals panel.
    const sig = await get('/api/tls/signal?id=K009');
    expect(sig.status).toBe(200);
    expect(sig.body.plan).toEqual(plan);
    expect(sig.body.spec.signalGroups.map((g: any) => g.id)).toEqual(['K1', 'K2']);
    expect(sig.body).toMatchObject({ lon: 6.7725, lat: 51.4338, approaches: [{ id: 'n', street: 'Mercatorstraße', bearingDeg: 175 }, { id: 'w', street: 'Mainstraße', bearingDeg: 90 }] });
    expect((await get('/api/tls/signal?id=K003')).status).toBe(404); // no signal announced
    expect((await get('/api/tls/signal?id=NOPE')).status).toBe(404);
    expect((await get('/api/tls/signal')).status).toBe(400);
  });
});

describe('transit headways, bunching and arrivals', () => {
  it('detects a bunched pair, raises the line alarm after 3 min, predicts arrivals', async () => {
    const now = Date.now();
    const stops = [
      { stopId: 'fs1', name: 'Hbf', lon: 6.77, lat: 51.43, distanceM: 0 },
      { stopId: 'fs2', name: 'Mitte', lon: 6.77, lat: 51.44, distanceM: 1112 },
      { stopId: 'fs3', name: 'Nord', lon: 6.77, lat: 51.45, distanceM: 2224 },
    ];
    const allDay = (['weekday', 'saturday', 'sunday'] as const).map((days) => ({ days, fromHour: 0, toHour: 30, headwayMin: 10 }));
    await pub(transitTopics.lineMeta('F1'), {
      id: 'F1', name: 'F1', mode: 'tram', colour: '#E2001A',
      directions: [{ directionId: 0, headsign: 'Nord', stops, geometry: [[6.77, 51.43], [6.77, 51.45]], runTimesSec: [120, 180], dwellSec: 20 }],
      headways: allDay, tsMs: now,
    }, true);
    const vp = (id: string, tsMs: number, status: string, stopId: string, lat: number) => ({
      trip: { tripId: `trip-${id}`, routeId: 'F1', directionId: 0 }, vehicle: { id }, position: { latitude: lat, longitude: 6.77 },
      stopId, currentStatus: status, tsMs, delaySec: 60,
    });
    const t0 = now - 300_000;
    await pub(transitTopics.position('F1-1'), vp('F1-1', t0, 'STOPPED_AT', 'fs2', 51.44));
    await pub(transitTopics.position('F1-2'), vp('F1-2', t0 + 120_000, 'STOPPED_AT', 'fs2', 51.44)); // 2 min < 5 min
    await pub(transitTopics.position('F1-1'), vp('F1-1', t0 + 150_000, 'IN_TRANSIT_TO', 'fs3', 51.445));
    await waitFor(() => th.hub.families.transit.entities.size >= 2 && (th.hub.families.transit.entities.get('F1-1') as any)?.stopId === 'fs3', 5000, 'positions');
    const hw = await get('/api/transit/headways');
    expect(hw.body.find((h: any) => h.lineId === 'F1')).toMatchObject({ headwaySec: 120, scheduledSec: 600, bunched: true, stopId: 'fs2' });

    const arr = await get('/api/transit/arrivals?stop=fs3');
    expect(arr.status).toBe(200);
    expect(arr.body.arrivals.map((a: any) => a.vehicleId)).toEqual(['F1-1', 'F1-2']);
    expect(arr.body.arrivals[1]).toMatchObject({ lineName: 'F1', headsign: 'Nord', delaySec: 60, stopsAway: 1 });
    expect((await get('/api/transit/arrivals?stop=nowhere')).status).toBe(404);
    expect((await get('/api/transit/arrivals')).status).toBe(400);

    // (checkNow in the future also retires the vehicles: arrivals are asked first.)
    th.hub.checkNow(Date.now() + 60_000);
    expect(th.hub.alarmEngine.alarms.get('line:F1|bunching')?.state ?? 'NORM').toBe('NORM');
    th.hub.checkNow(Date.now() + 3 * 60_000 + 1000);
    expect(th.hub.alarmEngine.alarms.get('line:F1|bunching')).toMatchObject({ state: 'UNACK', priority: 'low', area: 'transit' });

  });
});

describe('parking forecast', () => {
  it('adds 15/30/60-min forecasts with a probability of a free space', async () => {
    const now = Date.now();
    await pub(parkingTopics.meta('P-FC'), { id: 'P-FC', name: 'Forum', zone: 'City', lon: 6.76, lat: 51.43, address: 'x', totalParkingCapacity: 200, openingTimes: { alwaysOpen: true }, tsMs: now }, true);
    await waitFor(() => th.hub.families.parking.entities.get('P-FC'), 5000, 'garage meta');
    const st = (tsMs: number, occ: number) => ({ tsMs, occupiedSpaces: occ, vacantSpaces: 200 - occ, parkingSiteStatus: 'spacesAvailable', occupancy: occ / 200, occupancyTrend: 'increasing', entryRateVehH: 100, exitRateVehH: 20 });
    await pub(parkingTopics.status('P-FC'), st(now - 600_000, 100));
    await pub(parkingTopics.status('P-FC'), st(now, 120));
    const e = await waitFor(() => (th.hub.families.parking.entities.get('P-FC') as ParkingEntity).occupied === 120 && (th.hub.families.parking.entities.get('P-FC') as ParkingEntity), 5000, 'status');
    expect(e.forecast!.map((f) => f.inMin)).toEqual([15, 30, 60]);
    // No profile yet: the trend (2 spaces/min, damped by half) → 15 min: 80 − 15 = 65 free.
    expect(e.forecast![0]).toMatchObject({ inMin: 15, vacant: 65 });
    expect(e.forecast![0]!.pFree).toBeGreaterThan(0.99);
    // 60 min: 80 − 0.5·2·60 = 20 free; prior σ = 0.05·200·√4 = 20 → pFree = Φ((20 − 0.5)/20) = Φ(0.975) ≈ 0.84.
    expect(e.forecast![2]).toEqual({ inMin: 60, vacant: 20, pFree: 0.84 });
  });
});

describe('lighting energy and work orders', () => {
  it('sums power per district, opens and fixes work orders from lamp states', async () => {
    const now = Date.now();
    const lamps = [0, 1].map((i) => ({ id: `FL-${i}`, lon: 6.76 + i * 1e-4, lat: 51.43, powerNominalW: 60, lampTechnology: 'LED' }));
    await pub(lightingTopics.cabinetMeta('FSK1'), { id: 'FSK1', district: 'Hochfeld', lon: 6.76, lat: 51.43, lamps, tsMs: now }, true);
    await pub(lightingTopics.cabinetMeta('FSK2'), { id: 'FSK2', district: 'Hochfeld', lon: 6.761, lat: 51.43, lamps: [{ ...lamps[0]!, id: 'FL-9' }], tsMs: now }, true);
    await waitFor(() => th.hub.families.lighting.entities.get('FSK2'), 5000, 'cabinets');
    await pub(lightingTopics.cabinetState('FSK1'), { tsMs: now, powerState: 'on', energyKWh: 50, activePowerW: 1200, commsOk: true });
    await pub(lightingTopics.cabinetState('FSK1'), { tsMs: now + 1000, powerState: 'on', energyKWh: 50.4, activePowerW: 1300, commsOk: true });
    await pub(lightingTopics.cabinetState('FSK2'), { tsMs: now, powerState: 'on', energyKWh: 7, activePowerW: 700, commsOk: true });
    const lamp = (tsMs: number, faults?: string[]) => ({ tsMs, status: faults ? 'defectiveLamp' : 'ok', powerState: 'on', illuminanceLevel: faults ? 0 : 1, powerConsumptionW: faults ? 0 : 60, ...(faults ? { faults } : {}) });
    await pub(lightingTopics.lampState('FL-1'), lamp(now, ['out']));
    await waitFor(() => th.hub.families.lampFaults.entities.get('FL-1'), 5000, 'lamp fault');

    const d = await get('/api/lighting/districts');
    expect(d.body.districts.find((x: any) => x.district === 'Hochfeld')).toEqual({ district: 'Hochfeld', cabinets: 2, reporting: 2, powerKW: 2, energyTodayKWh: 0.4 });

    let wo = await get('/api/lighting/workorders');
    expect(wo.body.find((o: any) => o.lampId === 'FL-1')).toMatchObject({ state: 'open', cabinetId: 'FSK1', district: 'Hochfeld', faults: ['out'] });
    await pub(lightingTopics.lampState('FL-1'), lamp(now + 60_000));
    await waitFor(() => !th.hub.families.lampFaults.entities.has('FL-1'), 5000, 'lamp ok');
    wo = await get('/api/lighting/workorders?state=fixed');
    expect(wo.body.find((o: any) => o.lampId === 'FL-1')).toMatchObject({ state: 'fixed', fixedMs: now + 60_000 });
  });
});
