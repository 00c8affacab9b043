/**
 * The hub: wires ingest -> fusion -> store / state -> fan-out. Everything with I/O is created here
 * and closed in `close()`; the logic it calls is pure and tested on its own.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { FAMILIES, parseTopic, type AlarmEntity, type Family, type TlsEntity } from '../protocol/index.ts';
import { AlarmEngine, type Transition } from './alarms/engine.ts';
import type { Config } from './config.ts';
import { createOtherHandlers } from './kinds/index.ts';
import { createTlsHandler, type TlsHandler } from './kinds/tls.ts';
import type { IngestContext, KindHandler } from './kinds/types.ts';
import { createApi } from './http/api.ts';
import { createHistoryRoutes } from './http/history-routes.ts';
import { createAccess } from './http/access.ts';
import { createAuthRoutes } from './http/auth-routes.ts';
import { AuthService, displayParam } from './auth/authenticator.ts';
import { bootstrapAccounts } from './auth/bootstrap.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './ingest/broker.ts';
import { decodeMessage } from './ingest/decode.ts';
import { connectHubMqtt, type HubMqtt } from './ingest/mqtt-client.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { FamilyState } from './realtime/family.ts';
import { createIo, type IoServer, type Realtime } from './realtime/io.ts';
import { startTicker } from './realtime/ticker.ts';
import type { Authenticator } from './auth/types.ts';
import { startSimulator, type SimProcess } from './sim-process.ts';
import { openStore, startMaintenance } from './store/index.ts';
import type { Store } from './store/types.ts';

export const VERSION = '0.1.0';
const STORE_FLUSH_MS = 1000;

export interface Hub {
  readonly hubId: string;
  readonly mqttUrl: string;
  readonly store: Store;
  readonly tls: FamilyState<'tls', TlsEntity>;
  readonly tlsHandler: TlsHandler;
  readonly alarms: FamilyState<'alarms', AlarmEntity>;
  readonly alarmEngine: AlarmEngine;
  /** Every realtime family by name (device kinds' and alarms). */
  readonly families: Readonly<Record<Family, FamilyState<Family, { id: string }>>>;
  /** Runs the once-a-second checks now (liveness, alarm delays, shelf expiry); tests call it. */
  checkNow(nowMs?: number): void;
  /**
   * An operator's action on an alarm, stored with who and why and streamed. The caller has
   * authorised `user` for it (roles come with the realtime/security work).
   */
  alarmAction(a: { kind: 'ack' } | { kind: 'shelve'; durationMs: number; reason: string } | { kind: 'unshelve' }, id: string, user: string, nowMs?: number): void;
  readonly metrics: ReturnType<typeof createMetrics>;
  /** Sessions, display tokens, login: the `Authenticator` (principalOf) for the realtime handshake. */
  readonly auth: AuthService;
  /** Connect-style handler for the REST API; `next()` for anything else. */
  handle: ReturnType<typeof createApi>;
  /**
   * Attaches Socket.IO to an HTTP server. Connections authenticate with the session cookie or a
   * display token (the hub's own AuthService) unless another Authenticator is given (tests).
   */
  attach(http: HttpServer, authenticator?: Authenticator): IoServer;
  /** The realtime fan-out once attached (backpressure stats, tests). */
  readonly realtime: Realtime | null;
  close(): Promise<void>;
}

export async function createHub(config: Config, rootLog: Logger): Promise<Hub> {
  const log = rootLog.child({ mod: 'hub' });
  const ingestLog = rootLog.child({ mod: 'ingest' });
  const hubId = randomUUID();
  const startedMs = Date.now();
  const metrics = createMetrics();
  const store = await openStore(config);
  const auth = new AuthService({ store, cookieSecure: config.COOKIE_SECURE, onError: (err) => log.error({ err }, 'session store write failed') });
  await bootstrapAccounts(auth, config, rootLog.child({ mod: 'auth' }));
  await auth.start((err) => log.error({ err }, 'session refresh failed'));

  const alarms = new FamilyState<'alarms', AlarmEntity>('alarms');
  // Alarms survive a restart: their state is in the store.
  const alarmEngine = new AlarmEngine();
  alarmEngine.restore(await store.loadAlarms());
  for (const a of alarmEngine.alarms.values()) alarms.put({ ...a });
  const recordTransitions = (ts: Transition[]) => {
    for (const t of ts) {
      const a = alarmEngine.alarms.get(t.alarmId)!;
      store.addAlarmTransition(a, { alarmId: t.alarmId, from: t.from, to: t.to, atMs: t.atMs, by: t.by, reason: t.reason });
      alarms.put({ ...a });
      log.info({ alarm: t.alarmId, from: t.from, to: t.to, by: t.by }, 'alarm transition');
    }
  };
  const ctx: IngestContext = { store, condition: (input, nowMs) => recordTransitions(alarmEngine.evaluate(input, nowMs)) };

  const tlsHandler = createTlsHandler(ctx, metrics, rootLog.child({ mod: 'tls' }));
  const handlers: KindHandler[] = [tlsHandler, ...createOtherHandlers(ctx)];
  const byKind = new Map<string, KindHandler>();
  for (const h of handlers) for (const k of h.kinds) byKind.set(k, h);
  const families = { alarms } as unknown as Record<Family, FamilyState<Family, { id: string }>>;
  for (const h of handlers) for (const f of h.families) families[f.family] = f;
  for (const f of FAMILIES) {
    if (families[f]) continue;
    log.warn({ family: f }, 'no device kind feeds this family yet; it stays empty');
    families[f] = new FamilyState(f);
  }

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

  const reject = (kind: string, reason: string, detail: string, topic: string, payload: Uint8Array, nowMs: number) => {
    metrics.messages.labels(kind, 'rejected').inc();
    metrics.rejected.labels(reason).inc();
    store.addQuarantine(nowMs, topic, reason, detail, payload);
    ingestLog.debug({ topic, reason, detail }, 'message rejected');
  };
  // Counters resolved once per kind: the hot path does no label lookups.
  const acceptedCounters = new Map<string, { inc(): void }>();
  /** Device time and payload hash of the last message per topic (one entry per device channel). */
  const lastByTopic = new Map<string, { tsMs: number; hash: number }>();
  const onMessage = (topic: string, payload: Buffer) => {
    const nowMs = Date.now();
    if (payload.byteLength === 0) {
      // An empty retained meta clears the retained message: the device is gone ([MQTT-3.3.1-10]).
      const t = parseTopic(topic);
      const h = t && t.channel === 'meta' ? byKind.get(t.kind) : undefined;
      if (t && h?.forget) {
        const refused = h.forget(t.kind, t.deviceId, nowMs);
        if (refused) return reject(t.kind, refused.reason, refused.detail, topic, payload, nowMs);
        metrics.messages.labels(t.kind, 'accepted').inc();
        return;
      }
    }
    const m = decodeMessage(topic, payload, nowMs);
    if (!m.ok) {
      if (m.reason !== 'own') reject(m.kind, m.reason, m.detail, topic, payload, nowMs);
      return;
    }
    // The same measurement twice (a QoS 1 redelivery, a device repeating itself) is counted and
    // kept out; a retained meta re-read after a reconnect is not a duplicate.
    if (m.channel !== 'meta') {
      const hash = fnv1a(payload);
      const last = lastByTopic.get(topic);
      if (last && last.tsMs === m.tsMs && last.hash === hash) return reject(m.kind, 'duplicate', `same message (tsMs ${m.tsMs}) as the previous one on this topic`, topic, payload, nowMs);
      if (last) {
        last.tsMs = m.tsMs;
        last.hash = hash;
      } else lastByTopic.set(topic, { tsMs: m.tsMs, hash });
    }
    const h = byKind.get(m.kind);
    const refused = h ? h.handle(m, nowMs) : { reason: 'unknown_topic' as const, detail: `no handler for ${m.kind}` };
    if (refused) return reject(m.kind, refused.reason, refused.detail, topic, payload, nowMs);
    let c = acceptedCounters.get(m.kind);
    if (!c) acceptedCounters.set(m.kind, (c = metrics.messages.labels(m.kind, 'accepted')));
    c.inc();
  };
  const mqttConn: HubMqtt = connectHubMqtt(mqttUrl, rootLog.child({ mod: 'mqtt' }), onMessage);

  let rt: Realtime | null = null;
  // Each family at its own rate (server/realtime/config.ts), TICK_HZ the base rate.
  const stopTicker = startTicker({ families, baseHz: config.TICK_HZ, onTick: (now, deltas) => rt?.publishTick(now, deltas) });
  const flusher = setInterval(() => {
    store.flush().then(
      (n) => metrics.storeRows.inc(n),
      (err: unknown) => log.error({ err }, 'store flush failed'),
    );
  }, STORE_FLUSH_MS);
  const checkNow = (now = Date.now()) => {
    for (const h of handlers) h.check?.(now);
    recordTransitions(alarmEngine.tick(now));
  };
  const checker = setInterval(() => checkNow(), 1000);
  // Roll-ups and retention (server/store): once a minute, off the hot path, pruning in chunks.
  const stopMaintenance = startMaintenance(store, (err) => log.error({ err }, 'store maintenance failed'));

  let sim: SimProcess | null = null;
  if (config.SIM) sim = startSimulator({ mqttUrl, speed: config.SIM_SPEED, seed: config.SIM_SEED, scenario: config.SIM_SCENARIO, log: rootLog.child({ mod: 'sim' }) });

  const alarmAction: Hub['alarmAction'] = (a, id, user, nowMs = Date.now()) => {
    const t =
      a.kind === 'ack'
        ? alarmEngine.ack(id, user, nowMs)
        : a.kind === 'shelve'
          ? alarmEngine.shelve(id, user, a.durationMs, a.reason, nowMs)
          : alarmEngine.unshelve(id, user, nowMs);
    recordTransitions([t]);
  };

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
    routes: Object.assign(
      {},
      ...handlers.map((h) => h.routes ?? {}),
      createHistoryRoutes({ store, version: VERSION }),
      createAuthRoutes({ auth, store, alarmAction, alarms: () => [...alarmEngine.alarms.values()] }),
    ),
    access: createAccess(auth),
    // A wall display page opened with ?display=TOKEN keeps the token in an HttpOnly cookie, so the
    // page's own REST requests are authorised too (revoking the token ends them at once).
    beforePage(req, res) {
      const token = displayParam(req);
      if (token && auth.displays.lookup(token)) res.appendHeader('set-cookie', auth.displayCookie(req, token));
    },
  });

  log.info({ hubId, mqttUrl, dataDir: config.DATA_DIR, sim: config.SIM }, 'hub started');

  return {
    hubId,
    mqttUrl,
    store,
    tls: tlsHandler.family,
    tlsHandler,
    alarms,
    alarmEngine,
    families,
    checkNow,
    alarmAction,
    metrics,
    auth,
    handle,
    get realtime() {
      return rt;
    },
    attach(http, authenticator: Authenticator = auth) {
      rt = createIo({ http, families, hubId, version: VERSION, log: rootLog.child({ mod: 'io' }), metrics, authenticator });
      return rt.io;
    },
    async close() {
      stopTicker();
      clearInterval(flusher);
      stopMaintenance();
      clearInterval(checker);
      await sim?.stop();
      await mqttConn.close();
      if (rt) await rt.close();
      await broker?.close();
      await store.close();
      log.info('hub stopped');
    },
  };
}

/** FNV-1a over the payload bytes: enough to tell a repeated message from a different one. */
function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}
