/**
 * The hub: wires ingest -> fusion -> store / state -> fan-out. Everything with I/O is created here
 * and closed in `close()`; the logic it calls is pure and tested on its own.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { FAMILIES, type AlarmEntity, type Family, type TlsEntity } from '../protocol/index.ts';
import { AlarmEngine, type Transition } from './alarms/engine.ts';
import { linkState } from './fusion/liveness.ts';
import type { Config } from './config.ts';
import { entityFromMeta, FlowWindow, fuseDetectorReport } from './fusion/tls.ts';
import { createApi } from './http/api.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './ingest/broker.ts';
import { decodeMessage } from './ingest/decode.ts';
import { connectHubMqtt, type HubMqtt } from './ingest/mqtt-client.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { FamilyState } from './realtime/family.ts';
import { createIo, roomOf, type IoServer } from './realtime/io.ts';
import { startSimulator, type SimProcess } from './sim-process.ts';
import { SqliteStore } from './store/sqlite.ts';

export const VERSION = '0.1.0';
const STORE_FLUSH_MS = 1000;
/** Detector reports are expected every 5 s (docs/mqtt-contract.md); silence is judged against it. */
const TLS_EXPECTED_INTERVAL_MS = 5000;

export interface Hub {
  readonly hubId: string;
  readonly mqttUrl: string;
  readonly store: SqliteStore;
  readonly tls: FamilyState<'tls', TlsEntity>;
  readonly alarms: FamilyState<'alarms', AlarmEntity>;
  readonly alarmEngine: AlarmEngine;
  /** Runs the once-a-second checks now (liveness, alarm delays, shelf expiry); tests call it. */
  checkNow(nowMs?: number): void;
  /**
   * An operator's action on an alarm, stored with who and why and streamed. The caller has
   * authorised `user` for it (roles come with the realtime/security work).
   */
  alarmAction(a: { kind: 'ack' } | { kind: 'shelve'; durationMs: number; reason: string } | { kind: 'unshelve' }, id: string, user: string, nowMs?: number): void;
  readonly metrics: ReturnType<typeof createMetrics>;
  /** Connect-style handler for the REST API; `next()` for anything else. */
  handle: ReturnType<typeof createApi>;
  /** Attaches Socket.IO to an HTTP server. */
  attach(http: HttpServer): IoServer;
  close(): Promise<void>;
}

export async function createHub(config: Config, rootLog: Logger): Promise<Hub> {
  const log = rootLog.child({ mod: 'hub' });
  const ingestLog = rootLog.child({ mod: 'ingest' });
  const hubId = randomUUID();
  const startedMs = Date.now();
  const metrics = createMetrics();
  const store = new SqliteStore(config.DATA_DIR);

  const tls = new FamilyState<'tls', TlsEntity>('tls');
  const flowWindows = new Map<string, FlowWindow>();
  /** Hub receive time of each installation's last accepted message: silence is judged on our clock. */
  const lastSeenMs = new Map<string, number>();
  const alarms = new FamilyState<'alarms', AlarmEntity>('alarms');
  const families = { tls, alarms } as Record<Family, FamilyState<Family, { id: string }>>;

  // Alarms survive a restart: their state is in the store.
  const alarmEngine = new AlarmEngine();
  alarmEngine.restore(store.loadAlarms());
  for (const a of alarmEngine.alarms.values()) alarms.put({ ...a });
  const recordTransitions = (ts: Transition[]) => {
    for (const t of ts) {
      const a = alarmEngine.alarms.get(t.alarmId)!;
      store.addAlarmTransition(a, { alarmId: t.alarmId, from: t.from, to: t.to, atMs: t.atMs, by: t.by, reason: t.reason });
      alarms.put({ ...a });
      log.info({ alarm: t.alarmId, from: t.from, to: t.to, by: t.by }, 'alarm transition');
    }
  };

  let broker: EmbeddedBroker | null = null;
  let mqttUrl = config.MQTT_URL;
  if (!mqttUrl) {
    broker = await startEmbeddedBroker({
      port: config.MQTT_PORT,
      host: config.MQTT_HOST,
      fallback: !config.mqttPortExplicit,
      log: rootLog.child({ mod: 'broker' }),
    });
    mqttUrl = broker.url;
  }

  // Counters resolved once: the hot path does no label lookups.
  const accepted = { tls: metrics.messages.labels('tls', 'accepted') };
  const onMessage = (topic: string, payload: Buffer) => {
    const nowMs = Date.now();
    const m = decodeMessage(topic, payload, nowMs);
    if (!m.ok) {
      metrics.messages.labels(m.kind, 'rejected').inc();
      metrics.rejected.labels(m.reason).inc();
      store.addQuarantine(nowMs, topic, m.reason, m.detail, payload);
      ingestLog.debug({ topic, reason: m.reason, detail: m.detail }, 'message rejected');
      return;
    }
    switch (m.channel) {
      case 'tls/meta':
        tls.put(entityFromMeta(m.data, tls.entities.get(m.deviceId)));
        if (!lastSeenMs.has(m.deviceId)) lastSeenMs.set(m.deviceId, nowMs);
        break;
      case 'tls/detectors': {
        const prev = tls.entities.get(m.deviceId);
        if (!prev) {
          metrics.messages.labels('tls', 'rejected').inc();
          metrics.rejected.labels('unknown_device').inc();
          store.addQuarantine(nowMs, topic, 'unknown_device', `no meta announced for tls ${m.deviceId}`, payload);
          return;
        }
        let win = flowWindows.get(m.deviceId);
        if (!win) flowWindows.set(m.deviceId, (win = new FlowWindow()));
        const f = fuseDetectorReport(prev, m.data, win);
        if (!f) break; // out of order: older than what we hold
        tls.patch(f.patch);
        lastSeenMs.set(m.deviceId, nowMs);
        const entity = `tls:${m.deviceId}`;
        for (const [metric, value] of f.samples) store.addSample(store.seriesId(entity, metric), m.data.tsMs, value);
        break;
      }
    }
    accepted.tls.inc();
  };
  const mqttConn: HubMqtt = connectHubMqtt(mqttUrl, rootLog.child({ mod: 'mqtt' }), onMessage);

  let io: IoServer | null = null;
  const tickMs = Math.round(1000 / config.TICK_HZ);
  const tick = setInterval(() => {
    const now = Date.now();
    for (const f of FAMILIES) {
      const d = families[f].flush(now);
      if (d && io) io.to(roomOf(f)).emit('delta', d);
    }
  }, tickMs);
  const flusher = setInterval(() => {
    try {
      metrics.storeRows.inc(store.flush());
    } catch (err) {
      log.error({ err }, 'store flush failed');
    }
  }, STORE_FLUSH_MS);
  const checkNow = (now = Date.now()) => {
    for (const [id, e] of tls.entities) {
      const link = linkState(lastSeenMs.get(id) ?? null, TLS_EXPECTED_INTERVAL_MS, now);
      if (link !== e.link) tls.patch({ id, link });
      recordTransitions(
        alarmEngine.evaluate(
          { entity: `tls:${id}`, condition: 'lost', active: link === 'lost', priority: 'medium', area: 'traffic', message: `${e.name}: keine Daten (Verbindung verloren)`, offDelayMs: 10_000 },
          now,
        ),
      );
    }
    recordTransitions(alarmEngine.tick(now));
  };
  const checker = setInterval(() => checkNow(), 1000);
  const retention = setInterval(
    () => store.prune(Date.now() - config.RETENTION_RAW_DAYS * 86_400_000),
    3600_000,
  );

  let sim: SimProcess | null = null;
  if (config.SIM) sim = startSimulator({ mqttUrl, speed: config.SIM_SPEED, seed: config.SIM_SEED, log: rootLog.child({ mod: 'sim' }) });

  const handle = createApi({
    startedMs,
    brokerConnected: () => mqttConn.connected,
    dbOk: () => store.ok(),
    metricsText: () => metrics.registry.metrics(),
    metricsContentType: metrics.registry.contentType,
    clientConfig: () => ({
      hubId,
      version: VERSION,
      basemapStyleUrl: config.BASEMAP_STYLE_URL ?? '/basemap/style.json',
      tickHz: config.TICK_HZ,
    }),
    history: (q) => store.history(q.entity, q.metric, q.fromMs, q.toMs, q.maxPoints),
  });

  log.info({ hubId, mqttUrl, dataDir: config.DATA_DIR, sim: config.SIM }, 'hub started');

  return {
    hubId,
    mqttUrl,
    store,
    tls,
    alarms,
    alarmEngine,
    checkNow,
    alarmAction(a, id, user, nowMs = Date.now()) {
      const t =
        a.kind === 'ack'
          ? alarmEngine.ack(id, user, nowMs)
          : a.kind === 'shelve'
            ? alarmEngine.shelve(id, user, a.durationMs, a.reason, nowMs)
            : alarmEngine.unshelve(id, user, nowMs);
      recordTransitions([t]);
    },
    metrics,
    handle,
    attach(http) {
      io = createIo({ http, families, hubId, version: VERSION, log: rootLog.child({ mod: 'io' }), metrics });
      return io;
    },
    async close() {
      clearInterval(tick);
      clearInterval(flusher);
      clearInterval(retention);
      clearInterval(checker);
      await sim?.stop();
      await mqttConn.close();
      if (io) await io.close();
      await broker?.close();
      store.close();
      log.info('hub stopped');
    },
  };
}
