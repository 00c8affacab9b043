/**
 * Environment stations in one family: air quality (`env`), weather, the Rhine gauge and port shore
 * power. Values go to `values` with the unit in the name, limits and marks from the meta to
 * `limits`, and every numeric value to history.
 *
 * Alarms: the gauge's `highWater` (high) at or above the navigation limit (high-water mark II) and
 * `highWaterMarkI` (medium) at or above mark I, each clearing only 5 cm below its mark and after an
 * off-delay; shore power `faulted` (medium, utility); `lost` for silent air / weather / gauge
 * stations (medium, environment) and shore-power points (low, utility).
 */
import {
  FAMILY_EXPECTED_INTERVAL_SEC,
  type AirQualityMeta,
  type AirQualityObs,
  type AlarmPriority,
  type EnvStationEntity,
  type GaugeMeta,
  type GaugeObs,
  type ShorePowerMeta,
  type ShorePowerState,
  type WeatherMeta,
  type WeatherObs,
} from '../../protocol/index.ts';
import { alarmId } from '../alarms/engine.ts';
import { aboveMark, gaugeLimits } from '../fusion/environment.ts';
import { linkState } from '../fusion/liveness.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.environment! * 1000;
/** A high-water alarm returns to normal only after the level stayed below the clear threshold this long. */
export const HIGH_WATER_OFF_DELAY_MS = 15 * 60_000;

type StationKind = EnvStationEntity['kind'];
const KIND_OF: Record<string, StationKind> = { env: 'air', weather: 'weather', gauge: 'gauge', shorepower: 'shorepower' };
const OBS_CHANNEL: Record<StationKind, string> = { air: 'obs', weather: 'obs', gauge: 'obs', shorepower: 'state' };

interface Station {
  kind: StationKind;
  /** The MQTT kind (env, weather, gauge, shorepower): a device id is unique within it only. */
  mqttKind: string;
  meta: AirQualityMeta | WeatherMeta | GaugeMeta | ShorePowerMeta;
  lastSeenMs: number | null;
  /** History series id per value name. */
  series: Map<string, number>;
  /** Gauge: the high-water conditions as last judged (for the deadband). */
  aboveII: boolean;
  aboveI: boolean;
}

export interface EnvironmentHandler extends KindHandler {
  readonly family: FamilyState<'environment', EnvStationEntity>;
}

function limitsOf(kind: StationKind, meta: Station['meta']): Record<string, number> {
  switch (kind) {
    case 'air': {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries((meta as AirQualityMeta).limits)) if (typeof v === 'number') out[k] = v;
      return out;
    }
    case 'gauge':
      return gaugeLimits((meta as GaugeMeta).marks);
    case 'shorepower':
      return { powerKW: (meta as ShorePowerMeta).maxPowerKW };
    default:
      return {};
  }
}

/** The numeric values of an observation with their unit-suffixed names (the payload's own names). */
function valuesOf(kind: StationKind, data: unknown): Record<string, number | null> {
  switch (kind) {
    case 'air': {
      const o = data as AirQualityObs;
      return { no2UgM3: o.no2UgM3, pm10UgM3: o.pm10UgM3, pm25UgM3: o.pm25UgM3 ?? null, o3UgM3: o.o3UgM3 ?? null };
    }
    case 'weather': {
      const o = data as WeatherObs;
      return { airTempC: o.airTempC, relHumidityPct: o.relHumidityPct, windSpeedMs: o.windSpeedMs, windDirDeg: o.windDirDeg, precipMmH: o.precipMmH, illuminanceLux: o.illuminanceLux };
    }
    case 'gauge': {
      const o = data as GaugeObs;
      return { waterLevelCm: o.waterLevelCm, trendCmPerH: o.trendCmPerH ?? null };
    }
    case 'shorepower': {
      const o = data as ShorePowerState;
      return { powerKW: o.powerKW, sessionEnergyKWh: o.sessionEnergyKWh, meterKWh: o.meterKWh ?? null };
    }
  }
}

export function createEnvironmentHandler(ctx: IngestContext): EnvironmentHandler {
  const family = new FamilyState<'environment', EnvStationEntity>('environment');
  const stations = new Map<string, Station>();

  const highWater = (st: Station, id: string, levelCm: number, nowMs: number) => {
    const marks = (st.meta as GaugeMeta).marks;
    const name = st.meta.name;
    st.aboveII = aboveMark(levelCm, marks.highWaterMarkIICm, st.aboveII);
    st.aboveI = aboveMark(levelCm, marks.highWaterMarkICm, st.aboveI);
    const entity = `gauge:${id}`;
    ctx.condition(
      { entity, condition: 'highWater', active: st.aboveII, priority: 'high', area: 'environment', message: `${name}: ${levelCm} cm, Hochwassermarke II (${marks.highWaterMarkIICm} cm) erreicht – Schifffahrt eingestellt`, offDelayMs: HIGH_WATER_OFF_DELAY_MS },
      nowMs,
    );
    ctx.condition(
      {
        entity,
        condition: 'highWaterMarkI',
        active: st.aboveI,
        priority: 'medium',
        area: 'environment',
        message: `${name}: ${levelCm} cm, Hochwassermarke I (${marks.highWaterMarkICm} cm) erreicht`,
        offDelayMs: HIGH_WATER_OFF_DELAY_MS,
        // Under mark II the mark-I alarm says nothing new: suppressed by design.
        causeId: alarmId(entity, 'highWater'),
      },
      nowMs,
    );
  };

  return {
    kinds: ['env', 'weather', 'gauge', 'shorepower'],
    families: [family as never],
    family,
    handle(m: Decoded, nowMs: number): Refusal | null {
      const kind = KIND_OF[m.kind]!;
      const id = m.deviceId;
      if (m.channel === 'meta') {
        const meta = m.data as Station['meta'];
        const st = stations.get(id);
        if (st && st.mqttKind !== m.kind) return { reason: 'schema', detail: `station id ${id} is already used by a ${st.mqttKind} device` };
        const prev = family.entities.get(id);
        if (st) st.meta = meta;
        else stations.set(id, { kind, mqttKind: m.kind, meta, lastSeenMs: nowMs, series: new Map(), aboveII: false, aboveI: false });
        family.put({
          id,
          kind,
          name: meta.name,
          lon: meta.lon,
          lat: meta.lat,
          values: prev?.values ?? {},
          status: prev?.status ?? null,
          limits: limitsOf(kind, meta),
          tsMs: prev?.tsMs ?? null,
          link: prev?.link ?? 'stale',
        });
        return null;
      }
      if (m.channel !== OBS_CHANNEL[kind]) return { reason: 'unknown_topic', detail: `${m.kind}/${m.channel} is not handled` };
      const st = stations.get(id);
      const prev = family.entities.get(id);
      if (!st || !prev || st.mqttKind !== m.kind) return { reason: 'unknown_device', detail: `no meta announced for ${m.kind} ${id}` };
      st.lastSeenMs = nowMs;
      if (prev.tsMs !== null && m.tsMs <= prev.tsMs) return null;
      const values = valuesOf(kind, m.data);
      const status = kind === 'gauge' ? (m.data as GaugeObs).trend : kind === 'shorepower' ? (m.data as ShorePowerState).status : null;
      const patch: Partial<EnvStationEntity> & { id: string } = { id, tsMs: m.tsMs, values };
      if (prev.status !== status) patch.status = status;
      if (prev.link !== 'live') patch.link = 'live';
      family.patch(patch);
      const entity = `${m.kind}:${id}`;
      for (const name in values) {
        const v = values[name];
        if (v === null || v === undefined) continue;
        let sid = st.series.get(name);
        if (sid === undefined) st.series.set(name, (sid = ctx.store.seriesId(entity, name)));
        ctx.store.addSample(sid, m.tsMs, v);
      }
      if (kind === 'gauge') highWater(st, id, (m.data as GaugeObs).waterLevelCm, nowMs);
      else if (kind === 'shorepower') {
        ctx.condition(
          { entity, condition: 'faulted', active: status === 'faulted', priority: 'medium', area: 'utility', message: `Landstrom ${st.meta.name}: Störung` },
          nowMs,
        );
      }
      return null;
    },
    check(nowMs: number) {
      for (const [id, st] of stations) {
        const e = family.entities.get(id);
        if (!e) continue;
        const link = linkState(st.lastSeenMs, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
        const shore = st.kind === 'shorepower';
        const priority: AlarmPriority = shore ? 'low' : 'medium';
        ctx.condition(
          {
            entity: `${st.mqttKind}:${id}`,
            condition: 'lost',
            active: link === 'lost',
            priority,
            area: shore ? 'utility' : 'environment',
            message: `${st.meta.name}: keine Daten (Verbindung verloren)`,
            offDelayMs: 60_000,
          },
          nowMs,
        );
      }
    },
  };
}
