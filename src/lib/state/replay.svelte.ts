/**
 * Replay (time travel, read-only): while active, the family stores show the city's state at
 * `atMs` from `GET /api/replay` (protocol/replay.ts) instead of the live one. Live snapshots and
 * deltas keep arriving in the background (FamilyStore keeps its live map current), so "back to
 * live" is instant and never shows a state older than the live stream's.
 *
 * One request in flight at a time: dragging the slider or playing at 60x asks for the newest
 * instant when the previous answer is in, never queues a request per step.
 */
import type { Family, EntityOf, ReplayResponse } from '../../../protocol/index.ts';
import type { FamilyStore } from './family-store.svelte.ts';

export const REPLAY_SPEEDS = [1, 10, 60] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

/** How far back the slider reaches (raw retention is days; an operator reviews hours). */
export const REPLAY_RANGE_MS = 6 * 3600_000;
/** Play advances the instant this often (wall time). */
const PLAY_TICK_MS = 250;

export interface ReplayDeps {
  /** The stores the page shows (only families the role may see). */
  stores: () => FamilyStore<Family>[];
  /** Hub time now. */
  hubNow: () => number;
  fetch?: typeof fetch;
}

export class Replay {
  /** True while the page shows a replayed state. */
  active = $state(false);
  /** The instant asked for (hub clock, ms). */
  atMs = $state(0);
  /** The instant of the state on screen (the last answer), null before the first. */
  shownAtMs = $state<number | null>(null);
  playing = $state(false);
  speed = $state<ReplaySpeed>(1);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Families with nothing historised (shown empty in replay), for the banner. */
  unavailable = $state<Family[]>([]);
  readonly #deps: ReplayDeps;
  #inFlight = false;
  #wanted: number | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastTickMs = 0;
  /** Bumped on leaving replay: answers to older requests are dropped. */
  #epoch = 0;

  constructor(deps: ReplayDeps) {
    this.#deps = deps;
  }

  /** Earliest instant the slider offers. */
  minMs(): number {
    return this.#deps.hubNow() - REPLAY_RANGE_MS;
  }

  /** Enters replay (or moves within it) at `atMs`, clamped to [now − range, now]. */
  seek(atMs: number): void {
    const now = this.#deps.hubNow();
    const t = Math.round(Math.min(now, Math.max(now - REPLAY_RANGE_MS, atMs)));
    this.active = true;
    this.atMs = t;
    this.#request(t);
  }

  play(): void {
    if (!this.active) this.seek(this.#deps.hubNow() - 15 * 60_000);
    this.playing = true;
    this.#lastTickMs = Date.now();
    clearInterval(this.#timer);
    this.#timer = setInterval(() => this.#tick(), PLAY_TICK_MS);
  }

  pause(): void {
    this.playing = false;
    clearInterval(this.#timer);
  }

  setSpeed(s: ReplaySpeed): void {
    this.speed = s;
  }

  /** Back to live: the stores show their live state at once. */
  live(): void {
    this.pause();
    this.#epoch++;
    this.#wanted = null;
    this.active = false;
    this.shownAtMs = null;
    this.error = null;
    this.unavailable = [];
    for (const s of this.#deps.stores()) s.showLive();
  }

  stop(): void {
    this.pause();
  }

  #tick(): void {
    const wall = Date.now();
    const dt = wall - this.#lastTickMs;
    this.#lastTickMs = wall;
    const next = this.atMs + dt * this.speed;
    // Caught up with the present: replay ends by itself.
    if (next >= this.#deps.hubNow()) return this.live();
    this.atMs = next;
    this.#request(Math.round(next));
  }

  #request(atMs: number): void {
    this.#wanted = atMs;
    if (this.#inFlight) return;
    void this.#load();
  }

  async #load(): Promise<void> {
    const epoch = this.#epoch;
    this.#inFlight = true;
    this.loading = true;
    try {
      while (this.#wanted !== null && epoch === this.#epoch) {
        const at = this.#wanted;
        this.#wanted = null;
        const stores = this.#deps.stores();
        const q = new URLSearchParams({ atMs: String(at), families: stores.map((s) => s.family).join(',') });
        const res = await (this.#deps.fetch ?? fetch)(`/api/replay?${q}`);
        const body = (await res.json()) as ReplayResponse & { error?: { message: string } };
        if (epoch !== this.#epoch) return;
        if (!res.ok) {
          this.error = body.error?.message ?? `HTTP ${res.status}`;
          continue;
        }
        this.error = null;
        const none: Family[] = [];
        for (const s of stores) {
          const f = body.families[s.family];
          if (!f || f.coverage === 'none') none.push(s.family);
          s.showReplay((f?.entities ?? []) as EntityOf[Family][]);
        }
        this.unavailable = none;
        this.shownAtMs = body.atMs;
      }
    } catch (e) {
      if (epoch === this.#epoch) this.error = (e as Error).message;
    } finally {
      this.#inFlight = false;
      // A seek that came while an answer of a left replay was still on its way.
      if (this.#wanted !== null && this.active) void this.#load();
      else this.loading = false;
    }
  }
}
