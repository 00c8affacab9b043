/**
 * Brute-force protection for login and a rate limit for control actions; both in memory with an
 * injectable clock.
 *
 * Login, per key (`user:NAME`, `ip:ADDR`): after 5 failures each further attempt waits
 * 1 s, 2 s, 4 s, 8 s, 16 s after the last failure (exponential backoff); after 10 failures the key
 * is locked for 15 min. 15 min without a failure forgets the key; a successful login clears the
 * user key (not the IP key: one valid account must not reset an address's budget).
 */
export const BACKOFF_AFTER = 5;
export const LOCK_AFTER = 10;
export const LOCK_MS = 15 * 60_000;
const MAX_KEYS = 100_000;

interface Entry {
  failures: number;
  lastFailMs: number;
}

export class LoginThrottle {
  readonly #clock: () => number;
  readonly #keys = new Map<string, Entry>();

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  #entry(key: string, now: number): Entry | undefined {
    const e = this.#keys.get(key);
    if (e && now - e.lastFailMs >= LOCK_MS) {
      this.#keys.delete(key);
      return undefined;
    }
    return e;
  }

  /** Milliseconds until this key may try again (0: now). */
  waitMs(key: string): number {
    const now = this.#clock();
    const e = this.#entry(key, now);
    if (!e || e.failures < BACKOFF_AFTER) return 0;
    const until = e.failures >= LOCK_AFTER ? e.lastFailMs + LOCK_MS : e.lastFailMs + 1000 * 2 ** (e.failures - BACKOFF_AFTER);
    return Math.max(0, until - now);
  }

  /** The longest wait over several keys (a login is checked per user and per IP). */
  retryAfterMs(keys: readonly string[]): number {
    return Math.max(0, ...keys.map((k) => this.waitMs(k)));
  }

  fail(keys: readonly string[]): void {
    const now = this.#clock();
    if (this.#keys.size > MAX_KEYS) this.#sweep(now);
    for (const k of keys) {
      const e = this.#entry(k, now);
      if (e) {
        e.failures++;
        e.lastFailMs = now;
      } else this.#keys.set(k, { failures: 1, lastFailMs: now });
    }
  }

  /** Forgets every key (tests; an admin could expose it later). */
  clear(): void {
    this.#keys.clear();
  }

  succeed(key: string): void {
    this.#keys.delete(key);
  }

  #sweep(now: number): void {
    for (const [k, e] of this.#keys) if (now - e.lastFailMs >= LOCK_MS) this.#keys.delete(k);
    // Still full (an attack from very many addresses): drop the oldest half rather than grow.
    if (this.#keys.size > MAX_KEYS) {
      let n = this.#keys.size / 2;
      for (const k of this.#keys.keys()) {
        if (n-- <= 0) break;
        this.#keys.delete(k);
      }
    }
  }
}

/** At most `limit` events per `windowMs` per key (sliding window). */
export class RateLimiter {
  readonly #clock: () => number;
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #hits = new Map<string, number[]>();

  constructor(limit: number, windowMs: number, clock: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  /** Counts one event; returns 0 when allowed, else ms until one is allowed again (not counted). */
  take(key: string): number {
    const now = this.#clock();
    const hits = (this.#hits.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (hits.length >= this.#limit) {
      this.#hits.set(key, hits);
      return hits[0]! + this.#windowMs - now;
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return 0;
  }
}
