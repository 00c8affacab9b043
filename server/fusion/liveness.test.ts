import { describe, expect, it } from 'vitest';
import { LOST_AFTER_INTERVALS, STALE_AFTER_INTERVALS, linkState } from './liveness.ts';

describe('linkState', () => {
  const iv = 5000;
  it('is live within a few intervals, then stale, then lost', () => {
    expect(linkState(0, iv, STALE_AFTER_INTERVALS * iv)).toBe('live');
    expect(linkState(0, iv, STALE_AFTER_INTERVALS * iv + 1)).toBe('stale');
    expect(linkState(0, iv, LOST_AFTER_INTERVALS * iv)).toBe('stale');
    expect(linkState(0, iv, LOST_AFTER_INTERVALS * iv + 1)).toBe('lost');
  });
  it('a device that never reported is stale, not live', () => {
    expect(linkState(null, iv, 0)).toBe('stale');
  });
});
