/**
 * One family's live state with sequence numbers and a bounded replay buffer. No I/O: the fan-out
 * calls `flush(nowMs)` once per tick and broadcasts whatever delta it returns.
 */
import type { Delta, Family, Patch, Snapshot } from '../../protocol/index.ts';

export class FamilyState<F extends Family, T extends { id: string }> {
  readonly family: F;
  readonly entities = new Map<string, T>();
  #pending = new Map<string, Patch<T>>();
  #removed = new Set<string>();
  #seq = 0;
  #replay: Delta<F>[] = [];
  readonly #replayLimit: number;
  /**
   * Scaled mode (server/cluster): ids this hub changed itself since the last `takeOutbox()`, so only
   * this hub's own work is replicated to the others; null when not clustered (nothing is tracked).
   */
  #outbox: Set<string> | null = null;
  #outboxRemoved: Set<string> | null = null;

  constructor(family: F, replayLimit = 600) {
    this.family = family;
    this.#replayLimit = replayLimit;
  }

  get seq(): number {
    return this.#seq;
  }

  /** Replaces an entity entirely (e.g. from its meta message). */
  put(entity: T): void {
    this.entities.set(entity.id, entity);
    this.#removed.delete(entity.id);
    this.#pending.set(entity.id, { ...entity });
    if (this.#outbox) {
      this.#outbox.add(entity.id);
      this.#outboxRemoved!.delete(entity.id);
    }
  }

  /** Applies changed fields; coalesces with what is pending so a tick carries the latest value only. */
  patch(p: Patch<T>): void {
    const cur = this.entities.get(p.id);
    if (!cur) return;
    Object.assign(cur, p);
    const pend = this.#pending.get(p.id);
    if (pend) Object.assign(pend, p);
    else this.#pending.set(p.id, { ...p });
    this.#outbox?.add(p.id);
  }

  remove(id: string): void {
    if (this.entities.delete(id)) {
      this.#pending.delete(id);
      this.#removed.add(id);
      if (this.#outbox) {
        this.#outbox.delete(id);
        this.#outboxRemoved!.add(id);
      }
    }
  }

  // ---- scaled mode: replication between hubs (server/cluster/replication.ts) --------------------

  /** Starts recording which entities this hub changes itself. */
  trackLocalChanges(): void {
    this.#outbox ??= new Set();
    this.#outboxRemoved ??= new Set();
  }

  /** This hub's own changes since the last call: whole entities (absolute), and removed ids. */
  takeOutbox(): { upserts: T[]; removes: string[] } | null {
    if (!this.#outbox || (this.#outbox.size === 0 && this.#outboxRemoved!.size === 0)) return null;
    const upserts: T[] = [];
    for (const id of this.#outbox) {
      const e = this.entities.get(id);
      if (e) upserts.push(e);
    }
    const removes = [...this.#outboxRemoved!];
    this.#outbox.clear();
    this.#outboxRemoved!.clear();
    return { upserts, removes };
  }

  /** Another hub's entity (whole): streamed to this hub's clients, never replicated back. */
  applyRemote(entity: T): void {
    const cur = this.entities.get(entity.id);
    if (cur) {
      // Keep the object (handlers may hold it) and send only the fields that changed.
      const p: Record<string, unknown> = { id: entity.id };
      let changed = false;
      for (const k of Object.keys(entity) as (keyof T & string)[]) {
        if (k === 'id' || sameValue(cur[k], entity[k])) continue;
        p[k] = entity[k];
        changed = true;
      }
      if (!changed) return;
      Object.assign(cur, entity);
      const pend = this.#pending.get(entity.id);
      if (pend) Object.assign(pend, p);
      else this.#pending.set(entity.id, p as Patch<T>);
      return;
    }
    this.entities.set(entity.id, entity);
    this.#removed.delete(entity.id);
    this.#pending.set(entity.id, { ...entity });
  }

  /** Another hub removed an entity. */
  removeRemote(id: string): void {
    if (this.entities.delete(id)) {
      this.#pending.delete(id);
      this.#removed.add(id);
    }
  }

  /** Closes the current tick: returns the delta to broadcast, or null when nothing changed. */
  flush(nowMs: number): Delta<F> | null {
    if (this.#pending.size === 0 && this.#removed.size === 0) return null;
    const delta: Delta<F> = {
      family: this.family,
      seq: ++this.#seq,
      tsMs: nowMs,
      upserts: [...this.#pending.values()] as Delta<F>['upserts'],
      removes: [...this.#removed],
    };
    this.#pending = new Map();
    this.#removed.clear();
    this.#replay.push(delta);
    if (this.#replay.length > this.#replayLimit) this.#replay.splice(0, this.#replay.length - this.#replayLimit);
    return delta;
  }

  /**
   * Everything after `fromSeq`, or null when the buffer no longer reaches back that far (or the
   * client claims a future seq, e.g. after a hub restart): then the client needs a snapshot.
   */
  replaySince(fromSeq: number): Delta<F>[] | null {
    if (fromSeq > this.#seq) return null;
    if (fromSeq === this.#seq) return [];
    const first = this.#replay[0];
    if (!first || first.seq > fromSeq + 1) return null;
    return this.#replay.slice(fromSeq + 1 - first.seq);
  }

  /**
   * The current state stamped with the current seq. Pending (unflushed) changes are already in it;
   * the next delta repeats them, which is harmless because patches carry absolute values.
   */
  snapshot(nowMs: number): Snapshot<F> {
    return {
      family: this.family,
      seq: this.#seq,
      tsMs: nowMs,
      entities: [...this.entities.values()] as unknown as Snapshot<F>['entities'],
    };
  }
}

/** Field equality for replication: primitives by value, arrays/objects by their JSON. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
