/**
 * The dashboard's one realtime connection. It keeps every subscribed family consistent: snapshot,
 * then deltas in strict sequence; a gap or a reconnect resumes from the last applied seq (or takes
 * a fresh snapshot), so the screen never silently mixes old and new state.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  Delta,
  Family,
  ServerToClientEvents,
  Snapshot,
  SubscribeResponse,
} from '../../../protocol/index.ts';

export interface FamilySink<F extends Family> {
  snapshot(s: Snapshot<F>): void;
  delta(d: Delta<F>): void;
}

type Status = 'connecting' | 'live' | 'offline';

class FamilySync<F extends Family> {
  seq = -1;
  syncing = false;
  readonly family: F;
  readonly sink: FamilySink<F>;
  constructor(family: F, sink: FamilySink<F>) {
    this.family = family;
    this.sink = sink;
  }
}

export class RealtimeClient {
  status = $state<Status>('connecting');
  /** Hub clock minus local clock, estimated from the handshake; corrects data-age display. */
  clockOffsetMs = $state(0);
  hubId = $state<string | null>(null);
  /** Local time of the last packet from the hub; a silent connection is not a live one. */
  lastPacketMs = $state(0);
  resyncs = $state(0);
  readonly #socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly #subs = new Map<Family, FamilySync<Family>>();

  constructor(url?: string) {
    this.#socket = io(url ?? '', { transports: ['websocket'], reconnectionDelayMax: 5000 });
    this.#socket.on('connect', () => {
      this.status = 'live';
      for (const s of this.#subs.values()) this.#sync(s);
    });
    this.#socket.on('disconnect', () => (this.status = 'offline'));
    this.#socket.io.on('reconnect_attempt', () => (this.status = 'connecting'));
    this.#socket.on('hello', (h) => {
      this.clockOffsetMs = h.serverTimeMs - Date.now();
      this.hubId = h.hubId;
      this.lastPacketMs = Date.now();
    });
    this.#socket.on('delta', (d) => {
      this.lastPacketMs = Date.now();
      const s = this.#subs.get(d.family);
      if (!s || s.syncing) return;
      if (d.seq <= s.seq) return; // already in the snapshot or replay
      if (d.seq !== s.seq + 1) {
        this.#sync(s); // gap: never apply a delta out of order
        return;
      }
      s.seq = d.seq;
      s.sink.delta(d);
    });
  }

  subscribe<F extends Family>(family: F, sink: FamilySink<F>): () => void {
    const s = new FamilySync(family, sink) as unknown as FamilySync<Family>;
    this.#subs.set(family, s);
    if (this.#socket.connected) this.#sync(s);
    return () => {
      this.#subs.delete(family);
      this.#socket.emit('unsubscribe', family);
    };
  }

  #sync(s: FamilySync<Family>): void {
    s.syncing = true;
    const req = s.seq >= 0 && this.hubId ? { family: s.family, fromSeq: s.seq, hubId: this.hubId } : { family: s.family };
    this.#socket.timeout(10_000).emit('subscribe', req, (err: Error | null, res: SubscribeResponse) => {
      s.syncing = false;
      if (err || !res.ok) {
        setTimeout(() => this.#socket.connected && this.#sync(s), 1000);
        return;
      }
      this.lastPacketMs = Date.now();
      this.resyncs++;
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
    });
  }

  /** Hub time now, as far as this client can tell. */
  hubNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  close(): void {
    this.#socket.close();
  }
}
