/**
 * The fire brigade's VTOL drone as a field device: vertical take-off to ~110 m, transit to the
 * incident at ~60 km/h along the great circle, orbit over it (r ~150 m, clockwise) with the camera
 * on the incident, return to home and vertical landing. Telemetry at `hz` (default 2 Hz) in the air,
 * 1 Hz on the ground.
 *
 * Home: Feuer- und Rettungswache 1 of the Feuerwehr Duisburg (Hauptfeuerwache with the Leitstelle),
 * Wintgensstraße 111, Duisburg-Duissern. The street address is known; the coordinates below are our
 * approximation (~200-300 m). The airframe type is assumed: a VTOL fixed-wing of the class that
 * cruises at ~17 m/s; Duisburg's actual drone equipment is not modelled.
 *
 * Geometry is spherical (R = 6371 km): great-circle bearing/destination for transit and for points
 * on the orbit. Deterministic; the Rng only adds a little wind jitter to the ground speed.
 */
import { droneTopics, type DroneMeta, type FlightMode } from '../../protocol/drone.ts';
import { DEVICE_ID_RE } from '../../protocol/topics.ts';
import type { Rng } from '../rng.ts';
import { identityStamp, type Msg, type Stamp } from './environment.ts';

const R = 6371008.8;
const DEG = Math.PI / 180;

export const DRONE_HOME = { lon: 6.7868, lat: 51.4415 } as const;

export const CRUISE_ALT_M = 110;
export const CRUISE_SPEED_MS = 16.7; // 60 km/h
export const ORBIT_RADIUS_M = 150;
export const ORBIT_SPEED_MS = 14;
export const CLIMB_RATE_MS = 3;
export const DESCENT_RATE_MS = 2;
/** Camera: 16:9 sensor with a 63° horizontal field of view. */
export const CAMERA_HFOV_DEG = 63;
export const CAMERA_VFOV_DEG = Math.round(((2 * Math.atan(Math.tan((CAMERA_HFOV_DEG / 2) * DEG) * (9 / 16))) / DEG) * 10) / 10;

/** Battery use, percent per second, by phase (vertical flight costs far more than wing-borne). */
const DRAIN_PCT_S = { vertical: 0.12, cruise: 0.03, orbit: 0.035 } as const;
const CHARGE_PCT_S = 100 / (40 * 60);
/** Battery kept in hand when deciding to return: margin on top of the estimated need. */
const RESERVE_MARGIN_PCT = 8;

// ---- spherical helpers -----------------------------------------------------------------------------

export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * DEG;
  const dLon = (lon2 - lon1) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial great-circle bearing from 1 to 2, degrees [0, 360). */
export function initialBearingDeg(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const p1 = lat1 * DEG;
  const p2 = lat2 * DEG;
  const dl = (lon2 - lon1) * DEG;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return ((Math.atan2(y, x) / DEG) % 360 + 360) % 360;
}

/** The point `distM` from (lon, lat) along the great circle with initial bearing `brgDeg`. */
export function destination(lon: number, lat: number, brgDeg: number, distM: number): [number, number] {
  const d = distM / R;
  const b = brgDeg * DEG;
  const p1 = lat * DEG;
  const l1 = lon * DEG;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [((l2 / DEG + 540) % 360) - 180, p2 / DEG];
}

const norm360 = (x: number) => ((x % 360) + 360) % 360;

export interface DroneOptions {
  rng: Rng;
  stamp?: Stamp;
  id?: string;
  name?: string;
  home?: { lon: number; lat: number };
  /** Telemetry rate in the air, 1-5 Hz (default 2). */
  hz?: number;
}

export interface DroneState {
  lon: number;
  lat: number;
  altM: number;
  headingDeg: number;
  groundSpeedMs: number;
  batteryPct: number;
  flightMode: FlightMode;
  missionId: string | null;
  camera: { pitchDeg: number; yawDeg: number };
  /** Orbit centre of the current mission. */
  incident: { lon: number; lat: number } | null;
  /** Model time the drone first reached the orbit of the current mission. */
  orbitReachedMs: number | null;
}

export class DroneEmulator {
  readonly id: string;
  readonly name: string;
  readonly home: { lon: number; lat: number };
  readonly #rng: Rng;
  readonly #stamp: Stamp;
  readonly #dtTick: number;
  #t = Number.NaN;
  #nextTelemetryMs = Number.NaN;
  #s: DroneState;
  #orbitAngleDeg = 0;

  constructor(opts: DroneOptions) {
    this.#rng = opts.rng;
    this.#stamp = opts.stamp ?? identityStamp;
    this.id = opts.id ?? 'fw-du-uas1';
    this.name = opts.name ?? 'UAS 1 Feuerwehr Duisburg (FRW 1 Duissern)';
    this.home = opts.home ?? { ...DRONE_HOME };
    const hz = Math.min(5, Math.max(1, opts.hz ?? 2));
    this.#dtTick = 1 / hz;
    this.#s = {
      lon: this.home.lon,
      lat: this.home.lat,
      altM: 0,
      headingDeg: 0,
      groundSpeedMs: 0,
      batteryPct: 100,
      flightMode: 'landed',
      missionId: null,
      camera: { pitchDeg: 0, yawDeg: 0 },
      incident: null,
      orbitReachedMs: null,
    };
  }

  meta(tsMs: number): Msg[] {
    const m: DroneMeta = {
      id: this.id,
      name: this.name,
      model: 'VTOL-Starrflügler, 60 km/h Reise (Typ angenommen)',
      operator: 'Feuerwehr Duisburg',
      homeLon: this.home.lon,
      homeLat: this.home.lat,
      cruiseSpeedMs: CRUISE_SPEED_MS,
      tsMs: this.#stamp(tsMs),
    };
    return [{ topic: droneTopics.meta(this.id), payload: JSON.stringify(m), qos: 1, retain: true }];
  }

  state(): Readonly<DroneState> {
    return this.#s;
  }

  /**
   * Sends the drone to an incident: take-off (if on the ground), transit, orbit until
   * `returnToHome()` or until the battery only just covers the way back. A new mission while
   * airborne re-targets the drone (it climbs back to cruise altitude first if it was landing).
   */
  startMission(missionId: string, incidentLon: number, incidentLat: number): void {
    if (!DEVICE_ID_RE.test(missionId)) throw new Error(`mission id must match [A-Za-z0-9_-]{1,64}, got ${missionId}`);
    if (!Number.isFinite(incidentLon) || !Number.isFinite(incidentLat) || Math.abs(incidentLat) > 90 || Math.abs(incidentLon) > 180) {
      throw new Error('incident position out of range');
    }
    const s = this.#s;
    s.missionId = missionId;
    s.incident = { lon: incidentLon, lat: incidentLat };
    s.orbitReachedMs = null;
    s.flightMode = s.flightMode === 'landed' || s.flightMode === 'landing' || s.altM < CRUISE_ALT_M - 1 ? 'takeoff' : 'transit';
  }

  /** Ends the orbit: fly home and land. */
  returnToHome(): void {
    const s = this.#s;
    if (s.flightMode === 'landed' || s.flightMode === 'landing') return;
    s.flightMode = s.altM < CRUISE_ALT_M - 1 && s.flightMode === 'takeoff' ? 'landing' : 'rtl';
  }

  step(modelTimeMs: number, dtSec: number): Msg[] {
    const out: Msg[] = [];
    if (Number.isNaN(this.#t)) {
      this.#t = modelTimeMs - dtSec * 1000;
      this.#nextTelemetryMs = this.#t;
    }
    while (this.#t < modelTimeMs - 1e-6) {
      // Integrate in ticks of the telemetry period, landing exactly on due times.
      const next = Math.min(modelTimeMs, this.#nextTelemetryMs > this.#t ? this.#nextTelemetryMs : modelTimeMs);
      const h = (next - this.#t) / 1000;
      this.#advance(h);
      this.#t = next;
      if (this.#t >= this.#nextTelemetryMs) {
        out.push(this.#telemetry(this.#t));
        const period = this.#s.flightMode === 'landed' ? 1000 : this.#dtTick * 1000;
        this.#nextTelemetryMs = this.#t + period;
      }
    }
    return out;
  }

  #advance(dt: number): void {
    if (dt <= 0) return;
    const s = this.#s;
    switch (s.flightMode) {
      case 'landed': {
        s.groundSpeedMs = 0;
        s.batteryPct = Math.min(100, s.batteryPct + CHARGE_PCT_S * dt);
        s.camera = { pitchDeg: 0, yawDeg: s.headingDeg };
        return;
      }
      case 'takeoff': {
        s.groundSpeedMs = 0;
        s.altM = Math.min(CRUISE_ALT_M, s.altM + CLIMB_RATE_MS * dt);
        this.#drain(DRAIN_PCT_S.vertical, dt);
        if (s.incident) s.headingDeg = initialBearingDeg(s.lon, s.lat, s.incident.lon, s.incident.lat);
        s.camera = { pitchDeg: -90, yawDeg: s.headingDeg };
        if (s.altM >= CRUISE_ALT_M) s.flightMode = s.incident ? 'transit' : 'rtl';
        return;
      }
      case 'transit': {
        const inc = s.incident!;
        const dist = haversineM(s.lon, s.lat, inc.lon, inc.lat);
        const toGo = dist - ORBIT_RADIUS_M;
        const v = CRUISE_SPEED_MS * (1 + 0.02 * (this.#rng.next() - 0.5)); // gusts
        s.headingDeg = initialBearingDeg(s.lon, s.lat, inc.lon, inc.lat);
        s.groundSpeedMs = v;
        this.#drain(DRAIN_PCT_S.cruise, dt);
        if (toGo <= v * dt) {
          // Reach the circle on the line to the centre and join the orbit there.
          const back = initialBearingDeg(inc.lon, inc.lat, s.lon, s.lat);
          [s.lon, s.lat] = destination(inc.lon, inc.lat, back, Math.min(ORBIT_RADIUS_M, dist));
          this.#orbitAngleDeg = back;
          s.headingDeg = norm360(back + 90);
          s.groundSpeedMs = ORBIT_SPEED_MS;
          s.flightMode = 'orbit';
          if (s.orbitReachedMs === null) s.orbitReachedMs = this.#t + Math.max(0, toGo / v) * 1000;
          this.#aimCamera();
          return;
        }
        [s.lon, s.lat] = destination(s.lon, s.lat, s.headingDeg, v * dt);
        s.camera = { pitchDeg: -20, yawDeg: s.headingDeg };
        this.#checkReserve();
        return;
      }
      case 'orbit': {
        const inc = s.incident!;
        // Clockwise seen from above: the bearing from the centre increases.
        this.#orbitAngleDeg = norm360(this.#orbitAngleDeg + ((ORBIT_SPEED_MS * dt) / ORBIT_RADIUS_M) / DEG);
        [s.lon, s.lat] = destination(inc.lon, inc.lat, this.#orbitAngleDeg, ORBIT_RADIUS_M);
        s.headingDeg = norm360(this.#orbitAngleDeg + 90);
        s.groundSpeedMs = ORBIT_SPEED_MS;
        this.#drain(DRAIN_PCT_S.orbit, dt);
        this.#aimCamera();
        this.#checkReserve();
        return;
      }
      case 'rtl': {
        const dist = haversineM(s.lon, s.lat, this.home.lon, this.home.lat);
        const v = CRUISE_SPEED_MS;
        s.headingDeg = dist > 1 ? initialBearingDeg(s.lon, s.lat, this.home.lon, this.home.lat) : s.headingDeg;
        this.#drain(DRAIN_PCT_S.cruise, dt);
        if (s.altM < CRUISE_ALT_M) s.altM = Math.min(CRUISE_ALT_M, s.altM + CLIMB_RATE_MS * dt);
        if (dist <= v * dt) {
          s.lon = this.home.lon;
          s.lat = this.home.lat;
          s.groundSpeedMs = 0;
          s.flightMode = 'landing';
        } else {
          [s.lon, s.lat] = destination(s.lon, s.lat, s.headingDeg, v * dt);
          s.groundSpeedMs = v;
        }
        s.camera = { pitchDeg: -20, yawDeg: s.headingDeg };
        return;
      }
      case 'landing': {
        s.groundSpeedMs = 0;
        s.altM = Math.max(0, s.altM - DESCENT_RATE_MS * dt);
        this.#drain(DRAIN_PCT_S.vertical, dt);
        s.camera = { pitchDeg: -90, yawDeg: s.headingDeg };
        if (s.altM <= 0) {
          s.flightMode = 'landed';
          s.missionId = null;
          s.incident = null;
          s.camera = { pitchDeg: 0, yawDeg: s.headingDeg };
        }
        return;
      }
    }
  }

  /** Points the gimbal at the incident: yaw = bearing drone->centre, pitch = -atan(alt / ground distance). */
  #aimCamera(): void {
    const s = this.#s;
    const inc = s.incident!;
    const d = haversineM(s.lon, s.lat, inc.lon, inc.lat);
    s.camera = {
      pitchDeg: -Math.atan2(s.altM, d) / DEG,
      yawDeg: initialBearingDeg(s.lon, s.lat, inc.lon, inc.lat),
    };
  }

  #drain(ratePctS: number, dt: number): void {
    this.#s.batteryPct = Math.max(0, this.#s.batteryPct - ratePctS * dt);
  }

  /** Returns home when the battery only just covers the way back plus the landing. */
  #checkReserve(): void {
    const s = this.#s;
    const dist = haversineM(s.lon, s.lat, this.home.lon, this.home.lat);
    const need = (dist / CRUISE_SPEED_MS) * DRAIN_PCT_S.cruise + (s.altM / DESCENT_RATE_MS) * DRAIN_PCT_S.vertical + RESERVE_MARGIN_PCT;
    if (s.batteryPct <= need) s.flightMode = 'rtl';
  }

  #telemetry(t: number): Msg {
    const s = this.#s;
    const r = (x: number, k: number) => Math.round(x * k) / k;
    const cam = s.camera;
    const payload =
      `{"tsMs":${this.#stamp(Math.round(t))},"lat":${r(s.lat, 1e7)},"lon":${r(s.lon, 1e7)},"altM":${r(s.altM, 10)},` +
      `"headingDeg":${r(norm360(s.headingDeg), 10) % 360},"groundSpeedMs":${r(s.groundSpeedMs, 10)},"batteryPct":${r(s.batteryPct, 10)},` +
      `"flightMode":"${s.flightMode}","camera":{"pitchDeg":${r(cam.pitchDeg, 10)},"yawDeg":${r(norm360(cam.yawDeg), 10) % 360},` +
      `"hfovDeg":${CAMERA_HFOV_DEG},"vfovDeg":${CAMERA_VFOV_DEG}}${s.missionId ? `,"missionId":"${s.missionId}"` : ''}}`;
    return { topic: droneTopics.telemetry(this.id), payload, qos: 0, retain: false };
  }
}
