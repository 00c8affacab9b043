/**
 * Socket.IO fan-out.
 *
 * - Authentication in the handshake (`io.use`): the Authenticator names the principal, kept on
 *   `socket.data`; anonymous connections are refused with E_UNAUTHENTICATED. Every `subscribe` and
 *   `viewport` asks the Authenticator again (a revoked session stops at its next event) and checks
 *   the role against FAMILY_ACCESS (E_FORBIDDEN).
 * - Whole-city subscribers join the family's room: a delta is emitted once to the room, so
 *   Socket.IO encodes it once and writes the same packet to every socket in it.
 * - Viewport (bbox) subscribers get a per-client filtered delta with the same seq (possibly empty,
 *   so their sequence stays consecutive): entities inside, entities that entered (whole), and
 *   removals for entities that left.
 * - Backpressure: a socket whose write buffer exceeds a threshold stops receiving deltas (it joins
 *   the `slow` room, excluded from broadcasts) and is marked dirty; once drained it gets ONE
 *   coalesced catch-up: a fresh snapshot per family it missed. Blocked for `tooSlowMs` in a row:
 *   disconnected (E_TOO_SLOW). Memory per slow client is bounded by the thresholds.
 * - Heartbeat once a second: hub time, for the client's liveness check and clock offset.
 */
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import {
  ERROR_CODES,
  SubscribeRequest,
  ViewportRequest,
  canSee,
  type BBox,
  type ClientToServerEvents,
  type Delta,
  type Family,
  type Patch,
  type Principal,
  type ServerToClientEvents,
  type Snapshot,
  type SubscribeResponse,
  type ViewportResponse,
} from '../../protocol/index.ts';
import type { Authenticator } from '../auth/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { DEFAULT_BACKPRESSURE, HEARTBEAT_MS, PING_INTERVAL_MS, PING_TIMEOUT_MS, POSITIONED_FAMILIES, type BackpressureConfig } from './config.ts';
import type { FamilyState } from './family.ts';
import { entityInBBox } from './geo.ts';

interface BBoxSub {
  bbox: BBox;
  /** Ids this client holds: to send whole entities when they enter, removals when they leave. */
  known: Set<string>;
}

export interface SocketData {
  principal: Principal;
  /** Families subscribed; null = whole city (room), else the viewport. */
  subs: Map<Family, BBoxSub | null>;
  blockedSinceMs: number | null;
  /** Families whose deltas this socket missed while blocked. */
  missed: Set<Family>;
}

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const roomOf = (f: Family) => `fam:${f}`;
const SLOW_ROOM = 'slow';

export interface RealtimeStats {
  /** Sockets that were blocked at least once / caught up after draining / dropped as too slow. */
  blocked: number;
  caughtUp: number;
  tooSlow: number;
}

export interface Realtime {
  readonly io: IoServer;
  readonly stats: RealtimeStats;
  /** Called once per base tick with the deltas the families flushed (possibly none). */
  publishTick(nowMs: number, deltas: Delta[]): void;
  close(): Promise<void>;
}

/** Bytes and packets a socket has not yet written to the kernel. */
export function pendingOf(socket: IoSocket): { packets: number; bytes: number } {
  const conn = socket.conn as unknown as { writeBuffer: unknown[]; transport: { socket?: { bufferedAmount?: number } } };
  const bytes = conn.transport?.socket?.bufferedAmount;
  return { packets: conn.writeBuffer.length, bytes: typeof bytes === 'number' ? bytes : 0 };
}

export function createIo(opts: {
  http: HttpServer;
  families: Record<Family, FamilyState<Family, { id: string }>>;
  hubId: string;
  version: string;
  log: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  backpressure?: Partial<BackpressureConfig>;
  /** Socket.IO parser (e.g. socket.io-msgpack-parser); default JSON. */
  parser?: unknown;
  heartbeatMs?: number;
  /** Engine.IO ping interval (tests shorten it); the client's liveness limit is twice this. */
  pingIntervalMs?: number;
}): Realtime {
  const pingIntervalMs = opts.pingIntervalMs ?? PING_INTERVAL_MS;
  const bp: BackpressureConfig = { ...DEFAULT_BACKPRESSURE, ...opts.backpressure };
  const io: IoServer = new Server(opts.http, {
    serveClient: false,
    // The dashboard is served by this same origin; nobody else may connect with a browser.
    cors: { origin: false },
    maxHttpBufferSize: 64 * 1024,
    pingInterval: pingIntervalMs,
    pingTimeout: PING_TIMEOUT_MS,
    ...(opts.parser ? { parser: opts.parser as never } : {}),
  });
  const stats: RealtimeStats = { blocked: 0, caughtUp: 0, tooSlow: 0 };
  /** Viewport subscribers per family (the only per-client emission). */
  const bboxSubs = new Map<Family, Set<IoSocket>>();
  const blocked = new Set<IoSocket>();

  io.use((socket, next) => {
    let p: Principal | null = null;
    try {
      p = opts.authenticator.principalOf(socket.request);
    } catch (err) {
      opts.log.warn({ err }, 'authenticator failed');
    }
    if (!p) return next(new Error(ERROR_CODES.UNAUTHENTICATED));
    socket.data = { principal: p, subs: new Map(), blockedSinceMs: null, missed: new Set() };
    next();
  });

  const filteredSnapshot = (snap: Snapshot, sub: BBoxSub): Snapshot => {
    sub.known.clear();
    const entities = snap.entities.filter((e) => entityInBBox(e, sub.bbox));
    for (const e of entities) sub.known.add(e.id);
    return { ...snap, entities };
  };

  const dropSub = (socket: IoSocket, family: Family) => {
    void socket.leave(roomOf(family));
    bboxSubs.get(family)?.delete(socket);
    socket.data.subs.delete(family);
    socket.data.missed.delete(family);
  };

  /** Re-asks the Authenticator (sessions can be revoked); disconnects when the principal is gone. */
  const authorise = (socket: IoSocket, family: Family): { code: string; message: string } | null => {
    let p: Principal | null = null;
    try {
      p = opts.authenticator.principalOf(socket.request);
    } catch {
      p = null;
    }
    if (!p) {
      setImmediate(() => socket.disconnect(true));
      return { code: ERROR_CODES.UNAUTHENTICATED, message: 'session no longer valid' };
    }
    socket.data.principal = p;
    if (!canSee(p, family)) return { code: ERROR_CODES.FORBIDDEN, message: `role ${p.role} may not see ${family}` };
    return null;
  };


  /**
   * The common door of `subscribe` and `viewport`: a valid request from a principal allowed to see
   * the family, or an error ack (and the family's subscription dropped when access was refused).
   */
  function admit<T extends { family: Family }>(
    socket: Parameters<typeof authorise>[0],
    schema: { safeParse(raw: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } },
    raw: unknown,
    what: string,
    ack: (res: { ok: false; error: { code: string; message: string } }) => void,
  ): T | null {
    const req = schema.safeParse(raw);
    if (!req.success) {
      ack({ ok: false, error: { code: ERROR_CODES.BAD_REQUEST, message: req.error.issues[0]?.message ?? `invalid ${what} request` } });
      return null;
    }
    const denied = authorise(socket, req.data.family);
    if (denied) {
      dropSub(socket, req.data.family);
      ack({ ok: false, error: denied });
      return null;
    }
    return req.data;
  }

  io.on('connection', (socket) => {
    opts.metrics.socketClients.set(io.engine.clientsCount);
    socket.emit('hello', { hubId: opts.hubId, version: opts.version, serverTimeMs: Date.now(), pingIntervalMs });
    socket.on('subscribe', (raw, ack) => {
      if (typeof ack !== 'function') return;
      const req = admit(socket, SubscribeRequest, raw, 'subscribe', ack);
      if (!req) return;
      const family = req.family;
      const fam = opts.families[family];
      dropSub(socket, family);
      let res: SubscribeResponse;
      if (req.bbox && POSITIONED_FAMILIES.has(family)) {
        // A viewport always starts from a snapshot of its area: the hub must know what the client holds.
        const sub: BBoxSub = { bbox: req.bbox, known: new Set() };
        socket.data.subs.set(family, sub);
        let set = bboxSubs.get(family);
        if (!set) bboxSubs.set(family, (set = new Set()));
        set.add(socket);
        res = { ok: true, mode: 'snapshot', snapshot: filteredSnapshot(fam.snapshot(Date.now()) as Snapshot, sub) };
      } else {
        const replay = req.fromSeq === undefined || req.hubId !== opts.hubId ? null : fam.replaySince(req.fromSeq);
        if (replay) res = { ok: true, mode: 'replay', deltas: replay as Delta[] };
        else res = { ok: true, mode: 'snapshot', snapshot: fam.snapshot(Date.now()) as Snapshot };
        socket.data.subs.set(family, null);
        // Join in the same turn of the event loop as the snapshot is taken: no tick can slip between.
        void socket.join(roomOf(family));
      }
      ack(res);
    });
    socket.on('viewport', (raw, ack) => {
      if (typeof ack !== 'function') return;
      const req = admit(socket, ViewportRequest, raw, 'viewport', ack);
      if (!req) return;
      const family = req.family;
      const sub = socket.data.subs.get(family);
      if (!sub) {
        ack({ ok: false, error: { code: ERROR_CODES.NOT_SUBSCRIBED, message: `no viewport subscription to ${family}` } });
        return;
      }
      sub.bbox = req.bbox;
      const fam = opts.families[family];
      const upserts: Patch<{ id: string }>[] = [];
      const removes: string[] = [];
      for (const e of fam.entities.values()) {
        const inside = entityInBBox(e, sub.bbox);
        if (inside && !sub.known.has(e.id)) {
          sub.known.add(e.id);
          upserts.push({ ...e });
        } else if (!inside && sub.known.has(e.id)) {
          sub.known.delete(e.id);
          removes.push(e.id);
        }
      }
      for (const id of sub.known) {
        if (!fam.entities.has(id)) {
          sub.known.delete(id);
          removes.push(id);
        }
      }
      ack({ ok: true, seq: fam.seq, upserts, removes } as ViewportResponse);
    });
    socket.on('unsubscribe', (family) => {
      if (typeof family === 'string' && family in opts.families) dropSub(socket, family as Family);
    });
    socket.on('disconnect', () => {
      for (const f of socket.data.subs.keys()) bboxSubs.get(f)?.delete(socket);
      blocked.delete(socket);
      opts.metrics.socketClients.set(io.engine.clientsCount);
    });
  });

  const checkBackpressure = (nowMs: number) => {
    for (const socket of io.sockets.sockets.values()) {
      const d = socket.data;
      if (!d?.subs) continue;
      const { packets, bytes } = pendingOf(socket);
      if (d.blockedSinceMs === null) {
        if (packets > bp.maxPendingPackets || bytes > bp.maxBufferedBytes) {
          d.blockedSinceMs = nowMs;
          blocked.add(socket);
          void socket.join(SLOW_ROOM);
          stats.blocked++;
          opts.log.info({ sid: socket.id, user: d.principal.name, packets, bytes }, 'slow client: deltas paused');
        }
        continue;
      }
      if (packets === 0 && bytes <= bp.maxBufferedBytes / 4) {
        // Drained: one coalesced catch-up, a fresh snapshot of each family it missed.
        d.blockedSinceMs = null;
        blocked.delete(socket);
        void socket.leave(SLOW_ROOM);
        stats.caughtUp++;
        for (const f of d.missed) {
          const sub = d.subs.get(f);
          if (sub === undefined) continue;
          const snap = opts.families[f].snapshot(nowMs) as Snapshot;
          socket.emit('snapshot', sub ? filteredSnapshot(snap, sub) : snap);
        }
        d.missed.clear();
        opts.log.info({ sid: socket.id }, 'slow client drained: caught up');
      } else if (nowMs - d.blockedSinceMs > bp.tooSlowMs) {
        stats.tooSlow++;
        blocked.delete(socket);
        opts.log.warn({ sid: socket.id, user: d.principal.name, reason: ERROR_CODES.TOO_SLOW, packets, bytes }, 'slow client disconnected');
        socket.disconnect(true);
        // Do not wait for a closing handshake the peer will never read: free its buffers now.
        const ws = (socket.conn as unknown as { transport?: { socket?: { terminate?: () => void } } }).transport?.socket;
        ws?.terminate?.();
      }
    }
  };

  const publishTick = (nowMs: number, deltas: Delta[]) => {
    checkBackpressure(nowMs);
    for (const d of deltas) {
      const fam = opts.families[d.family];
      for (const s of blocked) if (s.data.subs.has(d.family)) s.data.missed.add(d.family);
      // Whole-city subscribers: encoded once, written to every socket of the room. `local`: seqs are
      // this hub's; with the Redis adapter (scaled mode) another hub's sockets get their own hub's.
      io.local.to(roomOf(d.family)).except(SLOW_ROOM).emit('delta', d);
      const subs = bboxSubs.get(d.family);
      if (!subs?.size) continue;
      for (const s of subs) {
        if (s.data.blockedSinceMs !== null) continue;
        const sub = s.data.subs.get(d.family);
        if (!sub) continue;
        const upserts: Patch<{ id: string }>[] = [];
        const removes: string[] = [];
        for (const p of d.upserts) {
          const e = fam.entities.get(p.id);
          if (!e) continue;
          if (entityInBBox(e, sub.bbox)) {
            if (sub.known.has(p.id)) upserts.push(p);
            else {
              sub.known.add(p.id);
              upserts.push({ ...e });
            }
          } else if (sub.known.delete(p.id)) removes.push(p.id);
        }
        for (const id of d.removes) if (sub.known.delete(id)) removes.push(id);
        s.emit('delta', { family: d.family, seq: d.seq, tsMs: d.tsMs, upserts, removes } as Delta);
      }
    }
  };

  const hb = setInterval(() => io.local.except(SLOW_ROOM).emit('heartbeat', { serverTimeMs: Date.now() }), opts.heartbeatMs ?? HEARTBEAT_MS);
  hb.unref();

  return {
    io,
    stats,
    publishTick,
    async close() {
      clearInterval(hb);
      await io.close();
    },
  };
}
