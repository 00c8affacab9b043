/**
 * Per-IP token bucket for the open data API: `ratePerMin` requests per minute sustained, the same
 * number as burst. The key is the socket's remote address: behind a reverse proxy all callers share
 * the proxy's address unless it is the one that rate-limits (docs/deployment.md).
 */
export class IpRateLimiter {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(ratePerMin: number) {
    this.#ratePerMs = ratePerMin / 60_000;
    this.#burst = ratePerMin;
  }
  /** 0 when allowed (a token is taken), else milliseconds until the next token. */
  take(ip: string, nowMs: number = Date.now()): number {
    let b = this.#buckets.get(ip);
    if (!b) {
      // Bounded memory: forget full buckets when the table grows (they equal a fresh bucket).
      if (this.#buckets.size > 50_000) for (const [k, v] of this.#buckets) if (v.tokens + (nowMs - v.atMs) * this.#ratePerMs >= this.#burst) this.#buckets.delete(k);
      this.#buckets.set(ip, (b = { tokens: this.#burst, atMs: nowMs }));
    }
    b.tokens = Math.min(this.#burst, b.tokens + (nowMs - b.atMs) * this.#ratePerMs);
    b.atMs = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.#ratePerMs);
  }
}
