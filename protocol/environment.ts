/**
 * Environment: air quality stations, weather stations and river gauges.
 *
 *   city/v1/env/{stationId}/meta       retained, QoS 1  AirQualityMeta
 *   city/v1/env/{stationId}/obs        QoS 0            AirQualityObs (µg/m³, one-minute means)
 *   city/v1/weather/{stationId}/meta   retained, QoS 1  WeatherMeta
 *   city/v1/weather/{stationId}/obs    QoS 0            WeatherObs
 *   city/v1/gauge/{gaugeId}/meta       retained, QoS 1  GaugeMeta (with the navigation marks)
 *   city/v1/gauge/{gaugeId}/obs        QoS 0            GaugeObs (cm above the gauge datum, "Pegelnull")
 *
 * Limit values are those of EU directive 2008/50/EC (39. BImSchV in Germany); they travel in the
 * retained meta so the dashboard never hard-codes them.
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
/** Concentrations: µg/m³, finite, below anything physically plausible in a city. */
const ugM3 = z.number().min(0).max(5000);

export const POLLUTANTS = ['no2', 'pm10', 'pm25', 'o3'] as const;
export const Pollutant = z.enum(POLLUTANTS);
export type Pollutant = z.infer<typeof Pollutant>;

/** EU station classification: traffic (kerbside), urban background, industrial. */
export const STATION_TYPES = ['traffic', 'background', 'industrial'] as const;

/** Limit and threshold values, µg/m³, with their averaging period in the name. */
export const AirQualityLimits = z.object({
  /** NO2 1-hour limit (not to be exceeded more than 18 times a year): 200. */
  no2HourlyUgM3: ugM3,
  /** NO2 annual mean limit: 40. */
  no2AnnualUgM3: ugM3,
  /** PM10 24-hour limit (not more than 35 days a year): 50. */
  pm10DailyUgM3: ugM3,
  /** PM10 annual mean limit: 40. */
  pm10AnnualUgM3: ugM3,
  /** PM2.5 annual mean limit: 25. */
  pm25AnnualUgM3: ugM3.optional(),
  /** O3 information threshold (1-hour mean): 180. */
  o3InfoUgM3: ugM3.optional(),
});
export type AirQualityLimits = z.infer<typeof AirQualityLimits>;

export const AIR_QUALITY_LIMITS_EU: AirQualityLimits = {
  no2HourlyUgM3: 200,
  no2AnnualUgM3: 40,
  pm10DailyUgM3: 50,
  pm10AnnualUgM3: 40,
  pm25AnnualUgM3: 25,
  o3InfoUgM3: 180,
};

export const AirQualityMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  operator: z.string().max(200).optional(),
  stationType: z.enum(STATION_TYPES),
  lon,
  lat,
  pollutants: z.array(Pollutant).min(1).max(POLLUTANTS.length),
  limits: AirQualityLimits,
  /** Averaging interval of one observation, seconds. */
  intervalSec: z.number().positive().max(86_400),
  tsMs,
});
export type AirQualityMeta = z.infer<typeof AirQualityMeta>;

export const AirQualityObs = z.object({
  tsMs,
  no2UgM3: ugM3,
  pm10UgM3: ugM3,
  pm25UgM3: ugM3.optional(),
  o3UgM3: ugM3.optional(),
});
export type AirQualityObs = z.infer<typeof AirQualityObs>;

export const WeatherMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  operator: z.string().max(200).optional(),
  lon,
  lat,
  /** Sensor height above ground, m. */
  heightM: z.number().min(0).max(500).optional(),
  intervalSec: z.number().positive().max(86_400),
  tsMs,
});
export type WeatherMeta = z.infer<typeof WeatherMeta>;

export const WeatherObs = z.object({
  tsMs,
  airTempC: z.number().min(-60).max(60),
  relHumidityPct: z.number().min(0).max(100),
  windSpeedMs: z.number().min(0).max(100),
  /** Direction the wind blows FROM, degrees clockwise from north (meteorological convention). */
  windDirDeg: z.number().min(0).max(360),
  precipMmH: z.number().min(0).max(500),
  /** Horizontal illuminance, lux (0 at night, ~100,000 at noon in summer sun). */
  illuminanceLux: z.number().min(0).max(200_000),
});
export type WeatherObs = z.infer<typeof WeatherObs>;

export const GAUGE_TRENDS = ['rising', 'falling', 'steady'] as const;
export const GaugeTrend = z.enum(GAUGE_TRENDS);
export type GaugeTrend = z.infer<typeof GaugeTrend>;

/** Water levels of the gauge that matter to the city and to shipping, cm above the gauge datum. */
export const GaugeMarks = z.object({
  /** Low-water reference level (GlW, "gleichwertiger Wasserstand"): below it fairway depth is reduced. */
  lowWaterGlwCm: z.number().optional(),
  /** Mean water level (MW). */
  meanWaterMwCm: z.number().optional(),
  /** High-water mark I (Hochwassermarke I): ships keep to mid-stream at reduced speed. */
  highWaterMarkICm: z.number().optional(),
  /** High-water mark II = highest navigable water level (HSW): shipping stops. */
  highWaterMarkIICm: z.number(),
  /** Highest level ever recorded (HHW). */
  recordHighCm: z.number().optional(),
});
export type GaugeMarks = z.infer<typeof GaugeMarks>;

export const GaugeMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  water: z.string().min(1).max(100),
  operator: z.string().max(200).optional(),
  /** River kilometre (Rhine: km below Konstanz bridge). */
  riverKm: z.number().optional(),
  /** Height of the gauge datum above sea level (NHN), m. */
  datumMNhn: z.number().optional(),
  lon,
  lat,
  marks: GaugeMarks,
  intervalSec: z.number().positive().max(86_400),
  tsMs,
});
export type GaugeMeta = z.infer<typeof GaugeMeta>;

export const GaugeObs = z.object({
  tsMs,
  /** Water level above the gauge datum, cm. */
  waterLevelCm: z.number().min(-500).max(3000),
  trend: GaugeTrend,
  /** Rate of change over the last hour, cm/h (positive = rising). */
  trendCmPerH: z.number().min(-500).max(500).optional(),
});
export type GaugeObs = z.infer<typeof GaugeObs>;

export const environmentTopics = {
  airQualityMeta: (id: string) => `${TOPIC_ROOT}/env/${id}/meta`,
  airQualityObs: (id: string) => `${TOPIC_ROOT}/env/${id}/obs`,
  weatherMeta: (id: string) => `${TOPIC_ROOT}/weather/${id}/meta`,
  weatherObs: (id: string) => `${TOPIC_ROOT}/weather/${id}/obs`,
  gaugeMeta: (id: string) => `${TOPIC_ROOT}/gauge/${id}/meta`,
  gaugeObs: (id: string) => `${TOPIC_ROOT}/gauge/${id}/obs`,
} as const;

/** Payload schema per `{kind}/{channel}`, for the hub's decoder. */
export const ENVIRONMENT_PAYLOADS = {
  env: { meta: AirQualityMeta, obs: AirQualityObs },
  weather: { meta: WeatherMeta, obs: WeatherObs },
  gauge: { meta: GaugeMeta, obs: GaugeObs },
} as const;
