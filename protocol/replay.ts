/**
 * Replay (time travel, read-only): `GET /api/replay?atMs=…&families=…` answers the city's state at
 * a past instant, reconstructed by the hub from its stored history. Typed once here for the hub
 * (server/replay/) and the dashboard (src/lib/state/replay.svelte.ts).
 *
 * Only what is historised can be replayed: measured values (flows, free spaces, power, environment
 * values, drone altitude and battery) and alarm transitions. Everything else an entity carries is
 * either null in replay or listed in `notHistorised` (kept from the present, e.g. a cabinet's lamp
 * count), so the screen never shows a present value as a past one without saying so.
 */
import { z } from 'zod';
import { FAMILIES, type EntityOf, type Family } from './realtime.ts';

/**
 * How old a stored value may be to count as the state at `atMs` (per family): three expected
 * intervals (FAMILY_EXPECTED_INTERVAL_SEC), at least five minutes (aggregates are 1-minute buckets).
 */
export const REPLAY_LOOKBACK_MS: Partial<Record<Family, number>> = {
  tls: 5 * 60_000,
  links: 5 * 60_000,
  transit: 5 * 60_000,
  parking: 5 * 60_000,
  drone: 5 * 60_000,
  environment: 30 * 60_000,
  lighting: 45 * 60_000,
  alarms: 24 * 3600_000,
};

/** The look-back of a family (0 for families with nothing historised). */
export const replayLookBackMs = (f: Family): number => REPLAY_LOOKBACK_MS[f] ?? 0;

/** How far ahead of the hub clock `atMs` may be (clock skew); later is refused. */
export const REPLAY_FUTURE_SKEW_MS = 60_000;

const familyList = z
  .string()
  .max(300)
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0));

export const ReplayQuery = z.object({
  atMs: z.coerce.number().int().nonnegative(),
  /** Comma-separated families; absent = every family the caller may see. */
  families: familyList.optional(),
});
export type ReplayQuery = z.infer<typeof ReplayQuery>;

/**
 * - history: reconstructed from stored values (some fields may still be in `notHistorised`).
 * - static:  does not change over time here (construction sites by their validity period).
 * - none:    nothing of this family is historised; the replay shows it empty, not as live.
 */
export type ReplayCoverage = 'history' | 'static' | 'none';

export interface ReplayFamily<F extends Family = Family> {
  family: F;
  coverage: ReplayCoverage;
  lookBackMs: number;
  /** Entity fields that are not historised and still show the present value. */
  notHistorised: string[];
  entities: EntityOf[F][];
}

export interface ReplayResponse {
  atMs: number;
  /** Hub time when the answer was built. */
  nowMs: number;
  families: Partial<{ [F in Family]: ReplayFamily<F> }>;
}

export const isFamily = (s: string): s is Family => (FAMILIES as readonly string[]).includes(s);
