import { describe, expect, it } from 'vitest';
import { DroneMeta, DroneTelemetry } from '../../protocol/drone.ts';
import { Rng } from '../rng.ts';
import {
  CLIMB_RATE_MS,
  CRUISE_ALT_M,
  CRUISE_SPEED_MS,
  DRONE_HOME,
  DroneEmulator,
  ORBIT_RADIUS_M,
  destination,
  haversineM,
  initialBearingDeg,
} from './drone.ts';

const T0 = Date.UTC(2025, 4, 12, 14, 0);
type Tel = ReturnType<typeof DroneTelemetry.parse>;

function fly(d: DroneEmulator, from: number, seconds: number, dt = 1): Tel[] {
  const out: Tel[] = [];
  for (let s = dt; s <= seconds + 1e-9; s += dt) for (const m of d.step(from + s * 1000, dt)) out.push(DroneTelemetry.parse(JSON.parse(m.payload)));
  return out;
}

// Independent local flat-earth helpers (not the module's spherical ones): fine over a few km.
const R = 6371008.8;
const rad = Math.PI / 180;
function enu(lon: number, lat: number, lon0: number, lat0: number): [number, number] {
  return [(lon - lon0) * rad * R * Math.cos(lat0 * rad), (lat - lat0) * rad * R];
}
const angleDiff = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/** Rathaus Duisburg (Burgplatz), ~1.9 km west of the fire station. */
const RATHAUS = { lon: 6.7621, lat: 51.4359 };
/** Rheinhausen-Mitte, across the Rhine, ~6.5 km. */
const RHEINHAUSEN = { lon: 6.716, lat: 51.3985 };

describe('spherical helpers', () => {
  it('destination and bearing/distance are inverse', () => {
    const [lon, lat] = destination(6.78, 51.44, 237, 5000);
    expect(haversineM(6.78, 51.44, lon, lat)).toBeCloseTo(5000, 3);
    expect(initialBearingDeg(6.78, 51.44, lon, lat)).toBeCloseTo(237, 6);
    const [x, y] = enu(lon, lat, 6.78, 51.44);
    expect(Math.hypot(x, y)).toBeGreaterThan(4990);
    expect(Math.hypot(x, y)).toBeLessThan(5010);
  });
});

describe('DroneEmulator', () => {
  it('announces itself at home (Feuer- und Rettungswache 1, Duissern) and streams 1 Hz while landed', () => {
    const d = new DroneEmulator({ rng: new Rng(1) });
    const meta = DroneMeta.parse(JSON.parse(d.meta(T0)[0]!.payload));
    expect([meta.homeLon, meta.homeLat]).toEqual([DRONE_HOME.lon, DRONE_HOME.lat]);
    d.step(T0, 1);
    const t = fly(d, T0, 10);
    expect(t.length).toBe(10);
    expect(t.every((x) => x.flightMode === 'landed' && x.altM === 0 && x.missionId === undefined)).toBe(true);
  });

  for (const [name, inc] of [
    ['Rathaus (~1.9 km)', RATHAUS],
    ['Rheinhausen (~6.5 km, across the Rhine)', RHEINHAUSEN],
  ] as const) {
    it(`reaches the incident at ${name} in ~ climb + (distance - radius) / 16.7 m/s`, () => {
      const d = new DroneEmulator({ rng: new Rng(2) });
      d.step(T0, 1);
      d.startMission('E-4711', inc.lon, inc.lat);
      const tel = fly(d, T0, 1200, 0.5);
      const dist = haversineM(DRONE_HOME.lon, DRONE_HOME.lat, inc.lon, inc.lat);
      const climbSec = CRUISE_ALT_M / CLIMB_RATE_MS; // 36.7 s
      const expectSec = climbSec + (dist - ORBIT_RADIUS_M) / CRUISE_SPEED_MS;
      const reached = (d.state().orbitReachedMs! - T0) / 1000;
      expect(Math.abs(reached - expectSec)).toBeLessThan(0.02 * expectSec + 1.5);
      // The first orbit sample appears in the stream within one telemetry period of that.
      const firstOrbit = tel.find((x) => x.flightMode === 'orbit')!;
      expect(firstOrbit.tsMs / 1000 - T0 / 1000 - reached).toBeLessThan(0.6);
      // Transit at ~60 km/h, at cruise altitude, heading along the great circle towards the incident.
      const transit = tel.filter((x) => x.flightMode === 'transit');
      expect(transit.length).toBeGreaterThan(10);
      const meanV = transit.reduce((s, x) => s + x.groundSpeedMs, 0) / transit.length;
      expect(meanV * 3.6).toBeGreaterThan(59);
      expect(meanV * 3.6).toBeLessThan(61);
      for (const x of transit) {
        expect(x.altM).toBe(CRUISE_ALT_M);
        expect(angleDiff(x.headingDeg, initialBearingDeg(x.lon, x.lat, inc.lon, inc.lat))).toBeLessThan(0.5);
        expect(x.missionId).toBe('E-4711');
      }
      // 2 Hz in the air.
      const airborne = tel.filter((x) => x.flightMode !== 'landed');
      expect(airborne[1]!.tsMs - airborne[0]!.tsMs).toBe(500);
    });
  }

  it('orbits at 150 m with the camera on the incident (and one pose checked by hand)', () => {
    const d = new DroneEmulator({ rng: new Rng(3) });
    d.step(T0, 1);
    d.startMission('E-0001', RATHAUS.lon, RATHAUS.lat);
    const orbit = fly(d, T0, 600, 0.5).filter((x) => x.flightMode === 'orbit');
    expect(orbit.length).toBeGreaterThan(300);
    for (const x of orbit) {
      const [e, n] = enu(x.lon, x.lat, RATHAUS.lon, RATHAUS.lat);
      const r = Math.hypot(e, n);
      expect(Math.abs(r - ORBIT_RADIUS_M)).toBeLessThan(1);
      // Looking at the centre: yaw = direction from the drone to the centre, pitch = -atan(alt / r).
      const yawToCentre = ((Math.atan2(-e, -n) / rad) + 360) % 360;
      expect(angleDiff(x.camera.yawDeg, yawToCentre)).toBeLessThan(0.3);
      expect(x.camera.pitchDeg).toBeCloseTo(-Math.atan2(x.altM, r) / rad, 0);
      // Clockwise: the velocity is 90° right of the line from the centre.
      expect(angleDiff(x.headingDeg, (Math.atan2(e, n) / rad + 90 + 360) % 360)).toBeLessThan(2);
    }
    // Hand check: the sample closest to due north of the centre. There the drone is 150 m north,
    // flies east (heading 90°), the camera looks south (yaw 180°) and down by
    // atan(110 / 150) = 36.25°.
    const north = orbit.reduce((best, x) => (Math.abs(x.lon - RATHAUS.lon) < Math.abs(best.lon - RATHAUS.lon) && x.lat > RATHAUS.lat ? x : best));
    expect(north.lat).toBeGreaterThan(RATHAUS.lat);
    expect((north.lat - RATHAUS.lat) * rad * R).toBeCloseTo(150, -1);
    expect(angleDiff(north.headingDeg, 90)).toBeLessThan(3);
    expect(angleDiff(north.camera.yawDeg, 180)).toBeLessThan(3);
    expect(north.camera.pitchDeg).toBeCloseTo(-36.25, 0);
    expect(north.camera.hfovDeg).toBeGreaterThan(north.camera.vfovDeg);
  });

  it('returns home, lands, clears the mission, then recharges', () => {
    const d = new DroneEmulator({ rng: new Rng(4) });
    d.step(T0, 1);
    d.startMission('E-0002', RATHAUS.lon, RATHAUS.lat);
    fly(d, T0, 300);
    d.returnToHome();
    const back = fly(d, T0 + 300_000, 400);
    const modes = [...new Set(back.map((x) => x.flightMode))];
    expect(modes).toEqual(['rtl', 'landing', 'landed']);
    const landed = back.at(-1)!;
    expect(landed.altM).toBe(0);
    expect(haversineM(landed.lon, landed.lat, DRONE_HOME.lon, DRONE_HOME.lat)).toBeLessThan(1);
    expect(landed.missionId).toBeUndefined();
    expect(landed.batteryPct).toBeLessThan(90);
    const later = fly(d, T0 + 700_000, 600, 5).at(-1)!;
    expect(later.batteryPct).toBeGreaterThan(landed.batteryPct);
  });

  it('returns by itself before the battery runs out', () => {
    const d = new DroneEmulator({ rng: new Rng(5) });
    d.step(T0, 1);
    d.startMission('E-0003', RHEINHAUSEN.lon, RHEINHAUSEN.lat);
    const tel = fly(d, T0, 3 * 3600, 1);
    const firstRtl = tel.find((x) => x.flightMode === 'rtl')!;
    expect(firstRtl).toBeDefined();
    expect(firstRtl.batteryPct).toBeGreaterThan(8);
    expect(tel.at(-1)!.flightMode).toBe('landed');
    expect(Math.min(...tel.map((x) => x.batteryPct))).toBeGreaterThan(3);
  });

  it('is deterministic by seed and rejects bad mission ids', () => {
    const go = (seed: number) => {
      const d = new DroneEmulator({ rng: new Rng(seed) });
      d.step(T0, 1);
      d.startMission('E-9', RHEINHAUSEN.lon, RHEINHAUSEN.lat);
      const out: string[] = [];
      for (let s = 1; s <= 200; s++) for (const m of d.step(T0 + s * 1000, 1)) out.push(m.payload);
      return out;
    };
    expect(go(1)).toEqual(go(1));
    expect(go(1)).not.toEqual(go(2));
    expect(() => new DroneEmulator({ rng: new Rng(1) }).startMission('a/b', 6.7, 51.4)).toThrow();
  });
});
