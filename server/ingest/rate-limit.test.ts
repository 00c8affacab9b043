import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './rate-limit.ts';

describe('per-device rate limit (token bucket)', () => {
  it('lets a device send its burst, then its sustained rate, and refuses the rest', () => {
    const rl = createRateLimiter({ ratePerSec: 10, burst: 20 });
    let ok = 0;
    // 100 msg/s (10x the allowance) for 10 s, one message every 10 ms.
    for (let t = 0; t < 10_000; t += 10) if (rl.take('city/v1/tls/K1/state', t)) ok++;
    // burst 20 + 10/s * 10 s = 120 (one token may be short at the end)
    expect(ok).toBeGreaterThanOrEqual(119);
    expect(ok).toBeLessThanOrEqual(120);
  });

  it('shares one bucket between the channels of a device and never touches other devices', () => {
    const rl = createRateLimiter({ ratePerSec: 1, burst: 2 });
    expect(rl.take('city/v1/tls/K1/state', 0)).toBe(true);
    expect(rl.take('city/v1/tls/K1/detectors', 0)).toBe(true);
    expect(rl.take('city/v1/tls/K1/state', 0)).toBe(false);
    expect(rl.take('city/v1/tls/K2/state', 0)).toBe(true);
    expect(rl.take('city/v1/tls/K1/state', 1000)).toBe(true);
    expect(rl.devices).toBe(2);
  });

  it('uses per-kind allowances and reports a flood once per interval, not once per message', () => {
    const rl = createRateLimiter({ ratePerSec: 1, burst: 1, kinds: { drone: { ratePerSec: 30, burst: 30 } } });
    let ok = 0;
    for (let i = 0; i < 30; i++) if (rl.take('city/v1/drone/D1/video', 0)) ok++;
    expect(ok).toBe(30);
    expect(rl.shouldReport('city/v1/drone/D1/video', 0)).toBe(true);
    expect(rl.shouldReport('city/v1/drone/D1/video', 5000)).toBe(false);
    expect(rl.shouldReport('city/v1/drone/D1/video', 10_000)).toBe(true);
  });
});
