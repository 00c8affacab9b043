/**
 * The drone video relay: binary frames in from MQTT, out to authorised dashboards.
 *
 * - No decoding on the hot path: the header is read (protocol/video.ts, ~60 bytes), the JPEG is
 *   never touched; the very Buffer MQTT delivered is what every socket sends.
 * - The newest frame per drone is kept (a new subscriber sees a picture at once).
 * - Only principals that may see the `drone` family (protocol/auth.ts: fire, admin; never wall)
 *   get frames; the Authenticator is asked again on subscribe and every REAUTH_MS (revocation).
 * - Latest frame wins per client: at most MAX_IN_FLIGHT frames per drone are unacknowledged; a
 *   frame that arrives while the client is busy replaces the one waiting (`pending`), so a slow
 *   client skips frames and never builds a queue. The ws write buffer is checked as well (as
 *   server/realtime/io.ts does for deltas), for clients whose acks arrive but whose socket lags.
 * - Per-client fps cap (token bucket): a frame without a token waits for one (newest wins).
 */
import type { Namespace, Socket } from 'socket.io';
import {
  canSee,
  decodeVideoHeader,
  ERROR_CODES,
  VideoSubscribeRequest,
  type Principal,
  type VideoClientToServerEvents,
  type VideoFrameHeader,
  type VideoServerToClientEvents,
  type VideoSubscribeResponse,
} from '../../protocol/index.ts';
import type { Authenticator } from '../auth/types.ts';
import type { Logger } from '../log.ts';

/** Frames per drone a client may have unacknowledged: two lets the next be on the wire while one is drawn. */
export const MAX_IN_FLIGHT = 2;
/** An ack not back within this: the frame counts as lost (the client lives on, just without it). */
export const ACK_TIMEOUT_MS = 3000;
/** Bytes in a socket's ws buffer above which it gets no new frame until it drains. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A new subscriber gets the latest frame of each drone if it is younger than this. */
export const LATEST_MAX_AGE_MS = 5000;
const REAUTH_MS = 5000;
/** Device clocks may be off this much (as server/ingest/decode.ts allows for JSON messages). */
const MAX_FUTURE_MS = 5 * 60_000;
const MAX_PAST_MS = 24 * 3600_000;
/**
 * The fps cap is a token bucket (Turner 1986): `maxFps` tokens a second, at most this many saved,
 * so frames that arrive bunched (network jitter) still all go while the average stays capped.
 */
export const FPS_BURST = 3;

export interface LatestFrame {
  header: VideoFrameHeader;
  payload: Buffer;
  /** Hub time the frame arrived. */
  recvMs: number;
}

export type VideoRefusal = { reason: string; detail: string };

export interface VideoStats {
  framesIn: number;
  rejected: number;
  sent: number;
  /** Frames replaced by a newer one before a busy client could take them. */
  skipped: number;
  ackTimeouts: number;
}

export interface VideoMetricsSink {
  frameIn(droneId: string, bytes: number): void;
  rejected(reason: string): void;
  sent(bytes: number): void;
  skipped(): void;
  ackTimeout(): void;
  clients(n: number): void;
}

type VSocket = Socket<VideoClientToServerEvents, VideoServerToClientEvents>;

interface DroneLane {
  inFlight: number;
  tokens: number;
  tokensAtMs: number;
  pending: LatestFrame | null;
  timer: ReturnType<typeof setTimeout> | null;
}

interface Client {
  socket: VSocket;
  principal: Principal;
  maxFps: number;
  droneIds: Set<string> | null;
  lanes: Map<string, DroneLane>;
}

export interface VideoRelay {
  /** One MQTT message on city/v1/drone/{droneId}/video; a refusal is for the caller's quarantine. */
  ingest(droneId: string, payload: Buffer, nowMs: number): VideoRefusal | null;
  /** Serves the video namespace (its own auth middleware). */
  attach(ns: Namespace<VideoClientToServerEvents, VideoServerToClientEvents>): void;
  latest(droneId: string): LatestFrame | undefined;
  readonly stats: VideoStats;
  close(): void;
}

function bufferedBytes(socket: VSocket): number {
  const conn = socket.conn as unknown as { writeBuffer?: { length: number }; transport?: { socket?: { bufferedAmount?: number } } };
  const b = conn.transport?.socket?.bufferedAmount;
  return typeof b === 'number' ? b : 0;
}

export function createVideoRelay(opts: {
  authenticator: Authenticator;
  log: Logger;
  /** Upper bound on any client's requested fps. */
  maxFps: number;
  metrics?: VideoMetricsSink;
  /** Frames of drones the hub does not know (no meta) are refused. */
  known?: (droneId: string) => boolean;
  /** Called with each accepted frame (recording). */
  onFrame?: (f: LatestFrame) => void;
}): VideoRelay {
  const latest = new Map<string, LatestFrame>();
  const clients = new Map<string, Client>();
  const stats: VideoStats = { framesIn: 0, rejected: 0, sent: 0, skipped: 0, ackTimeouts: 0 };
  const m = opts.metrics;
  let reauth: ReturnType<typeof setInterval> | null = null;

  const refuse = (reason: string, detail: string): VideoRefusal => {
    stats.rejected++;
    m?.rejected(reason);
    return { reason, detail };
  };

  const principalOf = (socket: VSocket): Principal | null => {
    try {
      return opts.authenticator.principalOf(socket.request);
    } catch {
      return null;
    }
  };

  const dropClient = (id: string) => {
    const c = clients.get(id);
    if (!c) return;
    for (const lane of c.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    clients.delete(id);
    m?.clients(clients.size);
  };

  const trySend = (c: Client, droneId: string, lane: DroneLane, nowMs: number) => {
    const f = lane.pending;
    if (!f || lane.inFlight >= MAX_IN_FLIGHT) return;
    lane.tokens = Math.min(FPS_BURST, lane.tokens + ((nowMs - lane.tokensAtMs) * c.maxFps) / 1000);
    lane.tokensAtMs = nowMs;
    if (lane.tokens < 1) {
      if (lane.timer) return;
      const wait = Math.ceil(((1 - lane.tokens) * 1000) / c.maxFps);
      lane.timer = setTimeout(() => {
        lane.timer = null;
        if (clients.get(c.socket.id) === c) trySend(c, droneId, lane, Date.now());
      }, wait);
      return;
    }
    // The socket's own buffer is full (acks come back but bytes do not leave): wait for the next
    // ack or frame; the pending frame keeps being replaced by newer ones meanwhile.
    if (bufferedBytes(c.socket) > MAX_BUFFERED_BYTES) return;
    if (lane.timer) {
      // A busy event loop ran the timer late; the token is here now.
      clearTimeout(lane.timer);
      lane.timer = null;
    }
    lane.pending = null;
    lane.inFlight++;
    lane.tokens -= 1;
    stats.sent++;
    m?.sent(f.payload.byteLength);
    c.socket.timeout(ACK_TIMEOUT_MS).emit('videoFrame', droneId, f.payload, (err: Error | null) => {
      lane.inFlight--;
      if (err) {
        stats.ackTimeouts++;
        m?.ackTimeout();
      }
      if (clients.get(c.socket.id) === c) trySend(c, droneId, lane, Date.now());
    });
  };

  const offer = (c: Client, f: LatestFrame, nowMs: number) => {
    const id = f.header.droneId;
    if (c.droneIds && !c.droneIds.has(id)) return;
    let lane = c.lanes.get(id);
    if (!lane) c.lanes.set(id, (lane = { inFlight: 0, tokens: FPS_BURST, tokensAtMs: nowMs, pending: null, timer: null }));
    if (lane.pending) {
      stats.skipped++;
      m?.skipped();
    }
    lane.pending = f;
    trySend(c, id, lane, nowMs);
  };

  return {
    stats,
    latest: (id) => latest.get(id),
    ingest(droneId, payload, nowMs) {
      const r = decodeVideoHeader(payload);
      if (!r.ok) return refuse(r.error, r.detail);
      const h = r.header;
      if (h.droneId !== droneId) return refuse('bad_drone_id', `header drone ${h.droneId} differs from topic drone ${droneId}`);
      if (opts.known && !opts.known(droneId)) return refuse('unknown_device', `no meta announced for drone ${droneId}`);
      if (h.captureTsMs > nowMs + MAX_FUTURE_MS || h.captureTsMs < nowMs - MAX_PAST_MS) {
        return refuse('timestamp', `captureTsMs ${h.captureTsMs} is ${Math.round((h.captureTsMs - nowMs) / 1000)} s from hub time`);
      }
      const prev = latest.get(droneId);
      if (prev && h.captureTsMs < prev.header.captureTsMs) return refuse('out_of_order', `frame ${h.frameNo} older than frame ${prev.header.frameNo}`);
      const f: LatestFrame = { header: h, payload, recvMs: nowMs };
      latest.set(droneId, f);
      stats.framesIn++;
      m?.frameIn(droneId, payload.byteLength);
      opts.onFrame?.(f);
      for (const c of clients.values()) offer(c, f, nowMs);
      return null;
    },
    attach(ns) {
      ns.use((socket, next) => {
        if (!principalOf(socket)) return next(new Error(ERROR_CODES.UNAUTHENTICATED));
        next();
      });
      ns.on('connection', (socket) => {
        socket.on('videoSubscribe', (raw, ack) => {
          if (typeof ack !== 'function') return;
          const answer = (res: VideoSubscribeResponse) => ack(res);
          const req = VideoSubscribeRequest.safeParse(raw);
          if (!req.success) return answer({ ok: false, error: { code: ERROR_CODES.BAD_REQUEST, message: req.error.issues[0]?.message ?? 'invalid videoSubscribe' } });
          const p = principalOf(socket);
          if (!p) {
            setImmediate(() => socket.disconnect(true));
            return answer({ ok: false, error: { code: ERROR_CODES.UNAUTHENTICATED, message: 'session no longer valid' } });
          }
          if (!canSee(p, 'drone')) {
            dropClient(socket.id);
            return answer({ ok: false, error: { code: ERROR_CODES.FORBIDDEN, message: `role ${p.role} may not see drone video` } });
          }
          const maxFps = Math.min(req.data.maxFps, opts.maxFps);
          dropClient(socket.id);
          const c: Client = { socket, principal: p, maxFps, droneIds: req.data.droneIds ? new Set(req.data.droneIds) : null, lanes: new Map() };
          clients.set(socket.id, c);
          m?.clients(clients.size);
          answer({ ok: true, maxFps, drones: [...latest.keys()] });
          const now = Date.now();
          for (const f of latest.values()) if (now - f.recvMs < LATEST_MAX_AGE_MS) offer(c, f, now);
        });
        socket.on('videoUnsubscribe', () => dropClient(socket.id));
        socket.on('disconnect', () => dropClient(socket.id));
      });
      // Sessions can be revoked: a subscriber whose principal is gone or lost the role stops.
      reauth = setInterval(() => {
        for (const [id, c] of clients) {
          const p = principalOf(c.socket);
          if (!p || !canSee(p, 'drone')) {
            dropClient(id);
            if (!p) c.socket.disconnect(true);
          }
        }
      }, REAUTH_MS);
      reauth.unref();
    },
    close() {
      if (reauth) clearInterval(reauth);
      for (const id of [...clients.keys()]) dropClient(id);
      latest.clear();
    },
  };
}
