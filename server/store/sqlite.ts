/**
 * History in SQLite (better-sqlite3): WAL, prepared statements, and writes batched into one
 * transaction per flush so the ingest path never waits on the disk. Raw samples are rolled up into
 * 1-minute and 15-minute aggregates and every table is pruned to its retention by `maintain()`,
 * in chunks, so the file never grows without bound.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteGtfs } from './gtfs-sqlite.ts';
import type { AlarmEntity, HistoryResponse } from '../../protocol/index.ts';
import {
  DAY_MS,
  DEFAULT_RETENTION,
  MINUTE_MS,
  PRUNE_CHUNK_ROWS,
  QUARANTINE_LIMIT,
  QUARANTINE_PAYLOAD_BYTES,
  QUARTER_MS,
  ROLLUP_GRACE_MS,
  pickResolution,
  planAggregate,
  type AlarmEventRow,
  type AuditRow,
  type DisplayTokenRow,
  type MaintenanceReport,
  type SessionRow,
  type UserRow,
  type QuarantineRow,
  type Retention,
  type SeriesRow,
  type Store,
  type ValueAtRow,
  mergeValuesAt,
  valuesAtSources,
} from './types.ts';

export { QUARANTINE_LIMIT, type AlarmEventRow, type QuarantineRow };

/** Samples held in memory while the disk refuses writes (~48 MB); older ones are dropped beyond it. */
const MAX_PENDING_SAMPLES = 2_000_000;
const AGG_COLUMNS = `
  series_id INTEGER NOT NULL,
  bucket_ms INTEGER NOT NULL,
  avg REAL,
  min REAL,
  max REAL,
  count INTEGER NOT NULL,
  PRIMARY KEY (series_id, bucket_ms)`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  metric TEXT NOT NULL,
  UNIQUE (entity, metric)
);
CREATE TABLE IF NOT EXISTS samples (
  series_id INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (series_id, ts_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_ts ON samples (ts_ms);
CREATE TABLE IF NOT EXISTS samples_1m (${AGG_COLUMNS}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_1m_bucket ON samples_1m (bucket_ms);
CREATE TABLE IF NOT EXISTS samples_15m (${AGG_COLUMNS}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_15m_bucket ON samples_15m (bucket_ms);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  topic TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_ms);
CREATE TABLE IF NOT EXISTS alarms (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  last_change_ms INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alarm_events (
  id INTEGER PRIMARY KEY,
  alarm_id TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  by TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_events_alarm ON alarm_events (alarm_id, at_ms);
CREATE INDEX IF NOT EXISTS alarm_events_at ON alarm_events (at_ms);
CREATE TABLE IF NOT EXISTS users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_ms INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE TABLE IF NOT EXISTS display_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  principal TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
`;

const USER_COLS = 'id, username, role, password_hash AS passwordHash, disabled, created_ms AS createdMs';
const toUser = (r: Record<string, unknown> | undefined): UserRow | null => (r ? ({ ...(r as unknown as UserRow), disabled: !!r.disabled }) : null);

/** Meta keys: aggregates are complete below wm1/wm15; raw / 1m / 15m rows below the floors are pruned. */
type MetaKey = 'wm1' | 'wm15' | 'raw_floor' | 'm1_floor' | 'm15_floor';

/** Minutes of raw data rolled up per transaction (a backlog is worked off in slices). */
const ROLLUP_CHUNK_MINUTES = 5;

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

export interface SqliteStoreOptions {
  file?: string;
  retention?: Partial<Retention>;
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly path: string;
  readonly retention: Retention;
  readonly #db: Database.Database;
  readonly gtfs: SqliteGtfs;
  readonly #seriesIds = new Map<string, number>();
  // Pending rows as flat parallel arrays: one push per sample, no object per sample.
  #sSeries: number[] = [];
  #sTs: number[] = [];
  #sVal: number[] = [];
  /** False while the last write failed (disk full, I/O error): /healthz reports the store down. */
  #writeOk = true;
  #droppedSamples = 0;
  /** Provisional series handles (−1, −2, ...) made while the disk was full: key, then db id. */
  readonly #provKey: string[] = [];
  readonly #provDb: number[] = [];
  /** Oldest sample flushed below the 1-minute watermark: those minutes are rolled up again. */
  #lateFromMs = Infinity;
  #quarantine: Omit<QuarantineRow, 'id'>[] = [];
  #alarms = new Map<string, AlarmEntity>();
  #alarmEvents: AlarmEventRow[] = [];
  #audit: AuditRow[] = [];
  #maintaining: Promise<MaintenanceReport> | null = null;
  readonly #upsertAlarm: Database.Statement;
  readonly #insertAlarmEvent: Database.Statement;
  readonly #insertSample: Database.Statement;
  readonly #insertSeries: Database.Statement;
  readonly #selectSeries: Database.Statement;
  readonly #insertQuarantine: Database.Statement;
  readonly #trimQuarantine: Database.Statement;
  readonly #getMeta: Database.Statement;
  readonly #setMeta: Database.Statement;

  constructor(dataDir: string, opts: SqliteStoreOptions | string = {}) {
    const o = typeof opts === 'string' ? { file: opts } : opts;
    this.retention = { ...DEFAULT_RETENTION, ...o.retention };
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, o.file ?? 'hub.sqlite');
    this.#db = new Database(this.path);
    this.#db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a power cut can lose the last transactions, never corrupt the file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    // Deleted pages are reused; incremental vacuum could give them back, reuse is enough for a bound.
    this.#db.exec(SCHEMA);
    this.gtfs = new SqliteGtfs(this.#db);
    this.#insertSample = this.#db.prepare('INSERT OR REPLACE INTO samples (series_id, ts_ms, value) VALUES (?, ?, ?)');
    this.#insertSeries = this.#db.prepare('INSERT OR IGNORE INTO series (entity, metric) VALUES (?, ?)');
    this.#selectSeries = this.#db.prepare('SELECT id FROM series WHERE entity = ? AND metric = ?');
    this.#insertQuarantine = this.#db.prepare(
      'INSERT INTO quarantine (received_ms, topic, reason, detail, payload) VALUES (?, ?, ?, ?, ?)',
    );
    this.#upsertAlarm = this.#db.prepare(
      'INSERT INTO alarms (id, state, last_change_ms, json) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, last_change_ms = excluded.last_change_ms, json = excluded.json',
    );
    this.#insertAlarmEvent = this.#db.prepare(
      'INSERT INTO alarm_events (alarm_id, from_state, to_state, at_ms, by, reason) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#trimQuarantine = this.#db.prepare('DELETE FROM quarantine WHERE id <= (SELECT max(id) FROM quarantine) - ?');
    this.#getMeta = this.#db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#setMeta = this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    for (const r of this.#db.prepare('SELECT id, entity, metric FROM series').all() as { id: number; entity: string; metric: string }[]) {
      this.#seriesIds.set(`${r.entity}\u0000${r.metric}`, r.id);
    }
  }

  #meta(key: MetaKey): number {
    return (this.#getMeta.get(key) as { value: number } | undefined)?.value ?? 0;
  }

  seriesId(entity: string, metric: string): number {
    const key = `${entity}\u0000${metric}`;
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      // Rare (a new device or metric) and local: SQLite allocates it synchronously. When the disk
      // refuses (full), a provisional handle stands in until a flush can create the series.
      try {
        this.#insertSeries.run(entity, metric);
        id = (this.#selectSeries.get(entity, metric) as { id: number }).id;
      } catch {
        this.#writeOk = false;
        this.#provKey.push(key);
        this.#provDb.push(0);
        id = -this.#provKey.length;
      }
      this.#seriesIds.set(key, id);
    }
    return id;
  }

  addSample(seriesId: number, tsMs: number, value: number): void {
    this.#sSeries.push(seriesId);
    this.#sTs.push(tsMs);
    this.#sVal.push(value);
  }

  addQuarantine(receivedMs: number, topic: string, reason: string, detail: string, payload: Uint8Array): void {
    const cut = payload.byteLength > QUARANTINE_PAYLOAD_BYTES ? payload.subarray(0, QUARANTINE_PAYLOAD_BYTES) : payload;
    this.#quarantine.push({ receivedMs, topic: topic.slice(0, 512), reason, detail, payload: Buffer.from(cut) });
  }

  addAlarmTransition(alarm: AlarmEntity, event: AlarmEventRow): void {
    this.#alarms.set(alarm.id, { ...alarm });
    this.#alarmEvents.push(event);
  }

  async loadAlarms(): Promise<AlarmEntity[]> {
    return (this.#db.prepare('SELECT json FROM alarms').all() as { json: string }[]).map((r) => JSON.parse(r.json) as AlarmEntity);
  }

  async alarmEvents(alarmId: string, limit = 100): Promise<AlarmEventRow[]> {
    return this.#db
      .prepare('SELECT alarm_id AS alarmId, from_state AS "from", to_state AS "to", at_ms AS atMs, by, reason FROM alarm_events WHERE alarm_id = ? ORDER BY id DESC LIMIT ?')
      .all(alarmId, limit) as AlarmEventRow[];
  }

  async alarmEventsBetween(fromMs: number, toMs: number, limit = 1_000_000): Promise<AlarmEventRow[]> {
    this.#flushSync();
    return this.#db
      .prepare('SELECT alarm_id AS alarmId, from_state AS "from", to_state AS "to", at_ms AS atMs, by, reason FROM alarm_events WHERE at_ms BETWEEN ? AND ? ORDER BY at_ms, id LIMIT ?')
      .all(fromMs, toMs, limit) as AlarmEventRow[];
  }

  get pendingRows(): number {
    return this.#sTs.length + this.#quarantine.length + this.#alarmEvents.length + this.#audit.length;
  }

  async flush(): Promise<number> {
    return this.#flushSync();
  }

  // ---- accounts, sessions, display tokens, audit (AccountStore) ----

  async upsertUser(u: { username: string; role: UserRow['role']; passwordHash: string; disabled?: boolean }, nowMs: number): Promise<UserRow> {
    this.#db
      .prepare(
        `INSERT INTO users (username, role, password_hash, disabled, created_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, disabled = excluded.disabled`,
      )
      .run(u.username, u.role, u.passwordHash, u.disabled ? 1 : 0, nowMs);
    return (await this.user(u.username))!;
  }

  async updateUser(username: string, patch: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabled'>>): Promise<boolean> {
    const cur = await this.user(username);
    if (!cur) return false;
    const n = { ...cur, ...patch };
    this.#db.prepare('UPDATE users SET role = ?, password_hash = ?, disabled = ? WHERE id = ?').run(n.role, n.passwordHash, n.disabled ? 1 : 0, cur.id);
    return true;
  }

  async user(username: string): Promise<UserRow | null> {
    return toUser(this.#db.prepare(`SELECT ${USER_COLS} FROM users WHERE username = ?`).get(username) as Record<string, unknown> | undefined);
  }

  async users(): Promise<UserRow[]> {
    return (this.#db.prepare(`SELECT ${USER_COLS} FROM users ORDER BY username`).all() as Record<string, unknown>[]).map((r) => toUser(r)!);
  }

  async createSession(s: SessionRow): Promise<void> {
    this.#db
      .prepare('INSERT INTO sessions (id_hash, user_id, created_ms, last_seen_ms, expires_ms) VALUES (?, ?, ?, ?, ?)')
      .run(s.idHash, s.userId, s.createdMs, s.lastSeenMs, s.expiresMs);
  }

  async liveSessions(nowMs: number): Promise<{ session: SessionRow; user: UserRow }[]> {
    this.#db.prepare('DELETE FROM sessions WHERE expires_ms <= ?').run(nowMs);
    const rows = this.#db
      .prepare(
        `SELECT s.id_hash AS idHash, s.user_id AS userId, s.created_ms AS sCreated, s.last_seen_ms AS lastSeenMs, s.expires_ms AS expiresMs,
                u.id, u.username, u.role, u.password_hash AS passwordHash, u.disabled, u.created_ms AS createdMs
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.expires_ms > ? AND u.disabled = 0`,
      )
      .all(nowMs) as Record<string, number | string>[];
    return rows.map((r) => ({
      session: { idHash: r.idHash as string, userId: r.userId as number, createdMs: r.sCreated as number, lastSeenMs: r.lastSeenMs as number, expiresMs: r.expiresMs as number },
      user: toUser(r)!,
    }));
  }

  async touchSession(idHash: string, lastSeenMs: number, expiresMs: number): Promise<void> {
    this.#db.prepare('UPDATE sessions SET last_seen_ms = ?, expires_ms = ? WHERE id_hash = ?').run(lastSeenMs, expiresMs, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async deleteUserSessions(userId: number): Promise<number> {
    return this.#db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }

  async createDisplayToken(t: DisplayTokenRow): Promise<void> {
    this.#db
      .prepare('INSERT INTO display_tokens (id, name, token_hash, created_ms, revoked_ms) VALUES (?, ?, ?, ?, ?)')
      .run(t.id, t.name, t.tokenHash, t.createdMs, t.revokedMs);
  }

  async displayTokens(): Promise<DisplayTokenRow[]> {
    return this.#db
      .prepare('SELECT id, name, token_hash AS tokenHash, created_ms AS createdMs, revoked_ms AS revokedMs FROM display_tokens ORDER BY created_ms, id')
      .all() as DisplayTokenRow[];
  }

  async revokeDisplayToken(id: string, nowMs: number): Promise<boolean> {
    return this.#db.prepare('UPDATE display_tokens SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL').run(nowMs, id).changes === 1;
  }

  addAudit(row: AuditRow): void {
    this.#audit.push(row);
  }

  async audit(limit = 200): Promise<AuditRow[]> {
    this.#flushSync();
    return (
      this.#db.prepare('SELECT at_ms AS atMs, principal, role, action, target, detail, result FROM audit ORDER BY id DESC LIMIT ?').all(limit) as (Omit<AuditRow, 'detail'> & { detail: string })[]
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  #flushSync(): number {
    const audit = this.#audit;
    if (audit.length > 0) {
      this.#audit = [];
      const ins = this.#db.prepare('INSERT INTO audit (at_ms, principal, role, action, target, detail, result) VALUES (?, ?, ?, ?, ?, ?, ?)');
      try {
        this.#db.transaction(() => {
          for (const a of audit) ins.run(a.atMs, a.principal, a.role, a.action, a.target, JSON.stringify(a.detail), a.result);
        })();
      } catch (err) {
        this.#writeOk = false;
        this.#audit = audit.concat(this.#audit);
        throw err;
      }
    }
    return audit.length + this.#flushData();
  }

  #flushData(): number {
    const n = this.#sTs.length;
    const q = this.#quarantine;
    const alarms = this.#alarms;
    const events = this.#alarmEvents;
    if (n === 0 && q.length === 0 && events.length === 0 && alarms.size === 0) return 0;
    this.#alarms = new Map();
    this.#alarmEvents = [];
    const series = this.#sSeries;
    const ts = this.#sTs;
    const val = this.#sVal;
    this.#sSeries = [];
    this.#sTs = [];
    this.#sVal = [];
    this.#quarantine = [];
    let minTs = Infinity;
    const made = new Map<number, number>();
    try {
      this.#db.transaction(() => {
        for (let i = 0; i < n; i++) {
          const t = ts[i]!;
          if (t < minTs) minTs = t;
          this.#insertSample.run(series[i]! < 0 ? this.#resolveSeries(series[i]!, made) : series[i], t, val[i]);
        }
        for (const r of q) this.#insertQuarantine.run(r.receivedMs, r.topic, r.reason, r.detail, r.payload);
        if (q.length > 0) this.#trimQuarantine.run(QUARANTINE_LIMIT);
        for (const a of alarms.values()) this.#upsertAlarm.run(a.id, a.state, a.lastChangeMs, JSON.stringify(a));
        for (const e of events) this.#insertAlarmEvent.run(e.alarmId, e.from, e.to, e.atMs, e.by, e.reason);
      })();
      this.#writeOk = true;
      // Committed: provisional handles now name real series.
      for (const [h, id] of made) {
        this.#provDb[-h - 1] = id;
        this.#seriesIds.set(this.#provKey[-h - 1]!, id);
      }
    } catch (err) {
      // Disk full, I/O error: the transaction rolled back. Keep the batch in front of what came
      // meanwhile (bounded: beyond MAX_PENDING_SAMPLES the oldest samples go) and retry next flush.
      this.#writeOk = false;
      const keep = Math.max(0, MAX_PENDING_SAMPLES - this.#sTs.length);
      const from = Math.max(0, n - keep);
      this.#droppedSamples += from;
      this.#sSeries = series.slice(from).concat(this.#sSeries);
      this.#sTs = ts.slice(from).concat(this.#sTs);
      this.#sVal = val.slice(from).concat(this.#sVal);
      this.#quarantine = q.concat(this.#quarantine).slice(-QUARANTINE_LIMIT);
      for (const [k, v] of alarms) if (!this.#alarms.has(k)) this.#alarms.set(k, v);
      this.#alarmEvents = events.concat(this.#alarmEvents);
      throw err;
    }
    if (n > 0 && minTs < this.#meta('wm1')) this.#lateFromMs = Math.min(this.#lateFromMs, minTs);
    return n + q.length + events.length;
  }

  async history(entity: string, metric: string, fromMs: number, toMs: number, maxPoints: number): Promise<HistoryResponse> {
    const res: HistoryResponse = { entity, metric, fromMs, toMs, stepSec: 0, tsMs: [], values: [] };
    const id = this.#seriesIds.get(`${entity}\u0000${metric}`);
    if (id === undefined) return res;
    const rawFloor = this.#meta('raw_floor');
    let rows: { t: number; v: number | null }[];
    const rawFits =
      fromMs >= rawFloor &&
      (this.#db.prepare('SELECT count(*) AS n FROM samples WHERE series_id = ? AND ts_ms BETWEEN ? AND ?').get(id, fromMs, toMs) as { n: number }).n <=
        maxPoints;
    if (rawFits) {
      rows = this.#db
        .prepare('SELECT ts_ms AS t, value AS v FROM samples WHERE series_id = ? AND ts_ms BETWEEN ? AND ? ORDER BY ts_ms')
        .all(id, fromMs, toMs) as typeof rows;
    } else {
      const { source, stepMs } = pickResolution(fromMs, toMs, maxPoints, rawFloor, this.#meta('m1_floor'));
      const p = planAggregate(source, stepMs, fromMs, toMs, this.#meta('wm1'), this.#meta('wm15'));
      res.stepSec = stepMs / 1000;
      // Each source gives (bucket, sum, count) per step; the outer query merges the sources.
      // JS numbers bind as REAL: the bucket division needs an integer (BigInt) step.
      const parts = ['SELECT (ts_ms / $step) * $step AS b, sum(value) AS s, count(value) AS c FROM samples WHERE series_id = $id AND ts_ms >= $rlo AND ts_ms < $rhi GROUP BY b'];
      const params: Record<string, number | bigint> = { step: BigInt(stepMs), id, rlo: p.raw[0], rhi: p.raw[1] };
      if (p.m1 && p.m1[0] < p.m1[1]) {
        parts.push('SELECT (bucket_ms / $step) * $step AS b, sum(avg * count) AS s, sum(count) AS c FROM samples_1m WHERE series_id = $id AND bucket_ms >= $mlo AND bucket_ms < $mhi GROUP BY b');
        Object.assign(params, { mlo: p.m1[0], mhi: p.m1[1] });
      }
      if (p.q15 && p.q15[0] < p.q15[1]) {
        parts.push('SELECT (bucket_ms / $step) * $step AS b, sum(avg * count) AS s, sum(count) AS c FROM samples_15m WHERE series_id = $id AND bucket_ms >= $qlo AND bucket_ms < $qhi GROUP BY b');
        Object.assign(params, { qlo: p.q15[0], qhi: p.q15[1] });
      }
      rows = this.#db
        .prepare(`SELECT b AS t, sum(s) / nullif(sum(c), 0) AS v FROM (${parts.join(' UNION ALL ')}) GROUP BY b ORDER BY b`)
        .all(params) as typeof rows;
    }
    for (const r of rows) {
      res.tsMs.push(r.t);
      res.values.push(r.v);
    }
    return res;
  }

  async searchSeries(q: string, limit: number): Promise<SeriesRow[]> {
    const needle = q.toLowerCase();
    return this.#db
      .prepare(
        `SELECT entity, metric FROM series
         WHERE instr(lower(entity), $q) > 0 OR instr(lower(metric), $q) > 0
         ORDER BY (instr(lower(entity), $q) = 1 OR instr(lower(metric), $q) = 1) DESC, entity, metric LIMIT $limit`,
      )
      .all({ q: needle, limit }) as SeriesRow[];
  }

  async valuesAt(entityPrefix: string, atMs: number, lookBackMs: number): Promise<ValueAtRow[]> {
    // Entities are compared bytewise (BINARY collation): prefix <= entity < prefix + U+FFFF uses
    // the series (entity, metric) index; the per-series max is a seek on the samples primary key.
    const hiKey = `${entityPrefix}\uffff`;
    const parts: ValueAtRow[][] = [];
    for (const src of valuesAtSources(atMs, lookBackMs, this.#meta('raw_floor'), this.#meta('m1_floor'))) {
      const sql =
        src.source === 'raw'
          ? `SELECT x.entity, x.metric, s.ts_ms AS tsMs, s.value AS value, 'raw' AS source FROM series x
             JOIN samples s ON s.series_id = x.id AND s.ts_ms = (SELECT max(ts_ms) FROM samples WHERE series_id = x.id AND ts_ms > $lo AND ts_ms <= $hi)
             WHERE x.entity >= $p AND x.entity < $q`
          : `SELECT x.entity, x.metric, s.bucket_ms AS tsMs, s.avg AS value, '${src.source}' AS source FROM series x
             JOIN ${src.source === '1m' ? 'samples_1m' : 'samples_15m'} s ON s.series_id = x.id
               AND s.bucket_ms = (SELECT max(bucket_ms) FROM ${src.source === '1m' ? 'samples_1m' : 'samples_15m'} WHERE series_id = x.id AND bucket_ms > $lo AND bucket_ms <= $hi)
             WHERE x.entity >= $p AND x.entity < $q`;
      parts.push(this.#db.prepare(sql).all({ lo: src.loMs, hi: src.hiMs, p: entityPrefix, q: hiKey }) as ValueAtRow[]);
    }
    return mergeValuesAt(parts);
  }

  async latest(entity: string, metric: string): Promise<{ tsMs: number; value: number } | null> {
    const r = this.#db
      .prepare(
        'SELECT s.ts_ms AS tsMs, s.value AS value FROM samples s JOIN series x ON x.id = s.series_id WHERE x.entity = ? AND x.metric = ? ORDER BY s.ts_ms DESC LIMIT 1',
      )
      .get(entity, metric) as { tsMs: number; value: number } | undefined;
    return r ?? null;
  }

  async quarantine(limit = 100): Promise<QuarantineRow[]> {
    return this.#db
      .prepare('SELECT id, received_ms AS receivedMs, topic, reason, detail, payload FROM quarantine ORDER BY id DESC LIMIT ?')
      .all(limit) as QuarantineRow[];
  }

  /**
   * Deletes rows of `table` with `col < cutoff`, PRUNE_CHUNK_ROWS per statement, yielding to the
   * event loop between statements. Returns rows deleted, chunks and the longest chunk (ms).
   */
  async #pruneChunked(table: string, keyCols: string, col: string, cutoff: number): Promise<{ n: number; chunks: number; maxMs: number }> {
    const stmt = this.#db.prepare(`DELETE FROM ${table} WHERE (${keyCols}) IN (SELECT ${keyCols} FROM ${table} WHERE ${col} < ? LIMIT ?)`);
    let n = 0;
    let chunks = 0;
    let maxMs = 0;
    for (;;) {
      const t0 = performance.now();
      const c = stmt.run(cutoff, PRUNE_CHUNK_ROWS).changes;
      maxMs = Math.max(maxMs, performance.now() - t0);
      chunks++;
      n += c;
      if (c < PRUNE_CHUNK_ROWS) return { n, chunks, maxMs };
      await yieldLoop();
    }
  }

  async prune(olderThanMs: number): Promise<number> {
    const cut = Math.min(olderThanMs, this.#meta('wm1') || olderThanMs);
    const r = await this.#pruneChunked('samples', 'series_id, ts_ms', 'ts_ms', cut);
    if (cut > this.#meta('raw_floor')) this.#setMeta.run('raw_floor', cut);
    return r.n;
  }

  /** Rolls raw samples of [lo, hi) into 1-minute rows, ROLLUP_CHUNK_MINUTES of data per transaction. */
  async #rollup1m(lo: number, hi: number): Promise<number> {
    const nextTs = this.#db.prepare('SELECT min(ts_ms) AS t FROM samples WHERE ts_ms >= ? AND ts_ms < ?');
    const roll = this.#db.prepare(
      `INSERT OR REPLACE INTO samples_1m (series_id, bucket_ms, avg, min, max, count)
       SELECT series_id, (ts_ms / 60000) * 60000, avg(value), min(value), max(value), count(value)
       FROM samples WHERE ts_ms >= ? AND ts_ms < ? GROUP BY series_id, (ts_ms / 60000)`,
    );
    let rows = 0;
    let at = lo;
    while (at < hi) {
      // Skip gaps without data in one step (the index on ts_ms answers this at once).
      const t = (nextTs.get(at, hi) as { t: number | null }).t;
      if (t === null) break;
      const from = Math.floor(t / MINUTE_MS) * MINUTE_MS;
      const to = Math.min(hi, from + ROLLUP_CHUNK_MINUTES * MINUTE_MS);
      this.#db.transaction(() => {
        rows += roll.run(from, to).changes;
        this.#setMeta.run('wm1', Math.max(this.#meta('wm1'), to));
      })();
      at = to;
      await yieldLoop();
    }
    if (hi > this.#meta('wm1')) this.#setMeta.run('wm1', hi);
    return rows;
  }

  /** Rolls 1-minute rows of [lo, hi) into 15-minute rows (count-weighted mean), a day per transaction. */
  async #rollup15m(lo: number, hi: number): Promise<number> {
    const nextTs = this.#db.prepare('SELECT min(bucket_ms) AS t FROM samples_1m WHERE bucket_ms >= ? AND bucket_ms < ?');
    const roll = this.#db.prepare(
      `INSERT OR REPLACE INTO samples_15m (series_id, bucket_ms, avg, min, max, count)
       SELECT series_id, (bucket_ms / 900000) * 900000, sum(avg * count) / nullif(sum(count), 0), min(min), max(max), sum(count)
       FROM samples_1m WHERE bucket_ms >= ? AND bucket_ms < ? GROUP BY series_id, (bucket_ms / 900000)`,
    );
    let rows = 0;
    let at = lo;
    while (at < hi) {
      const t = (nextTs.get(at, hi) as { t: number | null }).t;
      if (t === null) break;
      const from = Math.floor(t / QUARTER_MS) * QUARTER_MS;
      const to = Math.min(hi, from + 96 * QUARTER_MS);
      this.#db.transaction(() => {
        rows += roll.run(from, to).changes;
        this.#setMeta.run('wm15', Math.max(this.#meta('wm15'), to));
      })();
      at = to;
      await yieldLoop();
    }
    if (hi > this.#meta('wm15')) this.#setMeta.run('wm15', hi);
    return rows;
  }

  maintain(nowMs = Date.now()): Promise<MaintenanceReport> {
    // One run at a time; a second caller shares the running one.
    this.#maintaining ??= this.#maintain(nowMs).finally(() => (this.#maintaining = null));
    return this.#maintaining;
  }

  async #maintain(nowMs: number): Promise<MaintenanceReport> {
    this.#flushSync();
    const r = this.retention;
    // 1-minute roll-up: from the watermark (or the oldest sample, or the oldest late sample) to the last closed minute.
    const closed1m = Math.floor((nowMs - ROLLUP_GRACE_MS) / MINUTE_MS) * MINUTE_MS;
    let wm1 = this.#meta('wm1');
    const rawFloor = this.#meta('raw_floor');
    let lo1 = wm1;
    if (wm1 === 0) lo1 = (this.#db.prepare('SELECT min(ts_ms) AS t FROM samples').get() as { t: number | null }).t ?? closed1m;
    if (this.#lateFromMs < lo1) lo1 = Math.max(this.#lateFromMs, rawFloor);
    lo1 = Math.floor(lo1 / MINUTE_MS) * MINUTE_MS;
    const late = this.#lateFromMs;
    this.#lateFromMs = Infinity;
    const rolledUp1m = closed1m > lo1 ? await this.#rollup1m(lo1, Math.max(closed1m, wm1)) : 0;
    wm1 = this.#meta('wm1');
    // 15-minute roll-up of the closed quarters below the 1-minute watermark.
    const closed15 = Math.floor(wm1 / QUARTER_MS) * QUARTER_MS;
    const wm15 = this.#meta('wm15');
    let lo15 = wm15 === 0 ? ((this.#db.prepare('SELECT min(bucket_ms) AS t FROM samples_1m').get() as { t: number | null }).t ?? closed15) : wm15;
    if (late < lo15) lo15 = Math.max(late, this.#meta('m1_floor'));
    lo15 = Math.floor(lo15 / QUARTER_MS) * QUARTER_MS;
    const rolledUp15m = closed15 > lo15 ? await this.#rollup15m(lo15, Math.max(closed15, wm15)) : 0;
    const wm15After = this.#meta('wm15');

    // Pruning: never below what has been rolled up into the next resolution.
    const rawCut = Math.min(nowMs - r.rawDays * DAY_MS, wm1);
    const m1Cut = Math.min(nowMs - r.oneMinuteDays * DAY_MS, wm15After);
    const m15Cut = nowMs - r.fifteenMinuteDays * DAY_MS;
    const raw = await this.#pruneChunked('samples', 'series_id, ts_ms', 'ts_ms', rawCut);
    const m1 = await this.#pruneChunked('samples_1m', 'series_id, bucket_ms', 'bucket_ms', m1Cut);
    const m15 = await this.#pruneChunked('samples_15m', 'series_id, bucket_ms', 'bucket_ms', m15Cut);
    const qu = await this.#pruneChunked('quarantine', 'id', 'received_ms', nowMs - r.quarantineDays * DAY_MS);
    const ev = await this.#pruneChunked('alarm_events', 'id', 'at_ms', nowMs - r.alarmEventDays * DAY_MS);
    this.#db.transaction(() => {
      if (rawCut > this.#meta('raw_floor')) this.#setMeta.run('raw_floor', rawCut);
      if (m1Cut > this.#meta('m1_floor')) this.#setMeta.run('m1_floor', m1Cut);
      if (m15Cut > this.#meta('m15_floor')) this.#setMeta.run('m15_floor', m15Cut);
    })();
    const all = [raw, m1, m15, qu, ev];
    return {
      rolledUp1m,
      rolledUp15m,
      pruned: { raw: raw.n, oneMinute: m1.n, fifteenMinute: m15.n, quarantine: qu.n, alarmEvents: ev.n },
      chunks: all.reduce((a, x) => a + x.chunks, 0),
      maxChunkMs: Math.max(...all.map((x) => x.maxMs)),
      rolledUpTo1mMs: wm1,
      rolledUpTo15mMs: wm15After,
    };
  }

  async counts() {
    const c = (t: string) => (this.#db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      series: c('series'),
      raw: c('samples'),
      oneMinute: c('samples_1m'),
      fifteenMinute: c('samples_15m'),
      quarantine: c('quarantine'),
      alarmEvents: c('alarm_events'),
    };
  }

  /** The db id of a provisional series handle, creating the series (inside the flush's transaction). */
  #resolveSeries(handle: number, made: Map<number, number>): number {
    const i = -handle - 1;
    if (this.#provDb[i]) return this.#provDb[i]!;
    const known = made.get(handle);
    if (known !== undefined) return known;
    const key = this.#provKey[i]!;
    const cut = key.indexOf('\u0000');
    const entity = key.slice(0, cut);
    const metric = key.slice(cut + 1);
    this.#insertSeries.run(entity, metric);
    const id = (this.#selectSeries.get(entity, metric) as { id: number }).id;
    made.set(handle, id);
    return id;
  }

  /** Samples given up because writes kept failing longer than the pending bound holds. */
  get droppedSamples(): number {
    return this.#droppedSamples;
  }

  ok(): boolean {
    if (!this.#writeOk) return false;
    try {
      return (this.#db.prepare('SELECT 1 AS one').get() as { one: number }).one === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    await this.#maintaining?.catch(() => undefined);
    this.#flushSync();
    this.#db.close();
  }
}
