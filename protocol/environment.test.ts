import { describe, expect, it } from 'vitest';
import {
  AIR_QUALITY_LIMITS_EU,
  AirQualityMeta,
  AirQualityObs,
  GaugeMeta,
  GaugeObs,
  WeatherMeta,
  WeatherObs,
  environmentTopics,
} from './environment.ts';
import { parseTopic } from './topics.ts';

const ts = 1_795_000_000_000;

describe('air quality', () => {
  const meta = { id: 'du-fwstr', name: 'Duisburg Friedrich-Wilhelm-Straße', stationType: 'traffic', lon: 6.77, lat: 51.43, pollutants: ['no2', 'pm10'], limits: AIR_QUALITY_LIMITS_EU, intervalSec: 60, tsMs: ts };
  it('accepts meta and observations, optional pollutants may be absent', () => {
    expect(AirQualityMeta.parse(meta)).toEqual(meta);
    expect(AirQualityObs.safeParse({ tsMs: ts, no2UgM3: 41.2, pm10UgM3: 19 }).success).toBe(true);
    expect(AirQualityObs.safeParse({ tsMs: ts, no2UgM3: 41.2, pm10UgM3: 19, pm25UgM3: 11, o3UgM3: 60 }).success).toBe(true);
  });
  it('rejects negative concentrations, missing NO2, unknown pollutant or station type', () => {
    expect(AirQualityObs.safeParse({ tsMs: ts, no2UgM3: -1, pm10UgM3: 19 }).success).toBe(false);
    expect(AirQualityObs.safeParse({ tsMs: ts, pm10UgM3: 19 }).success).toBe(false);
    expect(AirQualityMeta.safeParse({ ...meta, pollutants: ['so2'] }).success).toBe(false);
    expect(AirQualityMeta.safeParse({ ...meta, stationType: 'rural' }).success).toBe(false);
    expect(AirQualityMeta.safeParse({ ...meta, limits: {} }).success).toBe(false);
  });
  it('carries the EU limit values', () => {
    expect(AIR_QUALITY_LIMITS_EU.no2HourlyUgM3).toBe(200);
    expect(AIR_QUALITY_LIMITS_EU.no2AnnualUgM3).toBe(40);
    expect(AIR_QUALITY_LIMITS_EU.pm10DailyUgM3).toBe(50);
  });
});

describe('weather', () => {
  const obs = { tsMs: ts, airTempC: 12.3, relHumidityPct: 78, windSpeedMs: 3.4, windDirDeg: 225, precipMmH: 0, illuminanceLux: 12000 };
  it('accepts meta and a plausible observation', () => {
    expect(WeatherMeta.safeParse({ id: 'wx-1', name: 'Rathaus', lon: 6.76, lat: 51.43, intervalSec: 60, tsMs: ts }).success).toBe(true);
    expect(WeatherObs.parse(obs)).toEqual(obs);
  });
  it('rejects humidity over 100 %, a direction over 360°, negative rain', () => {
    expect(WeatherObs.safeParse({ ...obs, relHumidityPct: 101 }).success).toBe(false);
    expect(WeatherObs.safeParse({ ...obs, windDirDeg: 361 }).success).toBe(false);
    expect(WeatherObs.safeParse({ ...obs, precipMmH: -0.1 }).success).toBe(false);
    expect(WeatherObs.safeParse({ ...obs, airTempC: Number.NaN }).success).toBe(false);
  });
});

describe('gauge', () => {
  const meta = { id: 'ruhrort', name: 'Duisburg-Ruhrort', water: 'Rhein', lon: 6.73, lat: 51.455, marks: { highWaterMarkIICm: 1130 }, intervalSec: 300, tsMs: ts };
  it('accepts meta (HSW mandatory) and observations', () => {
    expect(GaugeMeta.safeParse(meta).success).toBe(true);
    expect(GaugeObs.safeParse({ tsMs: ts, waterLevelCm: 512, trend: 'rising', trendCmPerH: 3.5 }).success).toBe(true);
  });
  it('rejects a missing HSW, an unknown trend', () => {
    expect(GaugeMeta.safeParse({ ...meta, marks: {} }).success).toBe(false);
    expect(GaugeObs.safeParse({ tsMs: ts, waterLevelCm: 512, trend: 'up' }).success).toBe(false);
  });
});

describe('environment topics', () => {
  it('build topics of three kinds', () => {
    expect(environmentTopics.airQualityObs('du-fwstr')).toBe('city/v1/env/du-fwstr/obs');
    expect(parseTopic(environmentTopics.weatherObs('wx-1'))?.kind).toBe('weather');
    expect(parseTopic(environmentTopics.gaugeMeta('ruhrort'))).toEqual({ kind: 'gauge', deviceId: 'ruhrort', channel: 'meta' });
  });
});
