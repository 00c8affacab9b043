/**
 * Hand-computed cases for the control-room fusion: links/LOS/corridors, intersection estimates
 * (Webster), transit headways/bunching/ETA, parking forecast, lighting energy and work orders.
 */
import { describe, expect, it } from 'vitest';
import type { SignalPlan, TlsMetaSignal, TransitLineMeta, TransitVehicleEntity } from '../../protocol/index.ts';
import { approachStats, degreeOfSaturation, effectiveGreenSec, queueEstimate, websterDelay } from './intersection.ts';
import { assignWorkOrder, districtEnergy, localDay, nextBaseline, WorkOrders } from './lighting-ops.ts';
import { corridorTravelTime, detectorsByApproach, inferLinks, levelOfService, linkFromDetectors, linkState, probeSample, probeSpeed } from './links.ts';
import { normalCdf, ParkingForecaster } from './parking-forecast.ts';
import { arrivalsAt, HeadwayTracker, scheduledHeadwayMin } from './transit-ops.ts';

describe('links', () => {
  const A = { id: 'A', lon: 6.77, lat: 51.43, approaches: [{ id: 'n', street: 'Nordstr', bearingDeg: 180, lanes: 1 }] };
  const B = { id: 'B', lon: 6.77, lat: 51.435, approaches: [{ id: 's', street: 'Hauptstr', bearingDeg: 0, lanes: 2 }] };
  const C = { id: 'C', lon: 6.8, lat: 51.435, approaches: [{ id: 'w', street: 'Querstr', bearingDeg: 90, lanes: 1 }] };

  it('learns a link from an approach bearing: northbound traffic into B comes from A to its south', () => {
    const links = inferLinks([A, B, C]);
    const ab = links.find((l) => l.id === 'A>B')!;
    expect(ab).toMatchObject({ from: 'A', to: 'B', approachId: 's', street: 'Hauptstr', lanes: 2, speedLimitKmh: 50 });
    // 0.005° latitude ≈ 556 m; at 50 km/h (13.89 m/s) ≈ 40.0 s.
    expect(ab.lengthM).toBeGreaterThan(550);
    expect(ab.lengthM).toBeLessThan(560);
    expect(ab.freeFlowTravelTimeSec).toBeCloseTo(ab.lengthM / (50 / 3.6), 1);
    // Southbound into A comes from B; C's westward... approach (eastbound traffic) comes from the west: B is 2 km away > 1.5 km.
    expect(links.map((l) => l.id).sort()).toEqual(['A>B', 'B>A']);
  });

  it('maps detectors to approaches by the {tls}-{approach}{lane} names, else by order', () => {
    const m = { id: 'K1', approaches: [{ id: 'n', street: '', bearingDeg: 180, lanes: 2 }, { id: 'n2', street: '', bearingDeg: 170, lanes: 1 }], detectorIds: ['K1-n1', 'K1-n21', 'K1-n2'] };
    expect(Object.fromEntries(detectorsByApproach(m))).toEqual({ n: ['K1-n1', 'K1-n2'], n2: ['K1-n21'] });
    const o = { ...m, detectorIds: ['d1', 'd2', 'd3'] };
    expect(Object.fromEntries(detectorsByApproach(o))).toEqual({ n: ['d1', 'd2'], n2: ['d3'] });
    expect(Object.fromEntries(detectorsByApproach({ ...m, detectorIds: ['d1'] }))).toEqual({ n: [], n2: [] });
  });

  it('q, k = occ/Leff, v = q/k from stop-line detectors', () => {
    // 15 veh in 60 s = 900 veh/h; 15 % on each of 2 lanes: 0.15·1000/7.5 = 20 veh/km/lane → 40; v = 22.5 km/h.
    expect(linkFromDetectors([{ count: 10, occupancyPct: 15 }, { count: 5, occupancyPct: 15 }], 60, 50)).toEqual({ flowVehH: 900, densityVehKm: 40, speedKmh: 22.5 });
    expect(linkFromDetectors([{ count: 0, occupancyPct: 0 }], 60, 50)).toEqual({ flowVehH: 0, densityVehKm: 0, speedKmh: 50 });
    expect(linkFromDetectors([{ count: 0, occupancyPct: 90 }], 60, 50)!.speedKmh).toBeNull();
  });

  it('HBS level of service by travel speed relative to free flow', () => {
    expect(levelOfService(45, 50)).toBe('A'); // 0.90
    expect(levelOfService(40, 50)).toBe('B'); // 0.80
    expect(levelOfService(25, 50)).toBe('C'); // 0.50, lower bound of C
    expect(levelOfService(22, 50)).toBe('D'); // 0.44
    expect(levelOfService(16, 50)).toBe('E'); // 0.32
    expect(levelOfService(10, 50)).toBe('F'); // 0.20
  });

  it('link travel time from speed, corridor = sum of links', () => {
    const [ab] = inferLinks([A, B]);
    const s = linkState(ab!, { flowVehH: 900, densityVehKm: 40, speedKmh: 25, sources: ['detectors'] });
    expect(s.travelTimeSec).toBeCloseTo(ab!.lengthM / (25 / 3.6), 0);
    expect(s.los).toBe('C');
    const links = new Map([
      ['A>B', { travelTimeSec: 60, freeFlowTravelTimeSec: 40, lengthM: 556 }],
      ['B>C', { travelTimeSec: 45.5, freeFlowTravelTimeSec: 30, lengthM: 400 }],
    ]);
    expect(corridorTravelTime({ id: 'x', name: 'x', tls: ['A', 'B', 'C'] }, links)).toMatchObject({ travelTimeSec: 105.5, freeFlowTravelTimeSec: 70, lengthM: 956, missingLinks: [] });
    const partial = corridorTravelTime({ id: 'x', name: 'x', tls: ['A', 'B', 'D'] }, links);
    expect(partial).toMatchObject({ travelTimeSec: null, freeFlowTravelTimeSec: null, missingLinks: ['B>D'] });
  });

  it('transit vehicles as speed probes, dwell excluded', () => {
    const links = inferLinks([A, B]);
    // 100 m north in 10 s on the A–B line = 36 km/h.
    const p0 = { lon: 6.77, lat: 51.431, tsMs: 0, status: 'IN_TRANSIT_TO' as const };
    const p1 = { lon: 6.77, lat: 51.431 + 100 / 111_195, tsMs: 10_000, status: 'IN_TRANSIT_TO' as const };
    const s = probeSample(p0, p1, links)!;
    expect(s.linkId).toBe('A>B');
    expect(s.speedKmh).toBeCloseTo(36, 0);
    expect(probeSample(p1, { ...p0, tsMs: 20_000 }, links)!.linkId).toBe('B>A');
    expect(probeSample({ ...p0, status: 'STOPPED_AT' }, p1, links)).toBeNull();
    expect(probeSample(p0, { ...p1, lon: 6.78 }, links)).toBeNull(); // off the link
    expect(probeSpeed([{ tsMs: 0, speedKmh: 30 }, { tsMs: 100_000, speedKmh: 20 }], 400_000)).toBe(20);
  });
});

describe('intersection (Webster 1958)', () => {
  const plan: SignalPlan = { planId: 'p', cycleSec: 60, offsetSec: 0, greens: [{ groupId: 'K1', startSec: 0, endSec: 30 }, { groupId: 'K2', startSec: 34, endSec: 56 }] };
  const signal: TlsMetaSignal = {
    spec: {
      signalGroups: [
        { id: 'K1', kind: 'vehicle', approachIds: ['n', 's'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
        { id: 'K2', kind: 'vehicle', approachIds: ['e'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
      ],
      conflicts: [['K1', 'K2']],
      intergreenSec: [{ from: 'K1', to: 'K2', sec: 4 }, { from: 'K2', to: 'K1', sec: 4 }],
      maxCycleSec: 120,
    },
    plan,
  };

  it('delay formula, hand-computed', () => {
    // C=60, λ=0.5, x=0.5, q=900 veh/h=0.25 veh/s: 60·0.25/(2·0.75)=10; 0.25/(2·0.25·0.5)=1;
    // 0.65·(60/0.0625)^(1/3)·0.5^4.5 = 0.65·9.8648·0.044194 = 0.2834 → 10.7166 s.
    expect(websterDelay(60, 0.5, 0.5, 900)).toBeCloseTo(10.7166, 3);
    expect(websterDelay(60, 0.5, 1.5, 900)).toBeLessThanOrEqual(300);
    expect(websterDelay(60, 0.5, 0, 0)).toBeCloseTo(7.5, 6); // uniform term only: 60·0.25/2
  });

  it('degree of saturation x = q/(s·g/C) with g = green + amber − 3 s lost time', () => {
    expect(degreeOfSaturation(900, 1800, 30, 60)).toBe(1);
    expect(effectiveGreenSec(signal, ['K1'])).toBe(30); // 30 + 3 − 3
    const st = approachStats({ approachId: 'n', street: 'x', lanes: 1, qVehH: 450, occupancyPct: 10 }, signal, ['K1'], 45);
    // x = 450 / (1800·30/60) = 0.5; λ = 0.5 → 10.0 + 0.5²/(2·0.125·0.5) − 0.65·(60/0.015625)^(1/3)·0.5^4.5
    expect(st.saturation).toBe(0.5);
    const d = 60 * 0.25 / (2 * 0.75) + 0.25 / (2 * 0.125 * 0.5) - 0.65 * Math.cbrt(60 / 0.125 ** 2) * 0.5 ** 4.5;
    expect(st.delaySecPerVeh).toBeCloseTo(d, 1);
    expect(approachStats({ approachId: 'n', street: 'x', lanes: 1, qVehH: 450, occupancyPct: 10 }, undefined, [], 0)).toMatchObject({ saturation: null, delaySecPerVeh: null });
  });

  it('queue: arrivals − departures over the cycle, confirmed by occupancy during red', () => {
    const base = { plan, groupIds: ['K1'], qVehH: 720, lanes: 1, occupancyPct: 0, x: 0.8 };
    expect(queueEstimate({ ...base, cycleSecond: 45 })).toBe(3); // red for 15 s · 0.2 veh/s
    expect(queueEstimate({ ...base, cycleSecond: 5 })).toBe(4.5); // 0.2·(30 + 5) − 0.5·5
    expect(queueEstimate({ ...base, cycleSecond: 20 })).toBe(0); // cleared
    expect(queueEstimate({ ...base, cycleSecond: 32, occupancyPct: 80 })).toBe(1); // 0.4 from the model, 1 from the detector
    expect(queueEstimate({ ...base, cycleSecond: 45, x: 1.5 })).toBe(9); // 3 + 0.5·0.2·60 overflow
  });
});

describe('transit operations', () => {
  const stops = [
    { stopId: 's1', name: 'A', lon: 6.77, lat: 51.43, distanceM: 0 },
    { stopId: 's2', name: 'B', lon: 6.77, lat: 51.44, distanceM: 1112 },
    { stopId: 's3', name: 'C', lon: 6.77, lat: 51.45, distanceM: 2224 },
  ];
  const line: TransitLineMeta = {
    id: 'L1', name: '901', mode: 'tram', colour: '#E2001A',
    directions: [{ directionId: 0, headsign: 'Nord', stops, geometry: [[6.77, 51.43], [6.77, 51.45]], runTimesSec: [120, 180], dwellSec: 20 }],
    headways: [{ days: 'weekday', fromHour: 5, toHour: 24, headwayMin: 10 }],
    tsMs: 0,
  };
  // Wednesday 15 Jan 2025, 11:00 in Duisburg (10:00 UTC).
  const t0 = Date.UTC(2025, 0, 15, 10, 0, 0);
  const veh = (id: string, tsMs: number, status: TransitVehicleEntity['status'], stopId: string, extra: Partial<TransitVehicleEntity> = {}): TransitVehicleEntity => ({
    id, lineId: 'L1', lineName: '901', mode: 'tram', color: '#E2001A', tripId: `t-${id}`, directionId: 0, lon: 6.77, lat: 51.43, bearingDeg: 0, speedKmh: 0, delaySec: 60, status, stopId, tsMs, link: 'live', ...extra,
  });

  it('scheduled headway from the timetable band in local time', () => {
    expect(scheduledHeadwayMin(line, t0)).toBe(10);
    expect(scheduledHeadwayMin(line, Date.UTC(2025, 0, 18, 10))).toBeNull(); // a Saturday: no band
  });

  it('headway at a stop from consecutive vehicles, bunched below 50 % of the schedule', () => {
    const h = new HeadwayTracker();
    expect(h.observe(veh('v1', t0, 'STOPPED_AT', 's2'), line)).toEqual([]);
    const [o] = h.observe(veh('v2', t0 + 4 * 60_000, 'STOPPED_AT', 's2'), line);
    expect(o).toMatchObject({ headwaySec: 240, scheduledSec: 600, bunched: true, vehicleIds: ['v1', 'v2'] });
    expect(h.lineBunched('L1')).toBe(true);
    // A vehicle that passes s2 without stopping counts when its next stop moves on.
    h.observe(veh('v3', t0 + 13 * 60_000, 'IN_TRANSIT_TO', 's2'), line);
    const [o3] = h.observe(veh('v3', t0 + 14 * 60_000, 'IN_TRANSIT_TO', 's3'), line);
    expect(o3).toMatchObject({ stopId: 's2', headwaySec: 600, bunched: false });
    expect(h.lineBunched('L1')).toBe(false);
    // The same vehicle stopping again at the same stop is no new passage.
    expect(h.observe(veh('v3', t0 + 15 * 60_000, 'STOPPED_AT', 's3'), line)).toHaveLength(0);
  });

  it('next arrivals: remaining scheduled run and dwell times from the position', () => {
    const lines = new Map([['L1', line]]);
    const a = veh('a', t0, 'STOPPED_AT', 's1', { delaySec: 120 });
    // Halfway between s1 and s2, driving to s2.
    const b = veh('b', t0, 'IN_TRANSIT_TO', 's2', { lat: 51.435, delaySec: null });
    const c = veh('c', t0, 'IN_TRANSIT_TO', 's3', { lat: 51.445 });
    const arr = arrivalsAt('s3', [a, b, c], lines, t0);
    // c: half of 180 s = 90; b: 60 + 20 + 180 = 260; a: 10 (half dwell) + 120 + 20 + 180 = 330.
    expect(arr.map((x) => [x.vehicleId, Math.round((x.etaMs - t0) / 1000)])).toEqual([['c', 90], ['b', 260], ['a', 330]]);
    expect(arr[2]).toMatchObject({ delaySec: 120, scheduledMs: arr[2]!.etaMs - 120_000, stopsAway: 2 });
    expect(arr[1]!.scheduledMs).toBeNull();
    expect(arrivalsAt('s1', [b, c], lines, t0)).toEqual([]); // both have passed s1
  });
});

describe('parking forecast', () => {
  it('normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 3);
  });

  /** A synthetic weekday: 20 % until 07:00 local, filling to 95 % by 10:00, 95 % until 16:00, then emptying to 20 % by 19:00. */
  const share = (h: number) => (h < 7 ? 0.2 : h < 10 ? 0.2 + (0.75 * (h - 7)) / 3 : h < 16 ? 0.95 : h < 19 ? 0.95 - (0.75 * (h - 16)) / 3 : 0.2);
  // Mondays 6 Jan 2025 onwards; CET = UTC+1 in January.
  const dayStart = (d: number) => Date.UTC(2025, 0, 6 + d, 0, 0) - 3600_000;
  const weekdays = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18];

  it('learns the weekday profile and foresees the morning fill-up better than the trend alone', () => {
    const cap = 400;
    const f = new ParkingForecaster(cap);
    for (const d of weekdays) {
      for (let m = 0; m < 24 * 60; m += 5) f.observe(dayStart(d) + m * 60_000, Math.round(cap * share(m / 60)));
    }
    // Next Monday 07:00 local: 20 % occupied (320 free), by 08:00 it is 45 % (220 free).
    const t = dayStart(21) + 7 * 3600_000;
    for (let m = -30; m <= 0; m += 5) f.observe(t + m * 60_000, Math.round(cap * share(7 + m / 60)));
    const fc = f.forecast(t, share(7));
    const in60 = fc.find((x) => x.inMin === 60)!;
    const truth = Math.round(cap * (1 - share(8)));
    // Seasonal Δ (0.7 weight) of ~0.25 share: ≈ 320 − 0.7·0.25·400 = 250 spaces; persistence says 320.
    expect(Math.abs(in60.vacant - truth)).toBeLessThan(Math.abs(320 - truth));
    expect(in60.vacant).toBeGreaterThan(200);
    expect(in60.vacant).toBeLessThan(290);
    expect(in60.pFree).toBeGreaterThan(0.99);
  });

  it('probability of a free space drops to ~0 when the garage is forecast full, 0 when closed', () => {
    const f = new ParkingForecaster(100);
    const t = Date.UTC(2025, 0, 8, 10);
    for (let m = 0; m < 60; m += 5) f.observe(t + m * 60_000, 100);
    const fc = f.observe(t + 60 * 60_000, 100)!;
    for (const x of fc) {
      expect(x.vacant).toBe(0);
      expect(x.pFree).toBeLessThan(0.5);
    }
    expect(f.observe(t + 61 * 60_000, 50, false)!.every((x) => x.pFree === 0)).toBe(true);
    expect(f.observe(t, 10)).toBeNull(); // out of order
  });

  it('the residual variance follows the errors', () => {
    const f = new ParkingForecaster(100);
    const v0 = f.variance.get(15)!;
    expect(v0).toBeCloseTo(25, 6); // (0.05·100)²
    const t = Date.UTC(2025, 0, 8, 10);
    // Constant occupancy: every forecast is exact, the variance shrinks.
    for (let m = 0; m <= 120; m += 5) f.observe(t + m * 60_000, 50);
    expect(f.variance.get(15)!).toBeLessThan(v0);
  });
});

describe('lighting operations', () => {
  it('power per district (kW) and energy today from the day baseline', () => {
    // 23:50 and 00:10 local (Berlin, CET) on 14/15 Jan 2025.
    const before = Date.UTC(2025, 0, 14, 22, 50);
    const after = Date.UTC(2025, 0, 14, 23, 10);
    let b = nextBaseline(undefined, before, 100);
    b = nextBaseline(b, after, 101.5);
    expect(b).toEqual({ day: '2025-01-15', startKWh: 100, lastKWh: 101.5 });
    b = nextBaseline(b, after + 3600_000, 104);
    const baselines = new Map([['c1', b], ['c2', { day: '2025-01-15', startKWh: 10, lastKWh: 12 }], ['c3', { day: '2025-01-14', startKWh: 0, lastKWh: 9 }]]);
    const out = districtEnergy(
      [
        { id: 'c1', district: 'Mitte', activePowerW: 1500 },
        { id: 'c2', district: 'Mitte', activePowerW: 2250 },
        { id: 'c3', district: 'Neudorf', activePowerW: null },
      ],
      baselines,
      localDay(after),
    );
    expect(out).toEqual([
      { district: 'Mitte', cabinets: 2, reporting: 2, powerKW: 3.75, energyTodayKWh: 6 },
      { district: 'Neudorf', cabinets: 1, reporting: 0, powerKW: 0, energyTodayKWh: 0 },
    ]);
  });

  it('a lamp fault becomes a work order: open → assigned → fixed when the lamp is ok again', () => {
    const w = new WorkOrders();
    const o = w.fault('L1', 'C1', 'Mitte', ['out'], 1000);
    expect(o.state).toBe('open');
    expect(w.fault('L1', 'C1', 'Mitte', ['out', 'flicker'], 2000)).toBe(o); // same order, faults updated
    expect(o.faults).toEqual(['out', 'flicker']);
    expect(assignWorkOrder(w, o.id, 'crew-7', 3000)).toMatchObject({ state: 'assigned', assignedTo: 'crew-7', assignedMs: 3000 });
    expect(assignWorkOrder(w, o.id, 'crew-8', 3500)).toMatch(/only open orders/);
    expect(w.ok('L1', 4000)).toMatchObject({ state: 'fixed', fixedMs: 4000 });
    expect(w.ok('L1', 5000)).toBeNull();
    const again = w.fault('L1', 'C1', 'Mitte', ['out'], 6000);
    expect(again.id).not.toBe(o.id);
    expect(w.list().map((x) => x.state)).toEqual(['open', 'fixed']);
    expect(assignWorkOrder(w, 'nope', 'x', 0)).toMatch(/no work order/);
  });
});
