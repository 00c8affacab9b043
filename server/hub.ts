/**
 * The hub: wires ingest -> fusion -> store / state -> fan-out. Everything with I/O is created here
 * and closed in `close()`; the logic it calls is pure and tested on its own.
 */
import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { FAMILIES, parseTopic, type AlarmEntity, type EnvStationEntity, type Family, type TlsEntity } from '../protocol/index.ts';
import { AlarmEngine, type Transition } from './alarms/engine.ts';
import type { Config } from './config.ts';
import { createOtherHandlers } from './kinds/index.ts';
import { createTlsHandler, type TlsHandler } from './kinds/tls.ts';
import { createControlPlane, type ControlService } from './control/index.ts';
import { corridorsBothWays } from './fusion/links.ts';
import type { IngestContext, KindHandler } from './kinds/types.ts';
import { createApi } from './http/api.ts';
import { createHistoryRoutes } from './http/history-routes.ts';
import { createReplayRoutes } from './http/replay-routes.ts';
import { createAccess } from './http/access.ts';
import { createAuthRoutes } from './http/auth-routes.ts';
import { AuthService, displayParam } from './auth/authenticator.ts';
import { bootstrapAccounts } from './auth/bootstrap.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './ingest/broker.ts';
import { decodeMessage } from './ingest/decode.ts';
import { createRateLimiter } from './ingest/rate-limit.ts';
import { connectHubMqtt, type HubMqtt } from './ingest/mqtt-client.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { FamilyState } from './realtime/family.ts';
import { createIo, type IoServer, type Realtime } from './realtime/io.ts';
import { startTicker } from './realtime/ticker.ts';
import { startCluster, type Cluster } from './cluster/index.ts';
import { partitionKey } from './cluster/partition.ts';
import { AlarmError } from './alarms/engine.ts';
import type { Authenticator } from './auth/types.ts';
import { startSimulator, type SimProcess } from './sim-process.ts';
import { createGateway, type Gateway } from './gateway/index.ts';
import { loadSources } from './gateway/config.ts';
import { createOpenRoutes } from './open/routes.ts';
import { sendJson } from './http/errors.ts';
import type { ApiRoute } from './http/api.ts';
import { createHubVideo, type HubVideo } from './video/index.ts';
import { openStore, startMaintenance } from './store/index.ts';
import type { Store } from './store/types.ts';

export const VERSION = '0.1.0';
export type AlarmActionKind = { kind: 'ack' } | { kind: 'shelve'; durationMs: number; reason: string } | { kind: 'unshelve' };
const STORE_FLUSH_MS = 1000;

export interface Hub {
  readonly hubId: string;
  readonly mqttUrl: string;
  readonly store: Store;
  readonly tls: FamilyState<'tls', TlsEntity>;
  readonly tlsHandler: TlsHandler;
  readonly alarms: FamilyState<'alarms', AlarmEntity>;
  readonly alarmEngine: AlarmEngine;
  /** The control plane: modes, proposals, approvals, overrides (server/control). */
  readonly control: ControlService;
  /** Every realtime family by name (device kinds' and alarms). */
  readonly families: Readonly<Record<Family, FamilyState<Family, { id: string }>>>;
  /** Runs the once-a-second checks now (liveness, alarm delays, shelf expiry); tests call it. */
  checkNow(nowMs?: number): void;
  /**
   * An operator's action on an alarm, stored with who and why and streamed. The caller has
   * authorised `user` for it (roles come with the realtime/security work).
   */
  alarmAction(a: AlarmActionKind, id: string, user: string, nowMs?: number): Promise<void>;
  /** Scaled mode (REDIS_URL): membership, partitioning, replication; null on a single hub. */
  readonly cluster: Cluster | null;
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
  /** The standards gateway: GTFS, GTFS-RT, DATEX II, SensorThings sources (server/gateway). */
  readonly gateway: Gateway;
  /** Drone video: relay to fire/admin dashboards, optional recording (server/video). */
  readonly video: HubVideo;
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
  let cluster: Cluster | null = null;
  const ctx: IngestContext = {
    store,
    condition: (input, nowMs) => recordTransitions(alarmEngine.evaluate(input, nowMs)),
    ...(config.REDIS_URL ? { ownsTls: (id: string) => cluster === null || cluster.owns(`tls/${id}`) } : {}),
  };

  const tlsHandler = createTlsHandler(ctx, metrics, rootLog.child({ mod: 'tls' }));
  const handlers: KindHandler[] = [tlsHandler, ...createOtherHandlers(ctx)];
  const byKind = new Map<string, KindHandler>();
  for (const h of handlers) for (const k of h.kinds) byKind.set(k, h);
  // The control plane publishes through the hub's MQTT connection (created below) and audits into the store.
  const control = createControlPlane({
    publish: (topic, payload, qos) => {
      if (!mqttConn?.connected) return false;
      mqttConn.client.publish(topic, payload, { qos });
      return true;
    },
    audit: (row) => store.addAudit(row),
    tls: (id) => tlsHandler.family.entities.get(id),
    corridor: (id) => corridorsBothWays().find((c) => c.id === id)?.tls ?? null,
    log: rootLog.child({ mod: 'control' }),
    defaultMode: config.CONTROL_DEFAULT_MODE,
  });
  const families = { alarms, control: control.family } as unknown as Record<Family, FamilyState<Family, { id: string }>>;
  for (const h of handlers) for (const f of h.families) families[f.family] = f;
  for (const f of FAMILIES) {
    if (families[f]) continue;
    log.warn({ family: f }, 'no device kind feeds this family yet; it stays empty');
    families[f] = new FamilyState(f);
  }

  // ---- scaled mode: who processes what (server/cluster) ----
  const handlerKind = new Map<string, string>();
  for (const h of handlers) for (const k of h.kinds) handlerKind.set(k, h.kinds[0]!);
  /** Topic -> whether this hub processes it; cleared when the members change. */
  const topicOwned = new Map<string, boolean>();
  const ownsTopic = (topic: string): boolean => {
    let o = topicOwned.get(topic);
    if (o !== undefined) return o;
    const t = parseTopic(topic);
    // Topics nobody handles are decoded (and quarantined) by every hub: they are rare and cheap.
    o = !t || !cluster ? true : cluster.owns(partitionKey(t.kind, t.deviceId, handlerKind.get(t.kind) ?? t.kind));
    topicOwned.set(topic, o);
    return o;
  };
  /** Partition key of an alarm's entity (`tls:K001`, `cabinet:C12`, `line:901`, ...). */
  const alarmKey = (entity: string): string => {
    const i = entity.indexOf(':');
    const kind = i < 0 ? entity : entity.slice(0, i);
    if (kind === 'tls') return `tls/${entity.slice(i + 1)}`;
    if (kind === 'line') return 'kind:transit';
    if (kind === 'hub') return 'local:'; // each hub's own health
    return `kind:${handlerKind.get(kind) ?? kind}`;
  };
  const ownsKey = (key: string) => cluster === null || key.startsWith('local:') || cluster.owns(key);

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

  /** The last refusal of `onMessage` (the gateway's `ingest` reads it: onMessage is synchronous). */
  let lastRefusal: { reason: string; detail: string } | null = null;
  const reject = (kind: string, reason: string, detail: string, topic: string, payload: Uint8Array, nowMs: number) => {
    lastRefusal = { reason, detail };
    metrics.messages.labels(kind, 'rejected').inc();
    metrics.rejected.labels(reason).inc();
    store.addQuarantine(nowMs, topic, reason, detail, payload);
    ingestLog.debug({ topic, reason, detail }, 'message rejected');
  };
  // Counters resolved once per kind: the hot path does no label lookups.
  const acceptedCounters = new Map<string, { inc(): void }>();
  /** Device time and payload hash of the last message per topic (one entry per device channel). */
  const lastByTopic = new Map<string, { tsMs: number; hash: number }>();
  const otherPartition = metrics.messages.labels('all', 'other_partition');
  const speed = config.SIM ? Math.max(1, config.SIM_SPEED) : 1;
  const limiter =
    config.DEVICE_RATE_PER_SEC > 0
      ? createRateLimiter({
          ratePerSec: config.DEVICE_RATE_PER_SEC * speed,
          burst: config.DEVICE_RATE_BURST * speed,
          // Video frames (10 fps) and telemetry: a drone talks more than a detector.
          kinds: { drone: { ratePerSec: Math.max(40, config.DEVICE_RATE_PER_SEC * 4) * speed, burst: Math.max(80, config.DEVICE_RATE_BURST * 2) * speed } },
        })
      : null;
  // Drone video is binary: routed around the JSON decoder (server/video); in scaled mode every hub
  // relays it to its own sockets, so it is not partitioned.
  const video = createHubVideo({ dataDir: config.DATA_DIR, log: rootLog.child({ mod: 'video' }), registry: metrics.registry, known: (id) => families.drone?.entities.has(id) ?? false });
  const onMessage = (topic: string, payload: Buffer) => {
    if (cluster && !ownsTopic(topic) && !video.accepts(topic)) return otherPartition.inc();
    const nowMs = Date.now();
    if (limiter && !limiter.take(topic, nowMs)) {
      const kind = topic.split('/')[2] ?? 'unknown';
      metrics.messages.labels(kind, 'rejected').inc();
      metrics.rejected.labels('rate_limited').inc();
      // A flood is sampled into the quarantine (one per device per 10 s), not copied into it.
      if (limiter.shouldReport(topic, nowMs)) {
        store.addQuarantine(nowMs, topic, 'rate_limited', `more than ${config.DEVICE_RATE_PER_SEC * speed} messages/s from this device`, payload);
        ingestLog.warn({ topic }, 'device rate-limited');
      }
      return;
    }
    if (video.accepts(topic)) {
      const refused = video.ingest(topic, payload, nowMs);
      // Quarantine keeps the header only: the JPEG is large and proves nothing more.
      if (refused) reject('drone', refused.reason, refused.detail, topic, payload.subarray(0, 160), nowMs);
      return;
    }
    if (payload.byteLength === 0) {
      // An empty retained meta clears the retained message: the device is gone ([MQTT-3.3.1-10]).
      const t = parseTopic(topic);
      const h = t && t.channel === 'meta' ? byKind.get(t.kind) : undefined;
      if (t && h?.forget) {
        const refused = h.forget(t.kind, t.deviceId, nowMs);
        if (refused) return reject(t.kind, refused.reason, refused.detail, topic, payload, nowMs);
        if (t.kind === 'tls') control.forget(t.deviceId);
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
    let refused: ReturnType<KindHandler['handle']>;
    try {
      refused = h ? h.handle(m, nowMs) : { reason: 'unknown_topic' as const, detail: `no handler for ${m.kind}` };
    } catch (err) {
      // A bug in a handler must cost one message, never the hub: quarantined with the error.
      ingestLog.error({ err, topic }, 'handler failed on a valid message');
      refused = { reason: 'internal_error', detail: (err instanceof Error ? err.message : String(err)).slice(0, 200) };
    }
    if (refused) return reject(m.kind, refused.reason, refused.detail, topic, payload, nowMs);
    control.observe(m, nowMs);
    let c = acceptedCounters.get(m.kind);
    if (!c) acceptedCounters.set(m.kind, (c = metrics.messages.labels(m.kind, 'accepted')));
    c.inc();
  };
  // Declared before the cluster, whose member-change callback resubscribes with it.
  let mqttConn: HubMqtt | undefined;
  if (config.REDIS_URL) {
    let firstView = true;
    cluster = await startCluster({
      redisUrl: config.REDIS_URL,
      prefix: config.CLUSTER_PREFIX,
      hubId,
      families,
      log: rootLog.child({ mod: 'cluster' }),
      onMembersChange: () => {
        topicOwned.clear();
        // Alarms follow their entity: give up what another hub owns now, take over what it left.
        for (const a of [...alarmEngine.alarms.values()]) if (!ownsKey(alarmKey(a.entity))) alarmEngine.release(a.id);
        store.loadAlarms().then(
          (all) => alarmEngine.restore(all.filter((a) => !alarmEngine.alarms.has(a.id) && ownsKey(alarmKey(a.entity)))),
          (err: unknown) => log.error({ err }, 'loading alarms for a new partition failed'),
        );
        // Re-read the retained device metas of the partitions taken over ([MQTT-3.3.1-6]).
        if (!firstView) mqttConn?.resubscribe();
        firstView = false;
      },
    });
  }
  mqttConn = connectHubMqtt(mqttUrl, rootLog.child({ mod: 'mqtt' }), onMessage);
  // External standards in through the same ingest as our devices (server/gateway); a bad sources
  // file stops the start with the reason, a bad source only raises its alarm.
  const gateway = createGateway({
    sources: loadSources(config.SOURCES_FILE),
    store,
    deliver: (topic, payload) => {
      lastRefusal = null;
      onMessage(topic, payload);
      return lastRefusal;
    },
    condition: ctx.condition,
    environment: families.environment as unknown as FamilyState<'environment', EnvStationEntity>,
    mqttUrl,
    log: rootLog.child({ mod: 'gateway' }),
  });
  gateway.announceStoredFeeds().catch((err: unknown) => log.error({ err }, 'announcing the stored GTFS feeds failed'));

  let rt: Realtime | null = null;
  // Each family at its own rate (server/realtime/config.ts), TICK_HZ the base rate.
  const stopTicker = startTicker({ families, baseHz: config.TICK_HZ, onTick: (now, deltas) => rt?.publishTick(now, deltas) });
  // A store that cannot write (disk full, database down) is an alarm; the live picture goes on and
  // the store keeps the unwritten batch (bounded) until a write succeeds again.
  let storeFailing = false;
  const storeAlarm = (active: boolean, detail: string) =>
    ctx.condition(
      {
        entity: config.REDIS_URL ? `hub:${hubId.slice(0, 8)}` : 'hub:store',
        condition: 'storeWrite',
        active,
        priority: 'high',
        area: 'system',
        message: active ? `Verlauf kann nicht geschrieben werden: ${detail}`.slice(0, 200) : 'Verlauf wird wieder geschrieben',
      },
      Date.now(),
    );
  const flusher = setInterval(() => {
    store.flush().then(
      (n) => {
        metrics.storeRows.inc(n);
        if (storeFailing) {
          storeFailing = false;
          log.info('store writes again');
          storeAlarm(false, '');
        }
      },
      (err: unknown) => {
        if (!storeFailing) log.error({ err }, 'store flush failed; keeping the batch and retrying');
        storeFailing = true;
        storeAlarm(true, err instanceof Error ? err.message : String(err));
      },
    );
  }, STORE_FLUSH_MS);
  const checkNow = (now = Date.now()) => {
    // The tls handler skips installations of other hubs itself; the other kinds go whole.
    for (const h of handlers) if (h === tlsHandler || ownsKey(`kind:${h.kinds[0]}`)) h.check?.(now);
    recordTransitions(alarmEngine.tick(now));
    control.tick(now);
    gateway.check(now);
  };
  const checker = setInterval(() => checkNow(), 1000);
  // Roll-ups and retention (server/store): once a minute, off the hot path, pruning in chunks.
  const stopMaintenance = startMaintenance(store, (err) => log.error({ err }, 'store maintenance failed'));

  let sim: SimProcess | null = null;
  if (config.SIM) sim = startSimulator({ mqttUrl, speed: config.SIM_SPEED, seed: config.SIM_SEED, scenario: config.SIM_SCENARIO, log: rootLog.child({ mod: 'sim' }) });

  const localAlarmAction = (a: AlarmActionKind, id: string, user: string, nowMs: number) => {
    const t =
      a.kind === 'ack'
        ? alarmEngine.ack(id, user, nowMs)
        : a.kind === 'shelve'
          ? alarmEngine.shelve(id, user, a.durationMs, a.reason, nowMs)
          : alarmEngine.unshelve(id, user, nowMs);
    recordTransitions([t]);
  };
  /** Runs here when this hub owns the alarm, else on the hub that does (scaled mode). */
  const alarmAction: Hub['alarmAction'] = async (a, id, user, nowMs = Date.now()) => {
    if (alarmEngine.alarms.has(id) || !cluster || !rt) return localAlarmAction(a, id, user, nowMs);
    // Every other hub answers (the adapter's requestsTimeout bounds the wait); the owner acts.
    const emit = rt.io.serverSideEmitWithAck.bind(rt.io) as unknown as (ev: string, arg: unknown) => Promise<{ ok: boolean; code?: string; message?: string }[]>;
    const answers = await emit('alarm-action', { a, id, user, nowMs });
    const done = answers.find((x) => x.ok);
    if (done) return;
    const known = answers.find((x) => x.code && x.code !== 'E_ALARM_UNKNOWN');
    if (known) throw new AlarmError(known.code!, known.message ?? 'alarm action refused');
    throw new AlarmError('E_ALARM_UNKNOWN', `no alarm ${id}`);
  };

  const handle = createApi({
    startedMs,
    brokerConnected: () => mqttConn?.connected ?? false,
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
      createReplayRoutes({ store, families }),
      control.routes,
      createOpenRoutes({ families, store, lampPositions: () => handlers.find((h): h is KindHandler & { lampPositions(): { ids: string[]; lon: number[]; lat: number[] } } => 'lampPositions' in h)?.lampPositions() ?? null }),
      { '/api/gateway/sources': ((_req, res) => sendJson(res, 200, { sources: gateway.sources() })) satisfies ApiRoute },
      createAuthRoutes({ auth, store, alarmAction, alarms: () => [...alarms.entities.values()] }),
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
    control: control.service,
    families,
    checkNow,
    gateway,
    alarmAction,
    get cluster() {
      return cluster;
    },
    metrics,
    auth,
    handle,
    get realtime() {
      return rt;
    },
    video,
    attach(http, authenticator: Authenticator = auth) {
      rt = createIo({ http, families, hubId, version: VERSION, log: rootLog.child({ mod: 'io' }), metrics, authenticator });
      video.attach(rt.io, authenticator);
      if (cluster) {
        cluster.attachIo(rt.io);
        // Another hub asks the owner of an alarm to act on it (serverSideEmit from alarmAction).
        (rt.io.on as unknown as (ev: string, fn: (req: { a: AlarmActionKind; id: string; user: string; nowMs: number }, reply: (r: unknown) => void) => void) => void).call(rt.io, 'alarm-action', (req, reply) => {
          if (!alarmEngine.alarms.has(req.id)) return reply({ ok: false, code: 'E_ALARM_UNKNOWN' });
          try {
            localAlarmAction(req.a, req.id, req.user, req.nowMs);
            reply({ ok: true });
          } catch (err) {
            reply(err instanceof AlarmError ? { ok: false, code: err.code, message: err.message } : { ok: false, code: 'E_INTERNAL', message: String(err) });
          }
        });
      }
      return rt.io;
    },
    async close() {
      stopTicker();
      clearInterval(flusher);
      stopMaintenance();
      clearInterval(checker);
      await sim?.stop();
      await video.close();
      await gateway.close();
      await mqttConn?.close();
      await cluster?.close();
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
