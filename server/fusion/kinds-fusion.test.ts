import { describe, expect, it } from 'vitest';
import type { LampState, ParkingStatus, TransitLineMeta, VehiclePosition } from '../../protocol/index.ts';
import { appendTrack, distanceM, TRACK_MAX_POINTS } from './drone.ts';
import { aboveMark, gaugeLimits } from './environment.ts';
import { CabinetLamps, LAMP_FAULTY, LAMP_ON, LAMP_OUT, lampFlags } from './lighting.ts';
import { capacityMismatch, parkingEntity, parkingPatch } from './parking.ts';
import { isLate, vehicleEntity, vehiclePatch } from './transit.ts';

const line = { id: '901', name: '901', mode: 'tram', colour: '#e2001a' } as TransitLineMeta;
const pos = (tsMs: number, extra: Partial<VehiclePosition> = {}): VehiclePosition => ({
  trip: { tripId: 't1', routeId: '901', directionId: 0 },
  vehicle: { id: '901-3' },
  position: { latitude: 51.43, longitude: 6.76, speed: 10, bearing: 90 },
  tsMs,
  delaySec: 30,
  ...extra,
});

describe('transit fusion', () => {
  it('builds a vehicle from its first position and the line meta', () => {
    const e = vehicleEntity('901-3', pos(1000), line);
    expect(e).toMatchObject({ id: '901-3', lineId: '901', lineName: '901', mode: 'tram', color: '#e2001a', speedKmh: 36, delaySec: 30, link: 'live' });
  });
  it('patches only what changed, drops out-of-order positions', () => {
    const e = vehicleEntity('901-3', pos(1000), line);
    expect(vehiclePatch(e, pos(900), line)).toBeNull();
    expect(vehiclePatch(e, pos(2000, { delaySec: 400 }), line)).toEqual({ id: '901-3', tsMs: 2000, delaySec: 400 });
  });
  it('late means more than 5 minutes', () => {
    expect(isLate(300)).toBe(false);
    expect(isLate(301)).toBe(true);
    expect(isLate(null)).toBe(false);
  });
});

describe('parking fusion', () => {
  const meta = { id: 'P1', name: 'City', zone: 'Mitte', lon: 6.7, lat: 51.4, totalParkingCapacity: 100, estimated: true } as never;
  const st = (occ: number, vac: number, tsMs = 1000): ParkingStatus =>
    ({ tsMs, occupiedSpaces: occ, vacantSpaces: vac, parkingSiteStatus: 'spacesAvailable', occupancy: occ / (occ + vac), occupancyTrend: 'stable', entryRateVehH: 0, exitRateVehH: 0 });
  it('checks occupied + vacant against the capacity', () => {
    expect(capacityMismatch(100, st(60, 40))).toBeNull();
    expect(capacityMismatch(100, st(60, 50))).toMatch(/= 110, but the meta's totalParkingCapacity is 100/);
  });
  it('patches status fields and ignores older statuses', () => {
    const e = parkingEntity(meta, undefined);
    expect(e).toMatchObject({ capacity: 100, capacityEstimated: true, occupied: null, status: 'statusUnknown' });
    const p = parkingPatch(e, st(60, 40))!;
    expect(p).toMatchObject({ occupied: 60, vacant: 40, status: 'spacesAvailable', trend: 'stable', link: 'live' });
    Object.assign(e, p);
    expect(parkingPatch(e, st(61, 39, 1000))).toBeNull();
  });
});

describe('lighting fusion', () => {
  const ls = (powerState: LampState['powerState'], faults?: LampState['faults']): LampState => ({ tsMs: 1, status: 'ok', powerState, illuminanceLevel: 1, powerConsumptionW: 50, ...(faults ? { faults } : {}) });
  it('maps lamp states to flags', () => {
    expect(lampFlags(ls('on'))).toBe(LAMP_ON);
    expect(lampFlags(ls('off'))).toBe(0);
    expect(lampFlags(ls('on', ['out']))).toBe(LAMP_ON | LAMP_FAULTY | LAMP_OUT);
    expect(lampFlags(ls('off', ['dayBurner']))).toBe(LAMP_FAULTY);
  });
  it('keeps the cabinet counts incrementally', () => {
    const c = new CabinetLamps(3);
    c.set(0, LAMP_ON);
    c.set(1, LAMP_ON | LAMP_FAULTY | LAMP_OUT);
    c.set(2, LAMP_FAULTY);
    expect([c.lampsOn, c.lampsFaulty]).toEqual([2, 2]);
    expect(c.set(1, LAMP_ON)).toBe(LAMP_ON | LAMP_FAULTY | LAMP_OUT);
    c.set(2, 0);
    expect([c.lampsOn, c.lampsFaulty]).toEqual([2, 0]);
  });
});

describe('environment fusion', () => {
  it('high-water marks with a 5 cm deadband', () => {
    expect(aboveMark(1129, 1130, false)).toBe(false);
    expect(aboveMark(1130, 1130, false)).toBe(true);
    expect(aboveMark(1126, 1130, true)).toBe(true);
    expect(aboveMark(1125, 1130, true)).toBe(false);
    expect(aboveMark(2000, undefined, false)).toBe(false);
  });
  it('limits from the marks', () => {
    expect(gaugeLimits({ highWaterMarkICm: 930, highWaterMarkIICm: 1130 })).toEqual({ waterLevelCm: 1130, highWaterMarkICm: 930, highWaterMarkIICm: 1130 });
  });
});

describe('drone fusion', () => {
  it('measures metres', () => {
    expect(distanceM(6.76, 51.43, 6.76, 51.431)).toBeCloseTo(111.2, 0);
  });
  it('drops points closer than 5 m and keeps at most 300, as a new array', () => {
    const t0: [number, number][] = [[6.76, 51.43]];
    expect(appendTrack(t0, 6.76, 51.43002)).toBeNull(); // ~2 m
    const t1 = appendTrack(t0, 6.76, 51.4301)!; // ~11 m
    expect(t1).toHaveLength(2);
    expect(t0).toHaveLength(1);
    let t = t1;
    for (let i = 0; i < 400; i++) t = appendTrack(t, 6.76, 51.4302 + i * 0.0001)!;
    expect(t).toHaveLength(TRACK_MAX_POINTS);
    expect(t[t.length - 1]![1]).toBeCloseTo(51.4302 + 399 * 0.0001, 6);
  });
});
