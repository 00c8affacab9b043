/**
 * The dashboard's one realtime connection. It keeps every subscribed family consistent: snapshot,
 * then deltas in strict sequence; a gap or a reconnect resumes from the last applied seq (or takes
 * a fresh snapshot), so the screen never silently mixes old and new state.
 *
 * Liveness: the hub sends a heartbeat every second. A connection that is up but silent for twice
 * the ping interval is `silent`, not `live` (every stale banner keys off `status !== 'live'`).
 * After a reconnect or a resync, `realtimeSignals.resyncedAtMs` changes: open charts refetch the
 * interval they missed from /api/history.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  BBox,
  ClientToServerEvents,
  Delta,
  Family,
  ServerToClientEvents,
  Snapshot,
  SubscribeRequest,
  SubscribeResponse,
  ViewportResponse,
} from '../../../protocol/index.ts';

export interface FamilySink<F extends Family> {
  snapshot(s: Snapshot<F>): void;
  delta(d: Delta<F>): void;
}

export type Status = 'connecting' | 'live' | 'silent' | 'offline';

/**
 * Page-wide signal, so charts need no wiring through the page: the local time of the last resync
 * after lost data (reconnect, gap, catch-up snapshot) and the local time data was last known
 * complete before it.
 */
export const realtimeSignals = $state({ resyncedAtMs: 0, lostSinceMs: 0 });

class FamilySync<F extends Family> {
  seq = -1;
  syncing = false;
  bbox: BBox | null = null;
  zoom: number | undefined;
  readonly family: F;
  readonly sink: FamilySink<F>;
  constructor(family: F, sink: FamilySink<F>) {
    this.family = family;
    this.sink = sink;
  }
}

export interface RealtimeClientOptions {
  url?: string;
  /** Extra socket.io-client options (tests: `forceNew`, `parser`, `query`…). */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** How often liveness is checked, ms. */
  watchdogMs?: number;
}

export class RealtimeClient {
  status = $state<Status>('connecting');
  /** Hub clock minus local clock, from hello and every heartbeat; corrects data-age display. */
  clockOffsetMs = $state(0);
  hubId = $state<string | null>(null);
  /** Local time of the last packet from the hub; a silent connection is not a live one. */
  lastPacketMs = $state(0);
  resyncs = $state(0);
  /** Last subscribe refusal per family (E_FORBIDDEN for a role that may not see it). */
  errors = $state<Partial<Record<Family, string>>>({});
  pingIntervalMs = 10_000;
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #subs = new Map<Family, FamilySync<Family>>();
  readonly #watchdog: ReturnType<typeof setInterval>;
  /** Local time of the last moment all data was known complete (for chart backfill). */
  #lastGoodMs = 0;
  #resyncTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: RealtimeClientOptions | string = {}) {
    const o = typeof opts === 'string' ? { url: opts } : opts;
    this.#socket = io(o.url ?? '', { transports: ['websocket'], reconnectionDelayMax: 5000, ...o.socket });
    this.#socket.on('connect', () => {
      this.status = 'live';
      this.lastPacketMs = Date.now();
      for (const s of this.#subs.values()) this.#sync(s);
    });
    this.#socket.on('disconnect', () => {
      this.status = 'offline';
      this.#lost();
    });
    this.#socket.io.on('reconnect_attempt', () => (this.status = 'connecting'));
    this.#socket.on('hello', (h) => {
      this.clockOffsetMs = h.serverTimeMs - Date.now();
      this.hubId = h.hubId;
      if (h.pingIntervalMs) this.pingIntervalMs = h.pingIntervalMs;
      this.#alive();
    });
    this.#socket.on('heartbeat', (h) => {
      this.clockOffsetMs = h.serverTimeMs - Date.now();
      this.#alive();
    });
    this.#socket.on('snapshot', (snap) => {
      this.#alive();
      const s = this.#subs.get(snap.family);
      if (!s) return;
      // The hub's coalesced catch-up (we read too slowly): it replaces the family's state.
      s.seq = snap.seq;
      s.sink.snapshot(snap);
      this.resyncs++;
      this.#signalResynced();
    });
    this.#socket.on('delta', (d) => {
      this.#alive();
      const s = this.#subs.get(d.family);
      if (!s || s.syncing) return;
      if (d.seq <= s.seq) return; // already in the snapshot or replay
      if (d.seq !== s.seq + 1) {
        this.#lost();
        this.#sync(s); // gap: never apply a delta out of order
        return;
      }
      s.seq = d.seq;
      s.sink.delta(d);
    });
    this.#watchdog = setInterval(() => this.#checkLiveness(), o.watchdogMs ?? 1000);
  }

  #alive(): void {
    this.lastPacketMs = Date.now();
    if (this.status === 'silent' && this.#socket.connected) this.status = 'live';
    if (this.status === 'live' && !this.#lastGoodMsPinned) this.#lastGoodMs = this.lastPacketMs;
  }

  /** True between losing data and the resync that repairs it: `#lastGoodMs` keeps its value. */
  #lastGoodMsPinned = false;
  #lost(): void {
    this.#lastGoodMsPinned = true;
  }

  #checkLiveness(): void {
    if (this.#socket.connected && this.status === 'live' && Date.now() - this.lastPacketMs > 2 * this.pingIntervalMs) {
      this.status = 'silent';
      this.#lost();
    }
  }

  #signalResynced(): void {
    clearTimeout(this.#resyncTimer);
    // Several families resync together after a reconnect: one signal for all of them.
    this.#resyncTimer = setTimeout(() => {
      realtimeSignals.lostSinceMs = this.#lastGoodMs || Date.now();
      realtimeSignals.resyncedAtMs = Date.now();
      this.#lastGoodMsPinned = false;
      this.#lastGoodMs = Date.now();
    }, 100);
  }

  /**
   * Subscribes a family for the whole city, or only the entities inside `bbox` (families with
   * positions). One subscription per family: a layer and an area.
   */
  subscribe<F extends Family>(family: F, sink: FamilySink<F>, opts: { bbox?: BBox; zoom?: number } = {}): () => void {
    const s = new FamilySync(family, sink) as unknown as FamilySync<Family>;
    s.bbox = opts.bbox ?? null;
    s.zoom = opts.zoom;
    this.#subs.set(family, s);
    if (this.#socket.connected) this.#sync(s);
    return () => {
      if (this.#subs.get(family) === s) this.#subs.delete(family);
      this.#socket.emit('unsubscribe', family);
    };
  }

  /**
   * Moves a bbox subscription's viewport: the hub answers with what entered and what left,
   * valid at the current seq (so it is applied as an unnumbered patch).
   */
  async setViewport(family: Family, bbox: BBox, zoom?: number): Promise<void> {
    const s = this.#subs.get(family);
    if (!s) return;
    s.bbox = bbox;
    s.zoom = zoom;
    if (!this.#socket.connected || s.syncing || s.seq < 0) return; // the next sync carries the bbox
    const res = (await this.#socket.timeout(10_000).emitWithAck('viewport', { family, bbox, zoom })) as ViewportResponse;
    if (!res.ok || this.#subs.get(family) !== s) return;
    if (res.seq !== s.seq) {
      // Deltas and the answer crossed: start again from a snapshot of the area.
      this.#sync(s);
      return;
    }
    s.sink.delta({ family, seq: s.seq, tsMs: this.hubNow(), upserts: res.upserts, removes: res.removes } as Delta);
  }

  #sync(s: FamilySync<Family>): void {
    s.syncing = true;
    const resumed = s.seq >= 0;
    const req: SubscribeRequest = s.bbox
      ? { family: s.family, bbox: s.bbox, ...(s.zoom !== undefined ? { zoom: s.zoom } : {}) }
      : resumed && this.hubId
        ? { family: s.family, fromSeq: s.seq, hubId: this.hubId }
        : { family: s.family };
    this.#socket.timeout(10_000).emit('subscribe', req, (err: Error | null, res: SubscribeResponse) => {
      s.syncing = false;
      if (this.#subs.get(s.family) !== s) return;
      if (err || !res.ok) {
        if (res && !res.ok) this.errors = { ...this.errors, [s.family]: res.error.code };
        // Forbidden stays forbidden for this session; anything else is retried.
        if (!res || res.ok || res.error.code !== 'E_FORBIDDEN') setTimeout(() => this.#socket.connected && this.#sync(s), 1000);
        return;
      }
      this.#alive();
      if (res.mode === 'snapshot') {
        s.seq = res.snapshot.seq;
        s.sink.snapshot(res.snapshot);
      } else {
        for (const d of res.deltas) {
          if (d.seq === s.seq + 1) {
            s.seq = d.seq;
            s.sink.delta(d);
          }
        }
      }
      if (resumed) {
        this.resyncs++;
        this.#signalResynced();
      }
    });
  }

  /** Last applied seq of a family (-1 before its first snapshot). */
  seqOf(family: Family): number {
    return this.#subs.get(family)?.seq ?? -1;
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Hub time now, as far as this client can tell. */
  hubNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  close(): void {
    clearInterval(this.#watchdog);
    clearTimeout(this.#resyncTimer);
    this.#socket.close();
  }
}
