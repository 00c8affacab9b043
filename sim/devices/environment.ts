/**
 * Environment field devices of Duisburg: an air-quality station at a traffic site in the centre and
 * an urban background station, a weather station, and the Rhine gauge Duisburg-Ruhrort.
 *
 * Also home of the small astronomy/time helpers the other utility emulators share: the NOAA solar
 * position and sunrise/sunset formulas, clear-sky illuminance from the sun's elevation, and the
 * Europe/Berlin UTC offset (computed, no Intl, so a per-step call costs nothing).
 *
 * Pure and deterministic: state advances only in `step`, randomness only from the given Rng.
 *
 * FACTS AND APPROXIMATIONS
 * - Gauge Duisburg-Ruhrort (WSV): Rhine-km 780.8, right bank at the mouth of the Ruhrort harbour,
 *   datum NHN +16.11 m; Hochwassermarke I 930 cm (ships mid-stream, reduced speed), Marke II =
 *   highest navigable water level (HSW) 1130 cm (shipping stops); highest level recorded 1304 cm
 *   (2 Jan 1926). Mean and low-water reference levels below are approximate (from memory).
 *   The gauge position is approximate (~100 m).
 * - Air quality: LANUV runs an NO2 passive sampler in the Friedrich-Wilhelm-Straße (city centre);
 *   a passive sampler only yields monthly means. The continuous NO2/PM monitor simulated here at
 *   that site, and its id, are ours. "Duisburg-Buchholz" is a LANUV background station to our
 *   knowledge; its position here is approximate and the id is ours, not LANUV's station code.
 * - The weather station is a simulated city station (the only DWD station in Duisburg, Baerl,
 *   measures no wind); its position on the town hall is an assumption.
 * - Concentration, weather and river dynamics are plausible models, not fitted to measurements.
 */
import {
  AIR_QUALITY_LIMITS_EU,
  environmentTopics,
  type AirQualityMeta,
  type GaugeMeta,
  type GaugeTrend,
  type WeatherMeta,
} from '../../protocol/environment.ts';
import type { Rng } from '../rng.ts';
import { demandFactor } from '../traffic/demand.ts';

/** One MQTT message to publish, shared by the utility emulators. */
export interface Msg {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

/** Maps model time to the device timestamp put in payloads (identity unless the runner says otherwise). */
export type Stamp = (modelTimeMs: number) => number;
export const identityStamp: Stamp = (t) => t;

// ---- time and astronomy ------------------------------------------------------------------------

/** Duisburg (city centre), for the solar formulas. */
export const DUISBURG_LAT = 51.43;
export const DUISBURG_LON = 6.76;

const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;

/** UTC instant of the last Sunday of a month at 01:00 UTC (the EU summer-time switch). */
function lastSundayAt1Utc(year: number, month0: number): number {
  const lastDay = Date.UTC(year, month0 + 1, 0, 1);
  const dow = new Date(lastDay).getUTCDay();
  return lastDay - dow * DAY_MS;
}

/** Offset of Europe/Berlin from UTC in minutes (60 in winter, 120 in summer; EU rule since 1996). */
export function berlinOffsetMin(tsMs: number): number {
  const y = new Date(tsMs).getUTCFullYear();
  return tsMs >= lastSundayAt1Utc(y, 2) && tsMs < lastSundayAt1Utc(y, 9) ? 120 : 60;
}

/** Local (Europe/Berlin) hour of day, fractional, 0 <= h < 24. */
export function berlinHour(tsMs: number): number {
  const local = tsMs + berlinOffsetMin(tsMs) * 60_000;
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
}

/** Day of year 1..366 (UTC). */
export function dayOfYear(tsMs: number): number {
  const d = new Date(tsMs);
  return Math.floor((tsMs - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
}

interface SolarTerms {
  /** Equation of time, minutes. */
  eqTimeMin: number;
  /** Solar declination, radians. */
  declRad: number;
}

/**
 * Solar declination and equation of time after NOAA's solar calculator (the spreadsheet version,
 * from Meeus, "Astronomical Algorithms"), accurate to well under a minute for our purposes.
 */
function solarTerms(tsMs: number): SolarTerms {
  const jd = tsMs / DAY_MS + 2440587.5;
  const t = (jd - 2451545) / 36525;
  const l0 = (((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360) + 360) % 360;
  const m = 357.52911 + t * (35999.05029 - 0.0001537 * t);
  const e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
  const c =
    Math.sin(m * DEG) * (1.914602 - t * (0.004817 + 0.000014 * t)) +
    Math.sin(2 * m * DEG) * (0.019993 - 0.000101 * t) +
    Math.sin(3 * m * DEG) * 0.000289;
  const trueLong = l0 + c;
  const omega = 125.04 - 1934.136 * t;
  const appLong = trueLong - 0.00569 - 0.00478 * Math.sin(omega * DEG);
  const meanObliq = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60;
  const obliq = meanObliq + 0.00256 * Math.cos(omega * DEG);
  const declRad = Math.asin(Math.sin(obliq * DEG) * Math.sin(appLong * DEG));
  const y = Math.tan((obliq / 2) * DEG) ** 2;
  const eqTimeMin =
    (4 / DEG) *
    (y * Math.sin(2 * l0 * DEG) -
      2 * e * Math.sin(m * DEG) +
      4 * e * y * Math.sin(m * DEG) * Math.cos(2 * l0 * DEG) -
      0.5 * y * y * Math.sin(4 * l0 * DEG) -
      1.25 * e * e * Math.sin(2 * m * DEG));
  return { eqTimeMin, declRad };
}

/** Sun elevation above the horizon, degrees (geometric, no refraction), at an instant and place. */
export function solarElevationDeg(tsMs: number, lat = DUISBURG_LAT, lon = DUISBURG_LON): number {
  const { eqTimeMin, declRad } = solarTerms(tsMs);
  const minUtc = (((tsMs % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
  const trueSolarMin = minUtc + eqTimeMin + 4 * lon;
  const ha = (trueSolarMin / 4 - 180) * DEG;
  const latR = lat * DEG;
  const cosZ = Math.sin(latR) * Math.sin(declRad) + Math.cos(latR) * Math.cos(declRad) * Math.cos(ha);
  return 90 - Math.acos(Math.max(-1, Math.min(1, cosZ))) / DEG;
}

export interface SunTimes {
  /** UTC ms; null in polar day/night (never in Duisburg). */
  sunriseMs: number | null;
  sunsetMs: number | null;
  solarNoonMs: number;
}

/**
 * Sunrise, solar noon and sunset (upper limb at the horizon with standard refraction: zenith
 * 90.833°) of the UTC calendar day containing `tsMs`, per NOAA. Each event is computed twice, the
 * second time with the sun's terms at the first estimate.
 */
export function sunTimes(tsMs: number, lat = DUISBURG_LAT, lon = DUISBURG_LON): SunTimes {
  const day0 = Math.floor(tsMs / DAY_MS) * DAY_MS;
  const noonAt = (at: number) => day0 + (720 - 4 * lon - solarTerms(at).eqTimeMin) * 60_000;
  const solarNoonMs = noonAt(noonAt(day0 + DAY_MS / 2));
  const event = (sign: 1 | -1): number | null => {
    let at = solarNoonMs;
    for (let k = 0; k < 2; k++) {
      const { eqTimeMin, declRad } = solarTerms(at);
      const latR = lat * DEG;
      const cosH = Math.cos(90.833 * DEG) / (Math.cos(latR) * Math.cos(declRad)) - Math.tan(latR) * Math.tan(declRad);
      if (cosH < -1 || cosH > 1) return null;
      const haDeg = Math.acos(cosH) / DEG;
      at = day0 + (720 - 4 * (lon - sign * haDeg) - eqTimeMin) * 60_000;
    }
    return Math.round(at);
  };
  return { sunriseMs: event(-1), sunsetMs: event(1), solarNoonMs: Math.round(solarNoonMs) };
}

/**
 * Clear-sky horizontal illuminance (lux) for a sun elevation (degrees), interpolated in log10 over
 * the usual reference values: ~0.001 lx at -18° (astronomical twilight), ~3 lx at -6° (end of civil
 * twilight), ~400 lx at sunset, ~10,000 lx at 10°, ~100,000 lx near 60°.
 */
const LUX_TABLE: readonly (readonly [number, number])[] = [
  [-18, -3.0],
  [-12, -2.0],
  [-9, -1.0],
  [-6, 0.5],
  [-4, 1.3],
  [-2, 2.0],
  [0, 2.6],
  [2, 3.2],
  [5, 3.7],
  [10, 4.1],
  [20, 4.5],
  [30, 4.7],
  [45, 4.9],
  [60, 5.0],
  [90, 5.08],
];
export function clearSkyLux(elevationDeg: number): number {
  if (elevationDeg <= LUX_TABLE[0]![0]) return 0;
  for (let i = 1; i < LUX_TABLE.length; i++) {
    const [h1, v1] = LUX_TABLE[i]!;
    if (elevationDeg <= h1) {
      const [h0, v0] = LUX_TABLE[i - 1]!;
      return 10 ** (v0 + ((elevationDeg - h0) / (h1 - h0)) * (v1 - v0));
    }
  }
  return 10 ** LUX_TABLE[LUX_TABLE.length - 1]![1];
}

/** Share of clear-sky light that passes a cloud cover 0..1 (Kasten & Czeplak shape). */
export function cloudTransmission(cover: number): number {
  return 1 - 0.75 * Math.max(0, Math.min(1, cover)) ** 3.4;
}

// ---- devices -----------------------------------------------------------------------------------

export const AIR_STATIONS = [
  {
    id: 'du-fwstr',
    name: 'Duisburg Friedrich-Wilhelm-Straße (Verkehr)',
    operator: 'LANUV NRW (kontinuierliche Messung simuliert)',
    stationType: 'traffic' as const,
    lon: 6.7712,
    lat: 51.4297,
    /** Share of local traffic emissions the site sees (kerbside = 1). */
    trafficWeight: 1,
  },
  {
    id: 'du-buchholz',
    name: 'Duisburg-Buchholz (städtischer Hintergrund)',
    operator: 'LANUV NRW',
    stationType: 'background' as const,
    lon: 6.7655,
    lat: 51.3842,
    trafficWeight: 0.2,
  },
] as const;

export const WEATHER_STATION = {
  id: 'wx-rathaus',
  name: 'Wetterstation Rathaus Duisburg (Burgplatz, Dach)',
  operator: 'Stadt Duisburg',
  lon: 6.7621,
  lat: 51.4359,
  heightM: 25,
} as const;

export const RUHRORT_GAUGE = {
  id: 'ruhrort',
  name: 'Duisburg-Ruhrort',
  water: 'Rhein',
  operator: 'WSV (Wasserstraßen- und Schifffahrtsamt Rhein)',
  riverKm: 780.8,
  datumMNhn: 16.11,
  lon: 6.7262,
  lat: 51.4528,
  marks: {
    /** Approximate. */
    lowWaterGlwCm: 230,
    /** Approximate. */
    meanWaterMwCm: 460,
    highWaterMarkICm: 930,
    highWaterMarkIICm: 1130,
    recordHighCm: 1304,
  },
} as const;

export const AIR_INTERVAL_SEC = 60;
export const WEATHER_INTERVAL_SEC = 60;
export const GAUGE_INTERVAL_SEC = 300;
/** Internal integration step; coarser steps are split. */
const MAX_SUBSTEP_SEC = 60;

export type RhineScenario = 'normal' | 'flood' | 'lowWater';

export interface RhineScenarioOptions {
  /** Level to reach: flood default 1180 cm (past HSW 1130), low water default 170 cm. */
  targetCm?: number;
  /**
   * Hours from now to reach it; default 12 (a demo pace: real Lower Rhine floods rise ~0.5-1 m a
   * day, pass 72 or more for realism).
   */
  hours?: number;
  /** Hours the level holds at the target before it recedes (flood) or recovers; default 6. */
  holdHours?: number;
}

/** The latest modelled conditions (what the other emulators read, e.g. the lamps' light sensors). */
export interface EnvironmentNow {
  tsMs: number;
  airTempC: number;
  relHumidityPct: number;
  windSpeedMs: number;
  windDirDeg: number;
  precipMmH: number;
  cloudCover: number;
  illuminanceLux: number;
  sunElevationDeg: number;
  trafficIntensity: number;
  no2UgM3: number[];
  pm10UgM3: number[];
  rhineLevelCm: number;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export class EnvironmentEmulator {
  readonly #rng: Rng;
  readonly #stamp: Stamp;
  #t = Number.NaN;
  // weather state
  #tempAnom = 0;
  #cloudLatent = 0.8;
  #raining = false;
  #rainIntensity = 0;
  #windLog = Math.log(3.5);
  #windDir = 225;
  // air-quality noise per station
  #no2Noise: number[] = AIR_STATIONS.map(() => 0);
  #pmAnom = 0;
  // river
  #level = Number.NaN;
  #levelAnom = 0;
  #scenario: { kind: RhineScenario; startMs: number; fromCm: number; targetCm: number; rampMs: number; holdMs: number } = {
    kind: 'normal',
    startMs: 0,
    fromCm: 0,
    targetCm: 0,
    rampMs: 1,
    holdMs: 0,
  };
  /** Levels sampled every 5 minutes over the last hour, for the trend. */
  #levelHistory: number[] = [];
  #nextAirMs = Number.NaN;
  #nextWeatherMs = Number.NaN;
  #nextGaugeMs = Number.NaN;
  #now: EnvironmentNow;

  constructor(opts: { rng: Rng; stamp?: Stamp }) {
    this.#rng = opts.rng;
    this.#stamp = opts.stamp ?? identityStamp;
    this.#tempAnom = this.#gauss() * 2;
    this.#cloudLatent = 0.8 + this.#gauss();
    this.#levelAnom = this.#gauss() * 60;
    this.#now = {
      tsMs: 0,
      airTempC: 10,
      relHumidityPct: 75,
      windSpeedMs: 3.5,
      windDirDeg: 225,
      precipMmH: 0,
      cloudCover: 0.7,
      illuminanceLux: 0,
      sunElevationDeg: 0,
      trafficIntensity: 0,
      no2UgM3: AIR_STATIONS.map(() => 20),
      pm10UgM3: AIR_STATIONS.map(() => 18),
      rhineLevelCm: 460,
    };
  }

  /** Retained announcements of every station. */
  meta(tsMs: number): Msg[] {
    const ts = this.#stamp(tsMs);
    const out: Msg[] = [];
    for (const s of AIR_STATIONS) {
      const m: AirQualityMeta = {
        id: s.id,
        name: s.name,
        operator: s.operator,
        stationType: s.stationType,
        lon: s.lon,
        lat: s.lat,
        pollutants: ['no2', 'pm10', 'pm25', 'o3'],
        limits: AIR_QUALITY_LIMITS_EU,
        intervalSec: AIR_INTERVAL_SEC,
        tsMs: ts,
      };
      out.push({ topic: environmentTopics.airQualityMeta(s.id), payload: JSON.stringify(m), qos: 1, retain: true });
    }
    const w: WeatherMeta = { ...WEATHER_STATION, intervalSec: WEATHER_INTERVAL_SEC, tsMs: ts };
    out.push({ topic: environmentTopics.weatherMeta(w.id), payload: JSON.stringify(w), qos: 1, retain: true });
    const g: GaugeMeta = { ...RUHRORT_GAUGE, marks: { ...RUHRORT_GAUGE.marks }, intervalSec: GAUGE_INTERVAL_SEC, tsMs: ts };
    out.push({ topic: environmentTopics.gaugeMeta(g.id), payload: JSON.stringify(g), qos: 1, retain: true });
    return out;
  }

  /** Latest conditions (after the last step). */
  current(): Readonly<EnvironmentNow> {
    return this.#now;
  }

  /**
   * Drive the Rhine towards a scenario from the current level: 'flood' rises smoothly to the target
   * (default 1180 cm, past HSW), holds, then recedes; 'lowWater' falls to ~170 cm; 'normal' returns
   * to the seasonal regime.
   */
  setRhineScenario(kind: RhineScenario, opts: RhineScenarioOptions = {}): void {
    const from = Number.isNaN(this.#level) ? this.#seasonalLevel(this.#t || 0) : this.#level;
    const targetCm = opts.targetCm ?? (kind === 'flood' ? 1180 : kind === 'lowWater' ? 170 : from);
    this.#scenario = {
      kind,
      startMs: Number.isNaN(this.#t) ? 0 : this.#t,
      fromCm: from,
      targetCm,
      rampMs: Math.max(1, (opts.hours ?? 12) * 3_600_000),
      holdMs: (opts.holdHours ?? 6) * 3_600_000,
    };
    this.#pendingScenarioStart = Number.isNaN(this.#t);
  }
  #pendingScenarioStart = false;

  step(modelTimeMs: number, dtSec: number, input: { trafficIntensity?: number } = {}): Msg[] {
    const out: Msg[] = [];
    if (Number.isNaN(this.#t)) {
      this.#init(modelTimeMs - dtSec * 1000);
    }
    while (this.#t < modelTimeMs) {
      const h = Math.min(MAX_SUBSTEP_SEC * 1000, modelTimeMs - this.#t);
      this.#advance(this.#t + h, h / 1000, input.trafficIntensity);
      this.#emitDue(out);
    }
    return out;
  }

  #init(t0: number): void {
    this.#t = t0;
    if (this.#pendingScenarioStart) {
      this.#scenario.startMs = t0;
      this.#scenario.fromCm = this.#seasonalLevel(t0) + this.#levelAnom;
      if (this.#scenario.kind === 'normal') this.#scenario.targetCm = this.#scenario.fromCm;
      this.#pendingScenarioStart = false;
    }
    this.#level = this.#seasonalLevel(t0) + this.#levelAnom;
    this.#levelHistory = Array.from({ length: 13 }, () => this.#level);
    // First observation of every station right away, then on round interval boundaries.
    this.#nextAirMs = t0;
    this.#nextWeatherMs = t0;
    this.#nextGaugeMs = t0;
    this.#advance(t0, 0, undefined);
  }

  #gauss(): number {
    const u = 1 - this.#rng.next();
    const v = this.#rng.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Ornstein-Uhlenbeck step: mean-reverting with time constant tauSec and stationary sd. */
  #ou(x: number, mean: number, tauSec: number, sd: number, dt: number): number {
    if (dt <= 0) return x;
    const a = Math.exp(-dt / tauSec);
    return mean + (x - mean) * a + sd * Math.sqrt(1 - a * a) * this.#gauss();
  }

  #seasonalLevel(t: number): number {
    // High in late winter (snow melt + rain), low in late summer/autumn.
    return 450 + 120 * Math.cos((2 * Math.PI * (dayOfYear(t) - 45)) / 365.25);
  }

  #advance(t: number, dt: number, trafficInput: number | undefined): void {
    this.#t = t;
    const doy = dayOfYear(t);
    const season = Math.cos((2 * Math.PI * (doy - 200)) / 365.25); // +1 mid-July, -1 mid-January
    const elev = solarElevationDeg(t);
    const localH = berlinHour(t);

    // Weather regime
    this.#tempAnom = this.#ou(this.#tempAnom, 0, 2.5 * 86_400, 3, dt);
    this.#cloudLatent = this.#ou(this.#cloudLatent, 0.9, 8 * 3600, 1.6, dt);
    const cloud = 1 / (1 + Math.exp(-2 * this.#cloudLatent));
    if (dt > 0) {
      // Rain as an on/off process: starts more easily under thick cloud, lasts ~2 h on average.
      const startPerH = cloud > 0.8 ? 0.35 * (cloud - 0.8) / 0.2 : 0;
      if (!this.#raining && this.#rng.next() < 1 - Math.exp((-startPerH * dt) / 3600)) {
        this.#raining = true;
        this.#rainIntensity = 0.3 + 2.5 * this.#rng.next() ** 2;
      } else if (this.#raining && this.#rng.next() < 1 - Math.exp(-dt / 7200)) {
        this.#raining = false;
      }
      if (this.#raining) this.#rainIntensity = Math.max(0.1, this.#ou(this.#rainIntensity, 1.1, 1800, 0.8, dt));
    }
    this.#windLog = this.#ou(this.#windLog, Math.log(3.3), 12 * 3600, 0.45, dt);
    // Wind veers around the prevailing south-west.
    this.#windDir = (this.#windDir + (dt > 0 ? this.#gauss() * Math.sqrt(dt / 3600) * 12 : 0) + 0.00005 * dt * angleDiff(225, this.#windDir) + 360) % 360;
    const windDay = 1 + 0.25 * Math.max(0, Math.sin(elev * DEG)); // more wind in the afternoon (mixing)
    const wind = Math.min(25, Math.exp(this.#windLog) * windDay);

    const tMean = 11 + 8 * season;
    const amp = (3 + 2.5 * (season + 1) / 2) * (1 - 0.6 * cloud);
    const diurnal = amp * Math.cos((2 * Math.PI * (localH - 15)) / 24);
    const airTemp = tMean + this.#tempAnom + diurnal - (this.#raining ? 1.5 : 0);
    // Dew point spread: small under cloud/rain and at night.
    const spread = this.#raining ? 0.5 : Math.max(0.5, 2 + 6 * (1 - cloud) * Math.max(0, diurnal / Math.max(amp, 0.1)) + 2 * (1 - cloud));
    const td = airTemp - spread;
    const rh = Math.min(100, 100 * Math.exp((17.625 * td) / (243.04 + td) - (17.625 * airTemp) / (243.04 + airTemp)));
    const lux = clearSkyLux(elev) * cloudTransmission(cloud) * (this.#raining ? 0.7 : 1);

    // Air quality
    const traffic = Math.max(0, Math.min(1, trafficInput ?? demandFactor(t)));
    const dilution = 1.3 / (0.5 + 0.23 * wind); // 1 at ~3.5 m/s
    const nightMixing = elev < 0 ? 1.2 : 1 - 0.2 * Math.sin(Math.max(0, elev) * DEG); // shallow night-time boundary layer
    const washout = this.#raining ? 0.6 : 1;
    const no2Bg = 15 - 4 * season;
    this.#pmAnom = this.#ou(this.#pmAnom, 0, 36 * 3600, 6, dt);
    const pm10Bg = 16 - 3 * season + this.#pmAnom;
    const no2: number[] = [];
    const pm10: number[] = [];
    AIR_STATIONS.forEach((s, i) => {
      this.#no2Noise[i] = this.#ou(this.#no2Noise[i]!, 0, 1800, 4, dt);
      no2.push(Math.max(2, (no2Bg * nightMixing + 42 * s.trafficWeight * traffic * dilution * nightMixing) * washout + this.#no2Noise[i]!));
      pm10.push(Math.max(3, (pm10Bg + 7 * s.trafficWeight * traffic * dilution) * washout + 0.4 * this.#no2Noise[i]!));
    });

    // Rhine
    this.#levelAnom = this.#ou(this.#levelAnom, 0, 12 * 86_400, 110, dt);
    this.#level = this.#riverLevel(t, dt);
    if (dt > 0) {
      const slot = Math.floor(t / 300_000);
      if (slot !== this.#lastHistSlot) {
        this.#lastHistSlot = slot;
        this.#levelHistory.push(this.#level);
        if (this.#levelHistory.length > 13) this.#levelHistory.shift();
      }
    }

    this.#now = {
      tsMs: t,
      airTempC: airTemp,
      relHumidityPct: rh,
      windSpeedMs: wind,
      windDirDeg: this.#windDir,
      precipMmH: this.#raining ? this.#rainIntensity : 0,
      cloudCover: cloud,
      illuminanceLux: lux,
      sunElevationDeg: elev,
      trafficIntensity: traffic,
      no2UgM3: no2,
      pm10UgM3: pm10,
      rhineLevelCm: this.#level,
    };
    this.#o3Season = season;
  }
  #lastHistSlot = -1;
  #o3Season = 0;

  #riverLevel(t: number, dt: number): number {
    const normal = Math.max(120, this.#seasonalLevel(t) + this.#levelAnom);
    const sc = this.#scenario;
    if (sc.kind === 'normal') {
      // Follow the natural regime with a lag of a day (the Rhine is slow): at most a few cm/h.
      return dt > 0 ? this.#level + (normal - this.#level) * (1 - Math.exp(-dt / 86_400)) : this.#level;
    }
    const e = t - sc.startMs;
    if (e <= sc.rampMs) {
      const x = Math.max(0, e / sc.rampMs);
      const s = x * x * (3 - 2 * x); // smoothstep: slow start, fastest mid-way, levelling at the crest
      return sc.fromCm + (sc.targetCm - sc.fromCm) * s;
    }
    if (e <= sc.rampMs + sc.holdMs) return sc.targetCm;
    // Recession: back to the natural regime over ~2 days.
    return dt > 0 ? this.#level + (normal - this.#level) * (1 - Math.exp(-dt / (2 * 86_400))) : this.#level;
  }

  #emitDue(out: Msg[]): void {
    const t = this.#t;
    const n = this.#now;
    while (this.#nextAirMs <= t) {
      const ts = this.#stamp(this.#nextAirMs);
      const sunF = Math.max(0, Math.sin(Math.max(0, n.sunElevationDeg) * DEG));
      AIR_STATIONS.forEach((s, i) => {
        const no2 = n.no2UgM3[i]!;
        const pm10 = n.pm10UgM3[i]!;
        const o3 = Math.max(2, 22 + (45 + 35 * this.#o3Season) * sunF * (1 - 0.4 * n.cloudCover) - 0.45 * (no2 - 15));
        out.push({
          topic: environmentTopics.airQualityObs(s.id),
          payload: `{"tsMs":${ts},"no2UgM3":${r1(no2)},"pm10UgM3":${r1(pm10)},"pm25UgM3":${r1(pm10 * 0.62)},"o3UgM3":${r1(o3)}}`,
          qos: 0,
          retain: false,
        });
      });
      this.#nextAirMs = (Math.floor(this.#nextAirMs / (AIR_INTERVAL_SEC * 1000)) + 1) * AIR_INTERVAL_SEC * 1000;
    }
    while (this.#nextWeatherMs <= t) {
      const ts = this.#stamp(this.#nextWeatherMs);
      out.push({
        topic: environmentTopics.weatherObs(WEATHER_STATION.id),
        payload:
          `{"tsMs":${ts},"airTempC":${r1(n.airTempC)},"relHumidityPct":${r1(n.relHumidityPct)},"windSpeedMs":${r1(n.windSpeedMs)},` +
          `"windDirDeg":${Math.round(n.windDirDeg) % 360},"precipMmH":${r1(n.precipMmH)},"illuminanceLux":${Math.round(n.illuminanceLux)}}`,
        qos: 0,
        retain: false,
      });
      this.#nextWeatherMs = (Math.floor(this.#nextWeatherMs / (WEATHER_INTERVAL_SEC * 1000)) + 1) * WEATHER_INTERVAL_SEC * 1000;
    }
    while (this.#nextGaugeMs <= t) {
      const ts = this.#stamp(this.#nextGaugeMs);
      const rate = this.#level - this.#levelHistory[0]!; // over the last hour (13 samples, 5 min apart)
      const trend: GaugeTrend = rate >= 1 ? 'rising' : rate <= -1 ? 'falling' : 'steady';
      out.push({
        topic: environmentTopics.gaugeObs(RUHRORT_GAUGE.id),
        payload: `{"tsMs":${ts},"waterLevelCm":${Math.round(this.#level)},"trend":"${trend}","trendCmPerH":${r1(rate)}}`,
        qos: 0,
        retain: false,
      });
      this.#nextGaugeMs = (Math.floor(this.#nextGaugeMs / (GAUGE_INTERVAL_SEC * 1000)) + 1) * GAUGE_INTERVAL_SEC * 1000;
    }
  }
}

/** Signed smallest angle from b to a, degrees (-180, 180]. */
function angleDiff(a: number, b: number): number {
  return ((a - b + 540) % 360) - 180;
}
