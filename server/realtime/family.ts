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
  }

  /** Applies changed fields; coalesces with what is pending so a tick carries the latest value only. */
  patch(p: Patch<T>): void {
    const cur = this.entities.get(p.id);
    if (!cur) return;
    Object.assign(cur, p);
    const pend = this.#pending.get(p.id);
    if (pend) Object.assign(pend, p);
    else this.#pending.set(p.id, { ...p });
  }

  remove(id: string): void {
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
