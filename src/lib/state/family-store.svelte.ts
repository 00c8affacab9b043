/**
 * Client-side state of one family. Entities are immutable plain objects in a Map (never proxied);
 * `list` is replaced on every change ($state.raw), and `version` counts changes so deck.gl layers
 * can use it as an update trigger instead of diffing.
 */
import type { Delta, Family, EntityOf, Snapshot } from '../../../protocol/index.ts';
import { FAMILY_EXPECTED_INTERVAL_SEC } from '../../../protocol/index.ts';

export class FamilyStore<F extends Family> {
  readonly family: F;
  /** Live state: snapshots and deltas always land here, also while a replay is shown. */
  readonly #live = new Map<string, EntityOf[F]>();
  /** The replayed state while a replay is shown (src/lib/state/replay.svelte.ts), else null. */
  #replay: Map<string, EntityOf[F]> | null = null;
  /** True while the store shows a replayed past state instead of the live one. */
  replaying = $state(false);
  list = $state.raw<EntityOf[F][]>([]);
  version = $state(0);
  /** Newest device timestamp seen in this family (hub clock), for the data-age display. */
  newestTsMs = $state<number | null>(null);
  /** Null for event-driven families: their freshness is the connection's, not the data's. */
  readonly expectedIntervalSec: number | null;

  constructor(family: F) {
    this.family = family;
    this.expectedIntervalSec = FAMILY_EXPECTED_INTERVAL_SEC[family];
  }

  /** What is shown: the replayed state while replaying, else the live one. */
  get byId(): ReadonlyMap<string, EntityOf[F]> {
    return this.#replay ?? this.#live;
  }

  applySnapshot(s: Snapshot<F>): void {
    this.#live.clear();
    for (const e of s.entities) this.#live.set(e.id, { ...e });
    if (!this.#replay) this.#publish();
  }

  applyDelta(d: Delta<F>): void {
    for (const id of d.removes) this.#live.delete(id);
    for (const p of d.upserts) {
      // A changed entity is a new object: components keyed by identity (each blocks, deck.gl's
      // diffing) must see the change; in-place mutation would leave them showing old values.
      const cur = this.#live.get(p.id);
      this.#live.set(p.id, (cur ? { ...cur, ...p } : { ...p }) as EntityOf[F]);
    }
    // While replaying, live data keeps arriving in the background (so "back to live" is instant)
    // but is not shown.
    if (!this.#replay) this.#publish();
  }

  /** Shows a replayed past state (the whole family) instead of the live one. */
  showReplay(entities: readonly EntityOf[F][]): void {
    const m = new Map<string, EntityOf[F]>();
    for (const e of entities) m.set(e.id, e);
    this.#replay = m;
    this.replaying = true;
    this.#publish();
  }

  /** Back to live: shows the live state, which kept up while the replay was shown. */
  showLive(): void {
    if (!this.#replay) return;
    this.#replay = null;
    this.replaying = false;
    this.#publish();
  }

  #publish(): void {
    let newest: number | null = null;
    for (const e of this.byId.values()) {
      const ts = (e as { tsMs?: number | null }).tsMs;
      if (ts != null && (newest === null || ts > newest)) newest = ts;
    }
    this.newestTsMs = newest;
    this.list = [...this.byId.values()];
    this.version++;
  }

  /** Seconds since the newest measurement, given the hub's `now`. */
  ageSec(hubNowMs: number): number | null {
    return this.newestTsMs === null ? null : Math.max(0, (hubNowMs - this.newestTsMs) / 1000);
  }

  /** Stale when no measurement arrived for twice the expected interval. */
  isStale(hubNowMs: number): boolean {
    if (this.expectedIntervalSec === null) return false;
    const age = this.ageSec(hubNowMs);
    return age === null || age > 2 * this.expectedIntervalSec;
  }
}
