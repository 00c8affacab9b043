/**
 * OGC SensorThings API (v1.1) MQTT observations as generic sensors of the environment family.
 *
 * Mapping (documented in docs/api.md#sensorthings):
 *  - topic `v1.1/Datastreams({id})/Observations` (OGC 18-088 §14.2.3, MQTT Receive): the datastream
 *    id is read from the topic, the message is one Observation entity (JSON).
 *  - source option `datastreams[id]` = { station, value, name?, kind?, lon?, lat? }: the datastream
 *    is one value (`value`, a name with its unit, e.g. `airTempC`) of one environment station
 *    (`station`, our id; kind `weather` unless `air`). Several datastreams may feed one station.
 *  - `result` (a number) is the value; `phenomenonTime` (instant, or the end of an interval
 *    `start/end`), else `resultTime`, else the receive time is `tsMs`.
 *  - a datastream without a mapping, a station without coordinates, a non-numeric result: rejected
 *    (reported, quarantined), never guessed.
 * Values are historised as `sensorthings:{station}` / `{value}`.
 */
import type { EnvStationEntity } from '../../protocol/index.ts';
import type { FamilyState } from '../realtime/family.ts';
import type { Store } from '../store/types.ts';
import type { SourceOptions } from './config.ts';
import { MalformedDocument, ReportBuilder } from './report.ts';
import { linkState } from '../fusion/liveness.ts';

const DATASTREAM_TOPIC_RE = /(?:^|\/)Datastreams\(\s*'?([^)']+)'?\s*\)\/Observations$/;
/** A generic sensor is expected to report at least every 5 minutes (server/fusion/liveness.ts: stale after 3, lost after 12 intervals). */
export const SENSOR_EXPECTED_MS = 5 * 60_000;

export function datastreamOfTopic(topic: string): string | null {
  return DATASTREAM_TOPIC_RE.exec(topic)?.[1] ?? null;
}

/** tsMs of an Observation: phenomenonTime (its end for an interval), else resultTime. */
export function observationTsMs(o: Record<string, unknown>): number | null {
  const pt = typeof o.phenomenonTime === 'string' ? o.phenomenonTime : null;
  const t = pt ? Date.parse(pt.includes('/') ? pt.split('/')[1]! : pt) : typeof o.resultTime === 'string' ? Date.parse(o.resultTime) : NaN;
  return Number.isFinite(t) ? t : null;
}

export interface SensorSink {
  family: FamilyState<'environment', EnvStationEntity>;
  store: Store;
}

export interface SensorThingsState {
  lastSeenMs: Map<string, number>;
  series: Map<string, number>;
}
export const newSensorThingsState = (): SensorThingsState => ({ lastSeenMs: new Map(), series: new Map() });

/**
 * One observation message. `topic` names the datastream; `reject` also quarantines (the caller
 * passes the source's quarantine).
 */
export function importObservation(topic: string, payload: Uint8Array, opts: SourceOptions, sink: SensorSink, state: SensorThingsState, nowMs: number): ReportBuilder {
  const rb = new ReportBuilder('sensorthings');
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch (err) {
    throw new MalformedDocument(`observation is not JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(o) ? o : [o];
  // A file (npm run import) may name its datastream inline: {"Datastream": {"@iot.id": 7}, …}.
  const inline = (list[0] as { Datastream?: { '@iot.id'?: unknown } } | null)?.Datastream?.['@iot.id'];
  const ds = datastreamOfTopic(topic) ?? (typeof inline === 'string' || typeof inline === 'number' ? String(inline) : null);
  if (!ds) throw new MalformedDocument(`topic ${JSON.stringify(topic)} is not v1.1/Datastreams({id})/Observations and the observation names no Datastream`);
  for (const item of list) {
    if (typeof item !== 'object' || item === null) {
      rb.reject(`datastream ${ds}`, 'schema', 'an Observation must be a JSON object');
      continue;
    }
    const obs = item as Record<string, unknown>;
    const map = opts.datastreams?.[ds];
    if (!map) {
      rb.reject(`datastream ${ds}`, 'unknown_device', `datastream ${ds} has no mapping in the source's options.datastreams`);
      continue;
    }
    const value = typeof obs.result === 'number' ? obs.result : typeof obs.result === 'string' && obs.result.trim() !== '' ? Number(obs.result) : NaN;
    if (!Number.isFinite(value)) {
      rb.reject(`datastream ${ds}`, 'schema', `result ${JSON.stringify(obs.result)?.slice(0, 50)} is not a number`);
      continue;
    }
    const tsMs = observationTsMs(obs) ?? nowMs;
    const prev = sink.family.entities.get(map.station);
    if (!prev) {
      if (map.lon === undefined || map.lat === undefined) {
        rb.reject(`datastream ${ds}`, 'unknown_device', `station ${map.station} has no coordinates (options.datastreams.${ds}.lon/lat)`);
        continue;
      }
      sink.family.put({ id: map.station, kind: map.kind ?? 'weather', name: map.name ?? map.station, lon: map.lon, lat: map.lat, values: { [map.value]: value }, status: null, limits: {}, tsMs, link: 'live' });
    } else if (prev.tsMs !== null && tsMs < prev.tsMs && prev.values[map.value] !== undefined) {
      rb.report.unchanged++;
      continue;
    } else {
      sink.family.patch({ id: map.station, values: { ...prev.values, [map.value]: value }, tsMs: Math.max(tsMs, prev.tsMs ?? 0), ...(prev.link !== 'live' ? { link: 'live' as const } : {}) });
    }
    state.lastSeenMs.set(map.station, nowMs);
    const key = `${map.station}|${map.value}`;
    let sid = state.series.get(key);
    if (sid === undefined) state.series.set(key, (sid = sink.store.seriesId(`sensorthings:${map.station}`, map.value)));
    sink.store.addSample(sid, tsMs, value);
    rb.take('observations');
  }
  return rb;
}

/** Liveness of the stations a SensorThings source feeds (called once a second by the gateway). */
export function checkSensorStations(sink: SensorSink, state: SensorThingsState, nowMs: number): void {
  for (const [id, seen] of state.lastSeenMs) {
    const e = sink.family.entities.get(id);
    if (!e) continue;
    const link = linkState(seen, SENSOR_EXPECTED_MS, nowMs);
    if (link !== e.link) sink.family.patch({ id, link });
  }
}
