/**
 * Silence detection: a device that stops reporting is first "stale" (a few reports missed: the
 * value shown is old), then "lost" (an alarm). Pure: the caller passes `nowMs`.
 */
import type { DeviceLink } from '../../protocol/index.ts';

/** Missed reports before a device counts as stale / lost. */
export const STALE_AFTER_INTERVALS = 3;
export const LOST_AFTER_INTERVALS = 12;

export function linkState(lastSeenMs: number | null, expectedIntervalMs: number, nowMs: number): DeviceLink {
  if (lastSeenMs === null) return 'stale';
  const age = nowMs - lastSeenMs;
  if (age > LOST_AFTER_INTERVALS * expectedIntervalMs) return 'lost';
  if (age > STALE_AFTER_INTERVALS * expectedIntervalMs) return 'stale';
  return 'live';
}
