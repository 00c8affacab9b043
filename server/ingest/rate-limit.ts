/**
 * Per-device flood protection: a token bucket per device (`{kind}/{id}`), checked before anything
 * else is done with a message. A device that floods (a firmware loop, a replaying attacker with
 * stolen credentials) is cut to its allowance; every other device is untouched, because the cost of
 * a refused message is one Map lookup and a little arithmetic.
 *
 * Token bucket (Turner 1986; RFC 2697's single-rate form): `ratePerSec` tokens a second, at most
 * `burst` saved up; a message takes one token or is refused.
 */
export interface RateLimitOptions {
  /** Sustained messages per second per device. */
  ratePerSec: number;
  /** Messages a device may send at once after being quiet. */
  burst: number;
  /** Per-kind overrides (e.g. the drone's video frames). */
  kinds?: Readonly<Record<string, { ratePerSec: number; burst: number }>>;
}

interface Bucket {
  tokens: number;
  lastMs: number;
  rate: number;
  burst: number;
  /** When this device's refusals were last reported (quarantine), so a flood is sampled, not copied. */
  reportedMs: number;
}

export interface DeviceRateLimiter {
  /** True when the message may be processed. */
  take(topic: string, nowMs: number): boolean;
  /** After a refusal: whether to report (quarantine) this one, at most one per device per interval. */
  shouldReport(topic: string, nowMs: number): boolean;
  readonly devices: number;
}

const REPORT_EVERY_MS = 10_000;

export function createRateLimiter(opts: RateLimitOptions): DeviceRateLimiter {
  /** Topic -> its device's bucket (several channels of one device share one). */
  const byTopic = new Map<string, Bucket>();
  const byDevice = new Map<string, Bucket>();
  const bucketOf = (topic: string, nowMs: number): Bucket => {
    let b = byTopic.get(topic);
    if (b) return b;
    // city/v1/{kind}/{id}/{channel}: the device is everything before the last segment.
    const cut = topic.lastIndexOf('/');
    const device = cut > 0 ? topic.slice(0, cut) : topic;
    b = byDevice.get(device);
    if (!b) {
      const kind = device.split('/')[2] ?? '';
      const k = opts.kinds?.[kind];
      const rate = k?.ratePerSec ?? opts.ratePerSec;
      const burst = k?.burst ?? opts.burst;
      byDevice.set(device, (b = { tokens: burst, lastMs: nowMs, rate, burst, reportedMs: -Infinity }));
    }
    byTopic.set(topic, b);
    return b;
  };
  return {
    take(topic, nowMs) {
      const b = bucketOf(topic, nowMs);
      const dt = nowMs - b.lastMs;
      if (dt > 0) {
        b.tokens = Math.min(b.burst, b.tokens + (dt * b.rate) / 1000);
        b.lastMs = nowMs;
      }
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    shouldReport(topic, nowMs) {
      const b = bucketOf(topic, nowMs);
      if (nowMs - b.reportedMs < REPORT_EVERY_MS) return false;
      b.reportedMs = nowMs;
      return true;
    },
    get devices() {
      return byDevice.size;
    },
  };
}
