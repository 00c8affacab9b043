/**
 * The standards gateway: each configured source (config/sources.json) polled over HTTP or
 * subscribed over MQTT, its documents imported through the hub's own ingest (server/hub.ts
 * `ingest`: decoder, fusion, quarantine), so a GTFS-RT vehicle or a DATEX II garage is handled
 * exactly like one of ours.
 *
 * A bad source never stops the hub: an unreachable source raises `source:{id}|unreachable`, a
 * malformed document `source:{id}|malformed` (each with a quarantine entry on topic
 * `gateway/{id}`); both clear by themselves with the next good fetch / document. Items refused
 * inside a good document are reported, counted and quarantined one by one.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import mqtt, { type MqttClient } from 'mqtt';
import type { EnvStationEntity, GatewayFormat, ImportReport } from '../../protocol/index.ts';
import type { ConditionInput } from '../alarms/engine.ts';
import type { Logger } from '../log.ts';
import type { FamilyState } from '../realtime/family.ts';
import type { Store } from '../store/types.ts';
import type { SourceConfig, SourceOptions } from './config.ts';
import { importDatex2, newDatex2State, type Datex2State } from './datex2.ts';
import { announceLines } from './gtfs-lines.ts';
import { importGtfsRt, newGtfsRtState, type GtfsRtState } from './gtfs-rt.ts';
import { importGtfsZip } from './gtfs-static.ts';
import { MalformedDocument, type Deliver, type ReportBuilder } from './report.ts';
import { checkSensorStations, importObservation, newSensorThingsState, type SensorThingsState } from './sensorthings.ts';

export interface GatewayDeps {
  sources: SourceConfig[];
  store: Store;
  /** The hub's ingest: one of our MQTT messages, null when taken, else the refusal (quarantined by the hub). */
  deliver: Deliver;
  condition(input: ConditionInput, nowMs: number): void;
  environment: FamilyState<'environment', EnvStationEntity>;
  /** Broker for MQTT sources without their own url (the hub's). */
  mqttUrl: string;
  log: Logger;
}

/** What the gateway knows about one source (GET /api/gateway/sources). */
export interface SourceStatus {
  id: string;
  format: GatewayFormat;
  transport: 'http-poll' | 'mqtt';
  lastOkMs: number | null;
  lastErrorMs: number | null;
  lastError: string | null;
  documents: number;
  lastReport: ImportReport | null;
}

interface SourceRun {
  cfg: SourceConfig;
  status: SourceStatus;
  gtfsRt: GtfsRtState;
  datex: Datex2State;
  sensors: SensorThingsState;
  unreachable: boolean;
  malformed: boolean;
  timer: NodeJS.Timeout | null;
  etag: string | null;
  lastModified: string | null;
  busy: boolean;
}

export interface Gateway {
  /** Imports one document through the same path as the live sources (npm run import, tests). */
  importDocument(format: GatewayFormat, doc: Buffer | { path: string }, o?: { sourceId?: string; options?: SourceOptions; topic?: string }): Promise<ImportReport>;
  /** Announces the lines of every GTFS feed in the store (at start: they survive a restart). */
  announceStoredFeeds(): Promise<void>;
  /** Polls an http source now (tests; the timer does it otherwise). */
  pollNow(id: string): Promise<void>;
  sources(): SourceStatus[];
  check(nowMs: number): void;
  close(): Promise<void>;
}

const AREA: Record<GatewayFormat, string> = { gtfs: 'transit', 'gtfs-rt': 'transit', datex2: 'utility', sensorthings: 'environment' };
/** After a failed poll, retry at most this late (a daily GTFS poll must not wait a day to recover). */
const RETRY_MAX_MS = 60_000;
const DEFAULT_TIMEOUT_SEC = 30;

/** MQTT topic filter match ([MQTT-4.7]: '+' one level, '#' the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const log = deps.log;
  const runs = new Map<string, SourceRun>();
  const clients = new Map<string, MqttClient>();
  let closed = false;

  const newRun = (cfg: SourceConfig): SourceRun => ({
    cfg,
    status: { id: cfg.id, format: cfg.format, transport: cfg.transport.kind, lastOkMs: null, lastErrorMs: null, lastError: null, documents: 0, lastReport: null },
    gtfsRt: newGtfsRtState(),
    datex: newDatex2State(),
    sensors: newSensorThingsState(),
    unreachable: false,
    malformed: false,
    timer: null,
    etag: null,
    lastModified: null,
    busy: false,
  });
  for (const s of deps.sources) runs.set(s.id, newRun(s));

  const quarantine = (r: SourceRun, reason: string, detail: string, payload: Uint8Array) =>
    deps.store.addQuarantine(Date.now(), `gateway/${r.cfg.id}`, reason, detail, payload.subarray(0, 4096));

  const setCondition = (r: SourceRun, condition: 'unreachable' | 'malformed', active: boolean, detail: string) => {
    const was = condition === 'unreachable' ? r.unreachable : r.malformed;
    if (!active && !was) return;
    if (condition === 'unreachable') r.unreachable = active;
    else r.malformed = active;
    const what = condition === 'unreachable' ? 'nicht erreichbar' : 'fehlerhaftes Dokument';
    deps.condition(
      { entity: `source:${r.cfg.id}`, condition, active, priority: 'medium', area: AREA[r.cfg.format], message: `Datenquelle ${r.cfg.id} (${r.cfg.format}): ${what}${detail ? ` – ${detail.slice(0, 200)}` : ''}` },
      Date.now(),
    );
  };

  const failed = (r: SourceRun, condition: 'unreachable' | 'malformed', detail: string, payload: Uint8Array) => {
    const first = condition === 'unreachable' ? !r.unreachable : true;
    r.status.lastErrorMs = Date.now();
    r.status.lastError = `${condition}: ${detail}`;
    // Every malformed document is kept; an outage is quarantined once per streak, not once per poll.
    if (first) quarantine(r, condition, detail, payload);
    setCondition(r, condition, true, detail);
    log.warn({ source: r.cfg.id, condition, detail }, 'gateway source failed');
  };

  /** Runs one document of a source; returns its report. Never throws for document problems. */
  const runDocument = async (r: SourceRun, doc: Buffer | { path: string }, topic: string | undefined): Promise<ImportReport | null> => {
    const nowMs = Date.now();
    const o = r.cfg.options ?? {};
    const bytes = Buffer.isBuffer(doc) ? doc : Buffer.alloc(0);
    let rb: ReportBuilder;
    try {
      switch (r.cfg.format) {
        case 'gtfs-rt':
          rb = importGtfsRt(bytes, r.gtfsRt, deps.deliver, nowMs, o.idPrefix);
          break;
        case 'datex2':
          rb = importDatex2(bytes.toString('utf8'), r.datex, deps.deliver, nowMs, o);
          break;
        case 'sensorthings':
          rb = importObservation(topic ?? '', bytes, o, { family: deps.environment, store: deps.store }, r.sensors, nowMs);
          break;
        case 'gtfs': {
          let path: string;
          let tmp: string | null = null;
          if (Buffer.isBuffer(doc)) await writeFile((tmp = path = join(tmpdir(), `gtfs-${randomUUID()}.zip`)), doc);
          else path = doc.path;
          try {
            rb = await importGtfsZip(path, r.cfg.id, deps.store.gtfs, nowMs);
          } finally {
            if (tmp) await rm(tmp, { force: true });
          }
          await announceLines(deps.store.gtfs, r.cfg.id, deps.deliver, nowMs, o, rb);
          break;
        }
      }
    } catch (err) {
      const detail = err instanceof MalformedDocument ? err.message : `import failed: ${(err as Error).message}`;
      if (!(err instanceof MalformedDocument)) log.error({ err, source: r.cfg.id }, 'gateway import failed');
      failed(r, 'malformed', detail, bytes);
      return null;
    }
    for (const x of rb.local) quarantine(r, x.reason, `${x.item}: ${x.detail}`, Buffer.alloc(0));
    setCondition(r, 'malformed', false, '');
    r.status.lastOkMs = nowMs;
    r.status.documents++;
    r.status.lastReport = rb.report;
    if (rb.report.rejectedCount) log.info({ source: r.cfg.id, taken: rb.report.taken, rejected: rb.report.rejectedCount, first: rb.report.rejected[0] }, 'gateway document with rejected items');
    return rb.report;
  };

  const poll = async (r: SourceRun): Promise<void> => {
    if (r.cfg.transport.kind !== 'http-poll' || r.busy || closed) return;
    const t = r.cfg.transport;
    r.busy = true;
    try {
      const headers: Record<string, string> = { ...(t.headers ?? {}) };
      if (r.etag) headers['if-none-match'] = r.etag;
      if (r.lastModified) headers['if-modified-since'] = r.lastModified;
      let res: Response;
      try {
        res = await fetch(t.url, { headers, signal: AbortSignal.timeout((t.timeoutSec ?? DEFAULT_TIMEOUT_SEC) * 1000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return failed(r, 'unreachable', `${t.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, Buffer.alloc(0));
      }
      if (res.status === 304) {
        await res.body?.cancel();
        setCondition(r, 'unreachable', false, '');
        r.status.lastOkMs = Date.now();
        return;
      }
      if (!res.ok) {
        const body = Buffer.from(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
        return failed(r, 'unreachable', `${t.url}: HTTP ${res.status} ${res.statusText}`, body);
      }
      setCondition(r, 'unreachable', false, '');
      r.etag = res.headers.get('etag');
      r.lastModified = res.headers.get('last-modified');
      if (r.cfg.format === 'gtfs' && res.body) {
        // A feed zip goes to a temporary file (yauzl needs the directory at its end), never into memory.
        const path = join(tmpdir(), `gtfs-${randomUUID()}.zip`);
        try {
          await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), createWriteStream(path));
          await runDocument(r, { path }, undefined);
        } catch (err) {
          failed(r, 'unreachable', `${t.url}: download failed: ${(err as Error).message}`, Buffer.alloc(0));
        } finally {
          await rm(path, { force: true });
        }
      } else {
        let body: Buffer;
        try {
          body = Buffer.from(await res.arrayBuffer());
        } catch (err) {
          return failed(r, 'unreachable', `${t.url}: download failed: ${(err as Error).message}`, Buffer.alloc(0));
        }
        await runDocument(r, body, undefined);
      }
    } finally {
      r.busy = false;
    }
  };

  const schedule = (r: SourceRun) => {
    if (closed || r.cfg.transport.kind !== 'http-poll') return;
    const every = r.cfg.transport.intervalSec * 1000;
    r.timer = setTimeout(
      () => {
        poll(r).then(
          () => schedule(r),
          (err: unknown) => {
            log.error({ err, source: r.cfg.id }, 'gateway poll crashed');
            schedule(r);
          },
        );
      },
      r.unreachable || r.malformed ? Math.min(every, RETRY_MAX_MS) : every,
    );
    r.timer.unref?.();
  };

  // ---- start: HTTP sources poll at once and then on their interval; MQTT sources subscribe ----
  for (const r of runs.values()) {
    if (r.cfg.transport.kind === 'http-poll') {
      r.timer = setTimeout(() => void poll(r).finally(() => schedule(r)), 0);
      r.timer.unref?.();
      continue;
    }
    const url = r.cfg.transport.url ?? deps.mqttUrl;
    let c = clients.get(url);
    if (!c) {
      c = mqtt.connect(url, { clientId: `gateway-${randomUUID().slice(0, 8)}`, reconnectPeriod: 2000, connectTimeout: 10_000 });
      clients.set(url, c);
      const mine = () => [...runs.values()].filter((x) => x.cfg.transport.kind === 'mqtt' && (x.cfg.transport.url ?? deps.mqttUrl) === url);
      c.on('connect', () => {
        for (const x of mine()) {
          setCondition(x, 'unreachable', false, '');
          c!.subscribe((x.cfg.transport as { topic: string }).topic, { qos: 1 });
        }
      });
      c.on('offline', () => {
        for (const x of mine()) if (!closed) failed(x, 'unreachable', `broker ${url} offline`, Buffer.alloc(0));
      });
      c.on('error', (err) => log.warn({ err: err.message, url }, 'gateway mqtt error'));
      c.on('message', (topic, payload) => {
        for (const x of mine()) {
          if (!topicMatches((x.cfg.transport as { topic: string }).topic, topic)) continue;
          void runDocument(x, payload, topic);
        }
      });
    }
  }

  const adHoc = (format: GatewayFormat, sourceId: string, options: SourceOptions | undefined): SourceRun => {
    const existing = runs.get(sourceId);
    if (existing && existing.cfg.format === format) return existing;
    // An ad-hoc source (npm run import): the same path, without transport.
    const r = newRun({ id: sourceId, format, transport: { kind: 'mqtt', topic: '#' }, ...(options ? { options } : {}) });
    runs.set(sourceId, r);
    return r;
  };

  return {
    async importDocument(format, doc, o = {}) {
      const r = adHoc(format, o.sourceId ?? `import-${format}`, o.options);
      const report = await runDocument(r, doc, o.topic);
      if (report) return report;
      return { format, taken: {}, unchanged: 0, rejected: [{ item: 'document', reason: 'malformed', detail: (r.status.lastError ?? 'malformed').replace(/^malformed: /, '') }], rejectedCount: 1 };
    },
    async announceStoredFeeds() {
      for (const f of await deps.store.gtfs.feeds()) {
        const o = runs.get(f.feedId)?.cfg.options ?? {};
        const rb = await announceLines(deps.store.gtfs, f.feedId, deps.deliver, Date.now(), o);
        log.info({ feed: f.feedId, lines: rb.report.taken.lines ?? 0, rejected: rb.report.rejectedCount }, 'gtfs lines announced from the store');
      }
    },
    pollNow: async (id) => {
      const r = runs.get(id);
      if (!r) throw new Error(`no source ${id}`);
      await poll(r);
    },
    sources: () => [...runs.values()].map((r) => r.status),
    check(nowMs) {
      for (const r of runs.values()) if (r.cfg.format === 'sensorthings') checkSensorStations({ family: deps.environment, store: deps.store }, r.sensors, nowMs);
    },
    async close() {
      closed = true;
      for (const r of runs.values()) if (r.timer) clearTimeout(r.timer);
      await Promise.all([...clients.values()].map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}
