/**
 * Realtime tuning in one place: per-family delta rates, backpressure thresholds, heartbeat.
 */
import type { Family } from '../../protocol/index.ts';

/**
 * Deltas per second per family (capped by the hub's TICK_HZ, the base tick). Between two ticks of
 * a family its patches coalesce (latest value wins), so a slower rate only means fewer, larger
 * deltas, never lost state.
 */
export const FAMILY_TICK_HZ: Record<Family, number> = {
  tls: 10,
  alarms: 10,
  transit: 10,
  drone: 10,
  links: 2,
  parking: 1,
  lighting: 1,
  lampFaults: 1,
  // Few stations, rare changes: an empty tick sends nothing, so a low rate would save nothing and
  // would coalesce away short-lived link states (live → lost → live within one second).
  environment: 10,
  construction: 1,
  // Control states change on actions and acks; an operator waits for the answer.
  control: 10,
};

/** Families whose entities have a position: a bbox subscription filters them. */
export const POSITIONED_FAMILIES: ReadonlySet<Family> = new Set(['tls', 'transit', 'drone', 'links', 'parking', 'lighting', 'lampFaults', 'environment', 'construction']);

export interface BackpressureConfig {
  /** Engine.IO packets waiting in a socket's write buffer above which it gets no more deltas. */
  maxPendingPackets: number;
  /** Bytes waiting in the WebSocket (ws bufferedAmount) above which it gets no more deltas. */
  maxBufferedBytes: number;
  /** Continuously blocked this long: disconnected with reason E_TOO_SLOW. */
  tooSlowMs: number;
}

export const DEFAULT_BACKPRESSURE: BackpressureConfig = {
  maxPendingPackets: 64,
  maxBufferedBytes: 1 << 20,
  // Below Engine.IO's own ping timeout (pingInterval + pingTimeout = 20 s) so the reason is ours.
  tooSlowMs: 10_000,
};

export const HEARTBEAT_MS = 1000;
export const PING_INTERVAL_MS = 10_000;
export const PING_TIMEOUT_MS = 10_000;
