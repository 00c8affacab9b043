/**
 * What the hub and the device kinds use of the history store. Two implementations: SQLite (the
 * default, a file under DATA_DIR) and PostgreSQL (when DATABASE_URL is set).
 *
 * The hot path (`seriesId`, `addSample`, `addQuarantine`, `addAlarmTransition`) is synchronous and
 * only buffers: a network database cannot answer within a message handler. Series ids come from a
 * cache loaded at open; new series are created in the next `flush()`. Everything that reads or
 * writes the database returns a Promise.
 */
import type { AlarmEntity, HistoryResponse, Role } from '../../protocol/index.ts';
import type { GtfsStore } from './gtfs-types.ts';

/** An account. `passwordHash` is the self-describing scrypt string of server/auth/password.ts. */
export interface UserRow {
  id: number;
  username: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdMs: number;
}

/** A login session. Only the SHA-256 of the session id is stored, never the id itself. */
export interface SessionRow {
  idHash: string;
  userId: number;
  createdMs: number;
  lastSeenMs: number;
  /** min(lastSeenMs + idle timeout, createdMs + absolute lifetime). */
  expiresMs: number;
}

/** A wall display's token (only its SHA-256 is stored; the token is shown once at creation). */
export interface DisplayTokenRow {
  id: string;
  name: string;
  tokenHash: string;
  createdMs: number;
  revokedMs: number | null;
}

export type AuditResult = 'ok' | 'denied' | 'error';

/** One audited action (control actions, logins, account and display changes), allowed or not. */
export interface AuditRow {
  atMs: number;
  principal: string;
  role: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  result: AuditResult;
}

/**
 * Accounts, sessions, display tokens and the audit log. Everything reads and writes the database
 * asynchronously except `addAudit`, which queues like the alarm transitions (written at the next
 * flush). server/auth/ keeps the valid sessions and display tokens in memory.
 */
export interface AccountStore {
  /** Creates the user, or (same username) sets role, password hash and disabled flag. */
  upsertUser(u: { username: string; role: Role; passwordHash: string; disabled?: boolean }, nowMs: number): Promise<UserRow>;
  /** Changes some fields of an existing user; false when there is no such user. */
  updateUser(username: string, patch: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabled'>>): Promise<boolean>;
  user(username: string): Promise<UserRow | null>;
  users(): Promise<UserRow[]>;
  createSession(s: SessionRow): Promise<void>;
  /** Sessions with expiresMs > nowMs, with their (enabled) users: the authenticator's cache. */
  liveSessions(nowMs: number): Promise<{ session: SessionRow; user: UserRow }[]>;
  touchSession(idHash: string, lastSeenMs: number, expiresMs: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of a user (password change, disable); resolves to how many. */
  deleteUserSessions(userId: number): Promise<number>;
  createDisplayToken(t: DisplayTokenRow): Promise<void>;
  displayTokens(): Promise<DisplayTokenRow[]>;
  /** Sets revokedMs; false when unknown or already revoked. */
  revokeDisplayToken(id: string, nowMs: number): Promise<boolean>;
  /** Queues an audit row (written at the next flush). */
  addAudit(row: AuditRow): void;
  /** Newest first. */
  audit(limit?: number): Promise<AuditRow[]>;
}

export interface QuarantineRow {
  id: number;
  receivedMs: number;
  topic: string;
  reason: string;
  detail: string;
  payload: Buffer;
}

export interface AlarmEventRow {
  alarmId: string;
  from: string;
  to: string;
  atMs: number;
  by: string;
  reason: string;
}

export interface SeriesRow {
  entity: string;
  metric: string;
}

/** One series' value at a replay instant (Store.valuesAt). */
export interface ValueAtRow {
  entity: string;
  metric: string;
  tsMs: number;
  value: number | null;
  /** Where it came from: a raw sample, or a 1-minute / 15-minute aggregate's average. */
  source: 'raw' | '1m' | '15m';
}

/** How long each resolution is kept (days). */
export interface Retention {
  rawDays: number;
  oneMinuteDays: number;
  fifteenMinuteDays: number;
  /** Alarm transitions (the audit trail). */
  alarmEventDays: number;
  /** Quarantined messages (also capped by count, QUARANTINE_LIMIT). */
  quarantineDays: number;
}

export const DEFAULT_RETENTION: Retention = {
  rawDays: 7,
  oneMinuteDays: 90,
  fifteenMinuteDays: 730,
  alarmEventDays: 365,
  quarantineDays: 7,
};

/** What one maintenance run did. */
export interface MaintenanceReport {
  /** 1-minute / 15-minute aggregate rows written (inserted or recomputed). */
  rolledUp1m: number;
  rolledUp15m: number;
  /** Rows deleted per table. */
  pruned: { raw: number; oneMinute: number; fifteenMinute: number; quarantine: number; alarmEvents: number };
  /** Number of delete chunks and the longest single one (ms): how long the event loop was held. */
  chunks: number;
  maxChunkMs: number;
  /** Watermarks after the run: aggregates are complete below these (ms). */
  rolledUpTo1mMs: number;
  rolledUpTo15mMs: number;
}

/** Quarantine keeps the newest rows only; a flood of garbage cannot fill the disk. */
export const QUARANTINE_LIMIT = 10_000;
/** Raw payloads larger than this are cut in quarantine. */
export const QUARANTINE_PAYLOAD_BYTES = 4096;
/** Minutes closer to "now" than this are not rolled up yet (late samples still arrive). */
export const ROLLUP_GRACE_MS = 2 * 60_000;
/** Rows per DELETE statement when pruning: bounds how long one statement holds the event loop. */
export const PRUNE_CHUNK_ROWS = 5000;
export const MINUTE_MS = 60_000;
export const QUARTER_MS = 15 * 60_000;
export const DAY_MS = 86_400_000;

export interface Store extends AccountStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The SQLite file (SQLite only). */
  readonly path?: string;
  /** GTFS static feeds imported by the gateway (server/store/gtfs-types.ts). */
  readonly gtfs: GtfsStore;

  /** Id of a series; synchronous (from the cache; a new series is written at the next flush). */
  seriesId(entity: string, metric: string): number;
  /** Queues a sample; it reaches the database at the next flush. */
  addSample(seriesId: number, tsMs: number, value: number): void;
  addQuarantine(receivedMs: number, topic: string, reason: string, detail: string, payload: Uint8Array): void;
  /** Queues an alarm's current state and the transition that led to it (who, when, why). */
  addAlarmTransition(alarm: AlarmEntity, event: AlarmEventRow): void;
  readonly pendingRows: number;

  /** Writes everything queued in one transaction; resolves to the number of rows written. */
  flush(): Promise<number>;
  loadAlarms(): Promise<AlarmEntity[]>;
  alarmEvents(alarmId: string, limit?: number): Promise<AlarmEventRow[]>;
  /** Alarm transitions of every alarm with fromMs <= atMs <= toMs, oldest first (KPIs). */
  alarmEventsBetween(fromMs: number, toMs: number, limit?: number): Promise<AlarmEventRow[]>;
  /**
   * A series over [fromMs, toMs] with at most about `maxPoints` points: raw samples when they fit,
   * else averages per bucket from the finest resolution that still holds the range (raw,
   * 1-minute or 15-minute aggregates); `stepSec` tells the bucket width (0 = raw).
   */
  history(entity: string, metric: string, fromMs: number, toMs: number, maxPoints: number): Promise<HistoryResponse>;
  /** Series whose entity or metric contains `q` (case-insensitive), prefix matches first. */
  searchSeries(q: string, limit: number): Promise<SeriesRow[]>;
  /**
   * Replay (time travel): for every series of the entities whose id starts with `entityPrefix`,
   * its value at `atMs`: the latest raw sample with atMs - lookBackMs < tsMs <= atMs. Where the raw
   * rows of that window are pruned, the latest 1-minute (then 15-minute) aggregate that closed by
   * atMs inside the window stands in (its average, stamped with the bucket's start). Series without
   * a value in the window are absent: the look-back bounds how old a value may be to count as
   * "the state at atMs". Samples not yet flushed are not seen.
   */
  valuesAt(entityPrefix: string, atMs: number, lookBackMs: number): Promise<ValueAtRow[]>;
  /** Latest raw sample of a series, for tests and diagnostics. */
  latest(entity: string, metric: string): Promise<{ tsMs: number; value: number } | null>;
  quarantine(limit?: number): Promise<QuarantineRow[]>;
  /**
   * Rolls up closed minutes / quarters and prunes every table to its retention, in chunks (never
   * on the hot path). `nowMs` is injectable for tests.
   */
  maintain(nowMs?: number): Promise<MaintenanceReport>;
  /** Deletes raw samples older than the cut-off, in chunks; resolves to rows removed. */
  prune(olderThanMs: number): Promise<number>;
  /** Row counts per table (tests, diagnostics). */
  counts(): Promise<Record<'series' | 'raw' | 'oneMinute' | 'fifteenMinute' | 'quarantine' | 'alarmEvents', number>>;
  /** Last known health: SQLite asks the file; PostgreSQL reports whether the last round trip worked. */
  ok(): boolean;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** Bucket width (ms) for a range and point budget, whole seconds as before. */
export function stepFor(fromMs: number, toMs: number, maxPoints: number): number {
  return Math.max(1000, Math.ceil((toMs - fromMs) / maxPoints / 1000) * 1000);
}

/**
 * Which table answers a history query. `rawFloorMs` / `oneMinuteFloorMs`: below these the raw /
 * 1-minute rows have been pruned. Raw when the range is still held raw and the bucket is below a
 * minute; 1-minute aggregates when held and the bucket is below 15 minutes; else 15-minute.
 * The bucket width is rounded up to a multiple of the source's resolution.
 */
export function pickResolution(
  fromMs: number,
  toMs: number,
  maxPoints: number,
  rawFloorMs: number,
  oneMinuteFloorMs: number,
): { source: 'raw' | '1m' | '15m'; stepMs: number } {
  const step = stepFor(fromMs, toMs, maxPoints);
  if (fromMs >= rawFloorMs && step < MINUTE_MS) return { source: 'raw', stepMs: step };
  if (fromMs >= oneMinuteFloorMs && step < QUARTER_MS) return { source: '1m', stepMs: Math.ceil(step / MINUTE_MS) * MINUTE_MS };
  return { source: '15m', stepMs: Math.ceil(step / QUARTER_MS) * QUARTER_MS };
}

/** Where an aggregated history query reads: the finer sources cover what the coarser do not yet. */
export interface Plan {
  stepMs: number;
  /** [from, to) per source; an empty range when lo >= hi. */
  q15: [number, number] | null;
  m1: [number, number] | null;
  raw: [number, number];
}

/**
 * Splits [fromMs, toMs] across the 15-minute table (below its watermark), the 1-minute table
 * (below its watermark) and raw samples (the not yet rolled-up tail).
 */
export function planAggregate(
  source: 'raw' | '1m' | '15m',
  stepMs: number,
  fromMs: number,
  toMs: number,
  wm1: number,
  wm15: number,
): Plan {
  const end = toMs + 1; // inclusive toMs
  if (source === 'raw') return { stepMs, q15: null, m1: null, raw: [fromMs, end] };
  const f = Math.floor(fromMs / stepMs) * stepMs;
  if (source === '1m') return { stepMs, q15: null, m1: [f, Math.min(end, wm1)], raw: [Math.max(f, wm1), end] };
  const q15hi = Math.min(end, wm15);
  const m1lo = Math.max(f, wm15);
  return { stepMs, q15: [f, q15hi], m1: [m1lo, Math.min(end, wm1)], raw: [Math.max(m1lo, wm1), end] };
}

/**
 * Which tables a replay lookup (Store.valuesAt) reads: raw always; the 1-minute aggregates when the
 * window reaches below the raw floor (pruned raw rows); the 15-minute ones when it reaches below the
 * 1-minute floor. Each with the bucket-start range whose buckets closed inside the window.
 */
export function valuesAtSources(
  atMs: number,
  lookBackMs: number,
  rawFloorMs: number,
  oneMinuteFloorMs: number,
): { source: 'raw' | '1m' | '15m'; loMs: number; hiMs: number }[] {
  const from = atMs - lookBackMs;
  const out: { source: 'raw' | '1m' | '15m'; loMs: number; hiMs: number }[] = [{ source: 'raw', loMs: from, hiMs: atMs }];
  // A bucket [b, b + width) stands for the state at atMs only once it has closed: b + width <= atMs.
  if (from < rawFloorMs) out.push({ source: '1m', loMs: from - MINUTE_MS, hiMs: atMs - MINUTE_MS });
  if (from < oneMinuteFloorMs) out.push({ source: '15m', loMs: from - QUARTER_MS, hiMs: atMs - QUARTER_MS });
  return out;
}

/** Merges per-source answers of a replay lookup: per series the finest source wins (raw, then 1m, then 15m). */
export function mergeValuesAt(parts: ValueAtRow[][]): ValueAtRow[] {
  const by = new Map<string, ValueAtRow>();
  for (const rows of parts) for (const r of rows) {
    const k = `${r.entity}\u0000${r.metric}`;
    if (!by.has(k)) by.set(k, r);
  }
  return [...by.values()];
}
