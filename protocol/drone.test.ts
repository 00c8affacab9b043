import { describe, expect, it } from 'vitest';
import { DroneMeta, DroneTelemetry, droneTopics } from './drone.ts';
import { parseTopic } from './topics.ts';

const t = {
  tsMs: 1_795_000_000_000,
  lat: 51.43,
  lon: 6.77,
  altM: 110,
  headingDeg: 271.5,
  groundSpeedMs: 16.7,
  batteryPct: 82.4,
  flightMode: 'orbit',
  camera: { pitchDeg: -36.3, yawDeg: 180, hfovDeg: 63, vfovDeg: 37 },
  missionId: 'E-2031',
};

describe('drone', () => {
  it('accepts meta and telemetry (missionId optional)', () => {
    expect(DroneMeta.safeParse({ id: 'uas-1', name: 'UAS 1', model: 'VTOL', homeLon: 6.79, homeLat: 51.44, tsMs: t.tsMs }).success).toBe(true);
    expect(DroneTelemetry.parse(t)).toEqual(t);
    const { missionId: _m, ...landed } = { ...t, flightMode: 'landed', altM: 0, groundSpeedMs: 0 };
    expect(DroneTelemetry.safeParse(landed).success).toBe(true);
  });
  it('rejects unknown flight mode, battery over 100, camera pitch beyond nadir, heading over 360', () => {
    expect(DroneTelemetry.safeParse({ ...t, flightMode: 'hover' }).success).toBe(false);
    expect(DroneTelemetry.safeParse({ ...t, batteryPct: 101 }).success).toBe(false);
    expect(DroneTelemetry.safeParse({ ...t, camera: { ...t.camera, pitchDeg: -95 } }).success).toBe(false);
    expect(DroneTelemetry.safeParse({ ...t, headingDeg: 400 }).success).toBe(false);
    expect(DroneTelemetry.safeParse({ ...t, missionId: 'a/b' }).success).toBe(false);
  });
  it('topics', () => {
    expect(droneTopics.telemetry('uas-1')).toBe('city/v1/drone/uas-1/telemetry');
    expect(parseTopic(droneTopics.meta('uas-1'))?.kind).toBe('drone');
  });
});
