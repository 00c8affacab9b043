import { describe, expect, it } from 'vitest';
import { AirQualityObs, ENVIRONMENT_PAYLOADS, GaugeObs, WeatherObs } from '../../protocol/environment.ts';
import { parseTopic } from '../../protocol/topics.ts';
import { Rng } from '../rng.ts';
import {
  EnvironmentEmulator,
  RUHRORT_GAUGE,
  berlinHour,
  berlinOffsetMin,
  clearSkyLux,
  solarElevationDeg,
  sunTimes,
  type Msg,
} from './environment.ts';

/** Local clock time "HH:MM" of a UTC instant with a fixed offset (minutes). */
const minutesOfDay = (ms: number, offsetMin: number) => ((((ms / 60_000 + offsetMin) % 1440) + 1440) % 1440);
const hm = (h: number, m: number) => h * 60 + m;

describe('NOAA solar formulas', () => {
  // Published sunrise/sunset (upper limb, standard refraction), rounded to the minute.
  // London (51.5074 N, 0.1278 W), the usual almanac values for the solstices:
  it('London solstices: 04:43 / 21:21 BST on 21 June, 08:04 / 15:53 GMT on 21 December', () => {
    const june = sunTimes(Date.UTC(2025, 5, 21, 12), 51.5074, -0.1278);
    expect(Math.abs(minutesOfDay(june.sunriseMs!, 60) - hm(4, 43))).toBeLessThanOrEqual(2);
    expect(Math.abs(minutesOfDay(june.sunsetMs!, 60) - hm(21, 21))).toBeLessThanOrEqual(2);
    const dec = sunTimes(Date.UTC(2025, 11, 21, 12), 51.5074, -0.1278);
    expect(Math.abs(minutesOfDay(dec.sunriseMs!, 0) - hm(8, 4))).toBeLessThanOrEqual(2);
    expect(Math.abs(minutesOfDay(dec.sunsetMs!, 0) - hm(15, 53))).toBeLessThanOrEqual(2);
  });

  it('Duisburg (51.43 N, 6.76 E): 21 June sunset ~21:54 CEST, sunrise ~05:17; 21 December ~08:35 / ~16:27 CET', () => {
    const june = sunTimes(Date.UTC(2025, 5, 21, 12));
    expect(Math.abs(minutesOfDay(june.sunsetMs!, 120) - hm(21, 54))).toBeLessThanOrEqual(3);
    expect(Math.abs(minutesOfDay(june.sunriseMs!, 120) - hm(5, 17))).toBeLessThanOrEqual(3);
    const dec = sunTimes(Date.UTC(2025, 11, 21, 12));
    expect(Math.abs(minutesOfDay(dec.sunriseMs!, 60) - hm(8, 35))).toBeLessThanOrEqual(3);
    expect(Math.abs(minutesOfDay(dec.sunsetMs!, 60) - hm(16, 27))).toBeLessThanOrEqual(3);
  });

  it('is self-consistent: noon elevation = 90 - lat + declination, the sun is at -0.833° at sunset, equinox day ~12 h 10 min', () => {
    const june = sunTimes(Date.UTC(2025, 5, 21, 12));
    expect(solarElevationDeg(june.solarNoonMs)).toBeCloseTo(90 - 51.43 + 23.44, 1);
    expect(solarElevationDeg(june.sunsetMs!)).toBeCloseTo(-0.833, 1);
    expect(solarElevationDeg(june.sunriseMs!)).toBeCloseTo(-0.833, 1);
    const eq = sunTimes(Date.UTC(2025, 2, 20, 12));
    const lenMin = (eq.sunsetMs! - eq.sunriseMs!) / 60_000;
    expect(lenMin).toBeGreaterThan(12 * 60);
    expect(lenMin).toBeLessThan(12 * 60 + 16);
    // Solar noon in Duisburg is ~11:33 UTC (longitude 6.76° E = 27 min before 12:00 UTC, +/- equation of time).
    expect(minutesOfDay(june.solarNoonMs, 0)).toBeGreaterThan(hm(11, 25));
    expect(minutesOfDay(june.solarNoonMs, 0)).toBeLessThan(hm(11, 40));
  });

  it('Europe/Berlin offset switches on the last Sundays of March and October at 01:00 UTC', () => {
    expect(berlinOffsetMin(Date.UTC(2025, 2, 30, 0, 59))).toBe(60);
    expect(berlinOffsetMin(Date.UTC(2025, 2, 30, 1, 0))).toBe(120);
    expect(berlinOffsetMin(Date.UTC(2025, 9, 26, 0, 59))).toBe(120);
    expect(berlinOffsetMin(Date.UTC(2025, 9, 26, 1, 0))).toBe(60);
    expect(berlinHour(Date.UTC(2025, 6, 1, 22, 30))).toBeCloseTo(0.5, 6);
  });

  it('clear-sky illuminance: dark at night, ~hundreds of lux at sunset, ~100 klx at a high sun, monotonic', () => {
    expect(clearSkyLux(-20)).toBe(0);
    expect(clearSkyLux(-6)).toBeGreaterThan(1);
    expect(clearSkyLux(-6)).toBeLessThan(10);
    expect(clearSkyLux(0)).toBeGreaterThan(200);
    expect(clearSkyLux(0)).toBeLessThan(1000);
    expect(clearSkyLux(60)).toBeGreaterThan(80_000);
    for (let h = -18; h < 90; h += 0.5) expect(clearSkyLux(h + 0.5)).toBeGreaterThanOrEqual(clearSkyLux(h));
  });
});

function run(env: EnvironmentEmulator, startMs: number, seconds: number, dt: number, traffic?: (t: number) => number): Msg[] {
  const out: Msg[] = [];
  for (let s = dt; s <= seconds; s += dt) {
    const t = startMs + s * 1000;
    out.push(...env.step(t, dt, traffic ? { trafficIntensity: traffic(t) } : {}));
  }
  return out;
}

const schemaOf = (topic: string) => {
  const p = parseTopic(topic)!;
  return (ENVIRONMENT_PAYLOADS as Record<string, Record<string, { safeParse(x: unknown): { success: boolean } }>>)[p.kind]![p.channel]!;
};

describe('EnvironmentEmulator', () => {
  const start = Date.UTC(2025, 9, 14, 22, 0); // Tuesday 15 October 2025, 00:00 CEST

  it('emits one observation per station per interval, every message valid', () => {
    const env = new EnvironmentEmulator({ rng: new Rng(3) });
    const msgs = run(env, start, 6 * 3600, 1);
    const count = (s: string) => msgs.filter((m) => m.topic.endsWith(s)).length;
    expect(count('du-fwstr/obs')).toBeGreaterThanOrEqual(360);
    expect(count('du-fwstr/obs')).toBeLessThanOrEqual(361);
    expect(count('wx-rathaus/obs')).toBeGreaterThanOrEqual(360);
    expect(count('ruhrort/obs')).toBeGreaterThanOrEqual(72);
    expect(count('ruhrort/obs')).toBeLessThanOrEqual(73);
    for (const m of [...msgs, ...env.meta(start)]) expect(schemaOf(m.topic).safeParse(JSON.parse(m.payload)).success, m.payload).toBe(true);
    for (const m of msgs) expect(m.retain).toBe(false);
    for (const m of env.meta(start)) expect([m.retain, m.qos]).toEqual([true, 1]);
  });

  it('NO2 at the traffic site follows traffic: the rush hour is well above the night, the background station barely moves', () => {
    const env = new EnvironmentEmulator({ rng: new Rng(4) });
    // A synthetic traffic curve: 0.05 at night, 1.0 07:00-09:00 local.
    const traffic = (t: number) => {
      const h = berlinHour(t);
      return h >= 7 && h < 9 ? 1 : h >= 1 && h < 4 ? 0.05 : 0.5;
    };
    const msgs = run(env, start, 24 * 3600, 10, traffic);
    const no2 = (station: string, h0: number, h1: number) => {
      const v = msgs
        .filter((m) => m.topic.includes(`env/${station}/obs`))
        .map((m) => AirQualityObs.parse(JSON.parse(m.payload)))
        .filter((o) => berlinHour(o.tsMs) >= h0 && berlinHour(o.tsMs) < h1)
        .map((o) => o.no2UgM3);
      return v.reduce((s, x) => s + x, 0) / v.length;
    };
    const rush = no2('du-fwstr', 7.5, 9);
    const night = no2('du-fwstr', 2, 4);
    expect(rush).toBeGreaterThan(night + 15);
    expect(rush).toBeLessThan(200); // hourly limit value: not exceeded on an ordinary day
    expect(night).toBeGreaterThan(5);
    expect(no2('du-buchholz', 7.5, 9) - no2('du-buchholz', 2, 4)).toBeLessThan(rush - night);
  });

  it('weather: daily temperature curve (afternoon warmer than before dawn), lux 0 at night and daylight at noon', () => {
    const env = new EnvironmentEmulator({ rng: new Rng(5) });
    const msgs = run(env, Date.UTC(2025, 6, 14, 22, 0), 24 * 3600, 10).filter((m) => m.topic.includes('weather/'));
    const obs = msgs.map((m) => WeatherObs.parse(JSON.parse(m.payload)));
    const at = (h: number) => obs.filter((o) => Math.abs(berlinHour(o.tsMs) - h) < 0.5);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(at(15).map((o) => o.airTempC))).toBeGreaterThan(mean(at(5).map((o) => o.airTempC)) + 2);
    expect(Math.max(...at(1.5).map((o) => o.illuminanceLux))).toBe(0);
    expect(Math.min(...at(13.5).map((o) => o.illuminanceLux))).toBeGreaterThan(5000);
    for (const o of obs) {
      expect(o.airTempC).toBeGreaterThan(0);
      expect(o.airTempC).toBeLessThan(40);
    }
  });

  it("setRhineScenario('flood') raises the Ruhrort gauge past HSW (1130 cm) within hours, reported as rising", () => {
    const env = new EnvironmentEmulator({ rng: new Rng(6) });
    run(env, start, 600, 60);
    const before = env.current().rhineLevelCm;
    expect(before).toBeGreaterThan(150);
    expect(before).toBeLessThan(900);
    env.setRhineScenario('flood', { hours: 12 });
    const msgs = run(env, start + 600_000, 14 * 3600, 60).filter((m) => m.topic.includes('gauge/'));
    const obs = msgs.map((m) => GaugeObs.parse(JSON.parse(m.payload)));
    const firstOver = obs.find((o) => o.waterLevelCm > RUHRORT_GAUGE.marks.highWaterMarkIICm);
    expect(firstOver).toBeDefined();
    expect(firstOver!.tsMs - start).toBeLessThan(13 * 3_600_000);
    const mid = obs.find((o) => o.tsMs >= start + 6 * 3_600_000)!;
    expect(mid.trend).toBe('rising');
    expect(mid.trendCmPerH!).toBeGreaterThan(20);
    // Never faster than the scenario allows (smoothstep peak rate 1.5 x mean rate).
    for (let i = 1; i < obs.length; i++) expect(Math.abs(obs[i]!.waterLevelCm - obs[i - 1]!.waterLevelCm)).toBeLessThan(15);
    expect(env.current().rhineLevelCm).toBeGreaterThan(1130);
  });

  it('without a scenario the Rhine changes slowly (a few cm per hour at most)', () => {
    const env = new EnvironmentEmulator({ rng: new Rng(7) });
    const obs = run(env, start, 48 * 3600, 60)
      .filter((m) => m.topic.includes('gauge/'))
      .map((m) => GaugeObs.parse(JSON.parse(m.payload)));
    for (const o of obs.slice(13)) expect(Math.abs(o.trendCmPerH!)).toBeLessThan(8);
  });

  it('is deterministic by seed', () => {
    const a = run(new EnvironmentEmulator({ rng: new Rng(11) }), start, 3600, 1);
    const b = run(new EnvironmentEmulator({ rng: new Rng(11) }), start, 3600, 1);
    const c = run(new EnvironmentEmulator({ rng: new Rng(12) }), start, 3600, 1);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
