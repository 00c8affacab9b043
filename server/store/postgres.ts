/**
 * History in PostgreSQL (node-postgres), chosen with DATABASE_URL. Same model as the SQLite store:
 * the hot path only buffers (series ids come from a cache loaded at open, new series are created in
 * the next flush), each flush is one transaction of multi-row inserts from unnest() arrays, and
 * `maintain()` rolls up and prunes in chunks.
 *
 * Several hubs may write one database (schema) at once (scaled mode, docs/deployment.md): a series
 * new to this hub gets a provisional negative handle on the hot path; the flush creates it with an id
 * from the database's sequence (or finds the id another hub created) and maps the handle to it.
 */
import pg from 'pg';
import { PgGtfs } from './gtfs-postgres.ts';
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

const AGG_COLUMNS = `
  series_id integer NOT NULL,
  bucket_ms bigint NOT NULL,
  avg double precision,
  min double precision,
  max double precision,
  count integer NOT NULL,
  PRIMARY KEY (series_id, bucket_ms)`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (
  id integer PRIMARY KEY,
  entity text NOT NULL,
  metric text NOT NULL,
  UNIQUE (entity, metric)
);
CREATE SEQUENCE IF NOT EXISTS series_id_seq;
CREATE TABLE IF NOT EXISTS samples (
  series_id integer NOT NULL,
  ts_ms bigint NOT NULL,
  value double precision,
  PRIMARY KEY (series_id, ts_ms)
);
CREATE INDEX IF NOT EXISTS samples_ts ON samples (ts_ms);
CREATE TABLE IF NOT EXISTS samples_1m (${AGG_COLUMNS});
CREATE INDEX IF NOT EXISTS samples_1m_bucket ON samples_1m (bucket_ms);
CREATE TABLE IF NOT EXISTS samples_15m (${AGG_COLUMNS});
CREATE INDEX IF NOT EXISTS samples_15m_bucket ON samples_15m (bucket_ms);
CREATE TABLE IF NOT EXISTS meta (
  key text PRIMARY KEY,
  value bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
  id bigserial PRIMARY KEY,
  received_ms bigint NOT NULL,
  topic text NOT NULL,
  reason text NOT NULL,
  detail text NOT NULL,
  payload bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_received ON quarantine (received_ms);
CREATE TABLE IF NOT EXISTS alarms (
  id text PRIMARY KEY,
  state text NOT NULL,
  last_change_ms bigint NOT NULL,
  json text NOT NULL
);
CREATE TABLE IF NOT EXISTS alarm_events (
  id bigserial PRIMARY KEY,
  alarm_id text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  at_ms bigint NOT NULL,
  "by" text NOT NULL,
  reason text NOT NULL
);
CREATE INDEX IF NOT EXISTS alarm_events_alarm ON alarm_events (alarm_id, at_ms);
CREATE INDEX IF NOT EXISTS alarm_events_at ON alarm_events (at_ms);
CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  username text NOT NULL UNIQUE,
  role text NOT NULL,
  password_hash text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_ms bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_ms bigint NOT NULL,
  last_seen_ms bigint NOT NULL,
  expires_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE TABLE IF NOT EXISTS display_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_ms bigint NOT NULL,
  revoked_ms bigint
);
CREATE TABLE IF NOT EXISTS audit (
  id bigserial PRIMARY KEY,
  at_ms bigint NOT NULL,
  principal text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  detail text NOT NULL,
  result text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at_ms);
`;

const USER_COLS = 'id, username, role, password_hash AS "passwordHash", disabled, created_ms AS "createdMs"';

type MetaKey = 'wm1' | 'wm15' | 'raw_floor' | 'm1_floor' | 'm15_floor';
type Q = Pick<pg.ClientBase, 'query'>;

/** bigint (int8) and count(*) come back as JS numbers: every value we store is below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Rows per INSERT statement in a flush. */
const INSERT_CHUNK = 20_000;
/** Samples kept queued while the database is unreachable; beyond that the oldest are dropped. */
const MAX_PENDING_SAMPLES = 2_000_000;
/** Minutes of raw data per roll-up transaction: the work runs in the database, not on the event loop. */
const ROLLUP_CHUNK_MINUTES = 60;
const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

export interface PgStoreOptions {
  /** Schema to use (created if missing); default: the connection's search_path. */
  schema?: string;
  retention?: Partial<Retention>;
  poolSize?: number;
}

export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly retention: Retention;
  readonly #pool: pg.Pool;
  readonly gtfs: PgGtfs;
  readonly #seriesIds = new Map<string, number>();
  /** Provisional handles (−1, −2, ...) of series created by this hub: key and, once flushed, db id. */
  readonly #provKey: string[] = [];
  readonly #provDb: number[] = [];
  #newSeries: { id: number; entity: string; metric: string }[] = [];
  #sSeries: number[] = [];
  #sTs: number[] = [];
  #sVal: number[] = [];
  #lateFromMs = Infinity;
  #quarantine: Omit<QuarantineRow, 'id'>[] = [];
  #alarms = new Map<string, AlarmEntity>();
  #alarmEvents: AlarmEventRow[] = [];
  #audit: AuditRow[] = [];
  #flushing: Promise<unknown> = Promise.resolve();
  #maintaining: Promise<MaintenanceReport> | null = null;
  #ok = true;
  #closed = false;
  /** Cached watermarks (refreshed by flush/maintain). */
  #meta: Record<MetaKey, number> = { wm1: 0, wm15: 0, raw_floor: 0, m1_floor: 0, m15_floor: 0 };

  private constructor(pool: pg.Pool, retention: Retention) {
    this.#pool = pool;
    this.gtfs = new PgGtfs(pool);
    this.retention = retention;
  }

  /** Connects, creates the schema and loads the series cache. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(opts.schema)) throw new Error(`bad schema name ${opts.schema}`);
    const pool = new pg.Pool({
      connectionString: url,
      max: opts.poolSize ?? 4,
      types: TYPES,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    const store = new PgStore(pool, { ...DEFAULT_RETENTION, ...opts.retention });
    try {
      if (opts.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
      await pool.query(SCHEMA);
      await PgGtfs.migrate(pool);
      // A database written before the sequence existed: start it after the highest id (only ever forward).
      await pool.query(`SELECT setval('series_id_seq', m) FROM (SELECT max(id) AS m FROM series) x WHERE m IS NOT NULL AND m > (SELECT last_value FROM series_id_seq)`);
      const rows = (await pool.query<{ id: number; entity: string; metric: string }>('SELECT id, entity, metric FROM series')).rows;
      for (const r of rows) {
        store.#seriesIds.set(`${r.entity}\u0000${r.metric}`, r.id);
      }
      await store.#loadMeta(pool);
    } catch (err) {
      await pool.end();
      throw err;
    }
    // An idle client that loses its connection must not crash the hub.
    pool.on('error', () => (store.#ok = false));
    return store;
  }

  async #loadMeta(q: Q): Promise<void> {
    for (const r of (await q.query<{ key: MetaKey; value: number }>('SELECT key, value FROM meta')).rows) this.#meta[r.key] = r.value;
  }

  async #setMeta(q: Q, key: MetaKey, value: number): Promise<void> {
    await q.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    this.#meta[key] = value;
  }

  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      this.#ok = true;
      return r;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      const r = await this.#pool.query<R>(sql, params);
      this.#ok = true;
      return r.rows;
    } catch (err) {
      this.#ok = false;
      throw err;
    }
  }

  seriesId(entity: string, metric: string): number {
    const key = `${entity}\u0000${metric}`;
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      this.#provKey.push(key);
      this.#provDb.push(0);
      id = -this.#provKey.length;
      this.#seriesIds.set(key, id);
      this.#newSeries.push({ id, entity, metric });
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

  get pendingRows(): number {
    return this.#sTs.length + this.#quarantine.length + this.#alarmEvents.length + this.#audit.length;
  }

  // ---- accounts, sessions, display tokens, audit (AccountStore) ----

  async upsertUser(u: { username: string; role: UserRow['role']; passwordHash: string; disabled?: boolean }, nowMs: number): Promise<UserRow> {
    return (
      await this.#query<UserRow>(
        `INSERT INTO users (username, role, password_hash, disabled, created_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash, disabled = excluded.disabled
         RETURNING ${USER_COLS}`,
        [u.username, u.role, u.passwordHash, !!u.disabled, nowMs],
      )
    )[0]!;
  }

  async updateUser(username: string, patch: Partial<Pick<UserRow, 'role' | 'passwordHash' | 'disabled'>>): Promise<boolean> {
    const r = await this.#query<{ id: number }>(
      `UPDATE users SET role = coalesce($2, role), password_hash = coalesce($3, password_hash), disabled = coalesce($4, disabled) WHERE username = $1 RETURNING id`,
      [username, patch.role ?? null, patch.passwordHash ?? null, patch.disabled ?? null],
    );
    return r.length === 1;
  }

  async user(username: string): Promise<UserRow | null> {
    return (await this.#query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE username = $1`, [username]))[0] ?? null;
  }

  async users(): Promise<UserRow[]> {
    return this.#query<UserRow>(`SELECT ${USER_COLS} FROM users ORDER BY username`);
  }

  async createSession(s: SessionRow): Promise<void> {
    await this.#query('INSERT INTO sessions (id_hash, user_id, created_ms, last_seen_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)', [
      s.idHash,
      s.userId,
      s.createdMs,
      s.lastSeenMs,
      s.expiresMs,
    ]);
  }

  async liveSessions(nowMs: number): Promise<{ session: SessionRow; user: UserRow }[]> {
    await this.#query('DELETE FROM sessions WHERE expires_ms <= $1', [nowMs]);
    const rows = await this.#query<Record<string, unknown>>(
      `SELECT s.id_hash AS "idHash", s.user_id AS "userId", s.created_ms AS "sCreated", s.last_seen_ms AS "lastSeenMs", s.expires_ms AS "expiresMs",
              u.id, u.username, u.role, u.password_hash AS "passwordHash", u.disabled, u.created_ms AS "createdMs"
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.expires_ms > $1 AND NOT u.disabled`,
      [nowMs],
    );
    return rows.map((r) => ({
      session: { idHash: r.idHash as string, userId: r.userId as number, createdMs: r.sCreated as number, lastSeenMs: r.lastSeenMs as number, expiresMs: r.expiresMs as number },
      user: { id: r.id as number, username: r.username as string, role: r.role as UserRow['role'], passwordHash: r.passwordHash as string, disabled: r.disabled as boolean, createdMs: r.createdMs as number },
    }));
  }

  async touchSession(idHash: string, lastSeenMs: number, expiresMs: number): Promise<void> {
    await this.#query('UPDATE sessions SET last_seen_ms = $2, expires_ms = $3 WHERE id_hash = $1', [idHash, lastSeenMs, expiresMs]);
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async deleteUserSessions(userId: number): Promise<number> {
    return (await this.#query('DELETE FROM sessions WHERE user_id = $1 RETURNING id_hash', [userId])).length;
  }

  async createDisplayToken(t: DisplayTokenRow): Promise<void> {
    await this.#query('INSERT INTO display_tokens (id, name, token_hash, created_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5)', [
      t.id,
      t.name,
      t.tokenHash,
      t.createdMs,
      t.revokedMs,
    ]);
  }

  async displayTokens(): Promise<DisplayTokenRow[]> {
    return this.#query<DisplayTokenRow>(
      'SELECT id, name, token_hash AS "tokenHash", created_ms AS "createdMs", revoked_ms AS "revokedMs" FROM display_tokens ORDER BY created_ms, id',
    );
  }

  async revokeDisplayToken(id: string, nowMs: number): Promise<boolean> {
    return (await this.#query('UPDATE display_tokens SET revoked_ms = $2 WHERE id = $1 AND revoked_ms IS NULL RETURNING id', [id, nowMs])).length === 1;
  }

  addAudit(row: AuditRow): void {
    this.#audit.push(row);
  }

  async audit(limit = 200): Promise<AuditRow[]> {
    await this.flush();
    return (
      await this.#query<Omit<AuditRow, 'detail'> & { detail: string }>(
        'SELECT at_ms AS "atMs", principal, role, action, target, detail, result FROM audit ORDER BY id DESC LIMIT $1',
        [limit],
      )
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Flushes run one after the other (a slow round trip must not reorder them). */
  flush(): Promise<number> {
    const p = this.#flushing.then(() => this.#flush());
    this.#flushing = p.catch(() => undefined);
    return p;
  }

  async #flush(): Promise<number> {
    const audit = this.#audit;
    if (audit.length > 0) {
      this.#audit = [];
      try {
        await this.#query(
          `INSERT INTO audit (at_ms, principal, role, action, target, detail, result)
           SELECT at, p, r, a, t, d, res FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(at, p, r, a, t, d, res, o) ORDER BY o`,
          [audit.map((x) => x.atMs), audit.map((x) => x.principal), audit.map((x) => x.role), audit.map((x) => x.action), audit.map((x) => x.target), audit.map((x) => JSON.stringify(x.detail)), audit.map((x) => x.result)],
        );
      } catch (err) {
        this.#audit = audit.concat(this.#audit);
        throw err;
      }
    }
    return audit.length + (await this.#flushData());
  }

  async #flushData(): Promise<number> {
    const series = this.#newSeries;
    const sS = this.#sSeries;
    const sT = this.#sTs;
    const sV = this.#sVal;
    const q = this.#quarantine;
    const alarms = this.#alarms;
    const events = this.#alarmEvents;
    const n = sT.length;
    if (series.length === 0 && n === 0 && q.length === 0 && alarms.size === 0 && events.length === 0) return 0;
    this.#newSeries = [];
    this.#sSeries = [];
    this.#sTs = [];
    this.#sVal = [];
    this.#quarantine = [];
    this.#alarms = new Map();
    this.#alarmEvents = [];
    let minTs = Infinity;
    for (let i = 0; i < n; i++) if (sT[i]! < minTs) minTs = sT[i]!;
    const madeIds = new Map<number, number>();
    const sSOrig = sS.slice();
    try {
      await this.#tx(async (c) => {
        if (series.length > 0) {
          // Another hub may have created the same series meanwhile: then its id is the one returned.
          const made = await c.query<{ id: number; entity: string; metric: string }>(
            `INSERT INTO series (id, entity, metric) SELECT nextval('series_id_seq'), e, m FROM unnest($1::text[], $2::text[]) AS u(e, m)
             ON CONFLICT (entity, metric) DO UPDATE SET metric = excluded.metric RETURNING id, entity, metric`,
            [series.map((s) => s.entity), series.map((s) => s.metric)],
          );
          const dbId = new Map(made.rows.map((r) => [`${r.entity}\u0000${r.metric}`, r.id] as const));
          for (const s of series) madeIds.set(s.id, dbId.get(`${s.entity}\u0000${s.metric}`)!);
        }
        // Samples of provisional series carry their handle: map it to the db id.
        for (let i = 0; i < n; i++) {
          const h = sS[i]!;
          if (h < 0) sS[i] = this.#provDb[-h - 1] || madeIds.get(h)!;
        }
        for (let i = 0; i < n; i += INSERT_CHUNK) {
          // The same (series, ts) twice in one statement: the last one wins, as with SQLite's REPLACE.
          await c.query(
            `INSERT INTO samples (series_id, ts_ms, value)
             SELECT DISTINCT ON (s, t) s, t, v FROM unnest($1::int[], $2::bigint[], $3::float8[]) WITH ORDINALITY AS u(s, t, v, o) ORDER BY s, t, o DESC
             ON CONFLICT (series_id, ts_ms) DO UPDATE SET value = excluded.value`,
            [sS.slice(i, i + INSERT_CHUNK), sT.slice(i, i + INSERT_CHUNK), sV.slice(i, i + INSERT_CHUNK).map((v) => (Number.isFinite(v) ? v : null))],
          );
        }
        if (q.length > 0) {
          await c.query(
            'INSERT INTO quarantine (received_ms, topic, reason, detail, payload) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bytea[])',
            [q.map((r) => r.receivedMs), q.map((r) => r.topic), q.map((r) => r.reason), q.map((r) => r.detail), q.map((r) => r.payload)],
          );
          await c.query('DELETE FROM quarantine WHERE id <= (SELECT max(id) FROM quarantine) - $1', [QUARANTINE_LIMIT]);
        }
        if (alarms.size > 0) {
          const a = [...alarms.values()];
          await c.query(
            `INSERT INTO alarms (id, state, last_change_ms, json) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, last_change_ms = excluded.last_change_ms, json = excluded.json`,
            [a.map((x) => x.id), a.map((x) => x.state), a.map((x) => x.lastChangeMs), a.map((x) => JSON.stringify(x))],
          );
        }
        if (events.length > 0) {
          await c.query(
            `INSERT INTO alarm_events (alarm_id, from_state, to_state, at_ms, "by", reason)
             SELECT a, f, t, at, b, r FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[]) WITH ORDINALITY AS u(a, f, t, at, b, r, o) ORDER BY o`,
            [events.map((e) => e.alarmId), events.map((e) => e.from), events.map((e) => e.to), events.map((e) => e.atMs), events.map((e) => e.by), events.map((e) => e.reason)],
          );
        }
      });
    } catch (err) {
      this.#ok = false;
      // Put the batch back in front of what came meanwhile (bounded), so a short outage loses nothing.
      this.#newSeries = series.concat(this.#newSeries);
      if (n + this.#sTs.length <= MAX_PENDING_SAMPLES) {
        this.#sSeries = sSOrig.concat(this.#sSeries);
        this.#sTs = sT.concat(this.#sTs);
        this.#sVal = sV.concat(this.#sVal);
      }
      this.#quarantine = q.concat(this.#quarantine).slice(-QUARANTINE_LIMIT);
      for (const [k, v] of alarms) if (!this.#alarms.has(k)) this.#alarms.set(k, v);
      this.#alarmEvents = events.concat(this.#alarmEvents);
      throw err;
    }
    for (const [h, id] of madeIds) {
      this.#provDb[-h - 1] = id;
      this.#seriesIds.set(this.#provKey[-h - 1]!, id);
    }
    if (n > 0 && minTs < this.#meta.wm1) this.#lateFromMs = Math.min(this.#lateFromMs, minTs);
    return n + q.length + events.length;
  }

  async loadAlarms(): Promise<AlarmEntity[]> {
    return (await this.#query<{ json: string }>('SELECT json FROM alarms')).map((r) => JSON.parse(r.json) as AlarmEntity);
  }

  async alarmEvents(alarmId: string, limit = 100): Promise<AlarmEventRow[]> {
    return this.#query<AlarmEventRow>(
      'SELECT alarm_id AS "alarmId", from_state AS "from", to_state AS "to", at_ms AS "atMs", "by", reason FROM alarm_events WHERE alarm_id = $1 ORDER BY id DESC LIMIT $2',
      [alarmId, limit],
    );
  }

  async alarmEventsBetween(fromMs: number, toMs: number, limit = 1_000_000): Promise<AlarmEventRow[]> {
    await this.flush();
    return this.#query<AlarmEventRow>(
      'SELECT alarm_id AS "alarmId", from_state AS "from", to_state AS "to", at_ms AS "atMs", "by", reason FROM alarm_events WHERE at_ms BETWEEN $1 AND $2 ORDER BY at_ms, id LIMIT $3',
      [fromMs, toMs, limit],
    );
  }

  /** The database id of a series, also one another hub created after this store opened. */
  async #dbSeriesId(entity: string, metric: string): Promise<number | undefined> {
    const key = `${entity}\u0000${metric}`;
    const id = this.#seriesIds.get(key);
    if (id !== undefined && id > 0) return id;
    const r = await this.#query<{ id: number }>('SELECT id FROM series WHERE entity = $1 AND metric = $2', [entity, metric]);
    if (!r[0]) return undefined;
    // Only cache ids this store has no handle for: a provisional handle is mapped by the flush.
    if (id === undefined) this.#seriesIds.set(key, r[0].id);
    return r[0].id;
  }

  async history(entity: string, metric: string, fromMs: number, toMs: number, maxPoints: number): Promise<HistoryResponse> {
    const res: HistoryResponse = { entity, metric, fromMs, toMs, stepSec: 0, tsMs: [], values: [] };
    const id = await this.#dbSeriesId(entity, metric);
    if (id === undefined) return res;
    const m = this.#meta;
    let rows: { t: number; v: number | null }[] = [];
    let raw = false;
    if (fromMs >= m.raw_floor) {
      // One round trip: the raw rows, at most maxPoints + 1 of them (one more = does not fit).
      rows = await this.#query('SELECT ts_ms AS t, value AS v FROM samples WHERE series_id = $1 AND ts_ms BETWEEN $2 AND $3 ORDER BY ts_ms LIMIT $4', [
        id,
        fromMs,
        toMs,
        maxPoints + 1,
      ]);
      raw = rows.length <= maxPoints;
    }
    if (!raw) {
      const { source, stepMs } = pickResolution(fromMs, toMs, maxPoints, m.raw_floor, m.m1_floor);
      const p = planAggregate(source, stepMs, fromMs, toMs, m.wm1, m.wm15);
      res.stepSec = stepMs / 1000;
      const params: unknown[] = [stepMs, id, p.raw[0], p.raw[1]];
      const parts = ['SELECT (ts_ms / $1::bigint) * $1::bigint AS b, sum(value) AS s, count(value) AS c FROM samples WHERE series_id = $2 AND ts_ms >= $3 AND ts_ms < $4 GROUP BY b'];
      if (p.m1 && p.m1[0] < p.m1[1]) {
        params.push(p.m1[0], p.m1[1]);
        parts.push(
          `SELECT (bucket_ms / $1::bigint) * $1::bigint AS b, sum(avg * count) AS s, sum(count) AS c FROM samples_1m WHERE series_id = $2 AND bucket_ms >= $${params.length - 1} AND bucket_ms < $${params.length} GROUP BY b`,
        );
      }
      if (p.q15 && p.q15[0] < p.q15[1]) {
        params.push(p.q15[0], p.q15[1]);
        parts.push(
          `SELECT (bucket_ms / $1::bigint) * $1::bigint AS b, sum(avg * count) AS s, sum(count) AS c FROM samples_15m WHERE series_id = $2 AND bucket_ms >= $${params.length - 1} AND bucket_ms < $${params.length} GROUP BY b`,
        );
      }
      rows = await this.#query(`SELECT b AS t, (sum(s) / nullif(sum(c), 0))::float8 AS v FROM (${parts.join(' UNION ALL ')}) x GROUP BY b ORDER BY b`, params);
    }
    for (const r of rows) {
      res.tsMs.push(r.t);
      res.values.push(r.v);
    }
    return res;
  }

  async searchSeries(q: string, limit: number): Promise<SeriesRow[]> {
    return this.#query<SeriesRow>(
      `SELECT entity, metric FROM series
       WHERE strpos(lower(entity), $1) > 0 OR strpos(lower(metric), $1) > 0
       ORDER BY (strpos(lower(entity), $1) = 1 OR strpos(lower(metric), $1) = 1) DESC, entity, metric LIMIT $2`,
      [q.toLowerCase(), limit],
    );
  }

  async valuesAt(entityPrefix: string, atMs: number, lookBackMs: number): Promise<ValueAtRow[]> {
    // LATERAL: one index seek (series_id, ts_ms DESC) per series; starts_with is collation-free.
    const parts: ValueAtRow[][] = [];
    for (const src of valuesAtSources(atMs, lookBackMs, this.#meta.raw_floor, this.#meta.m1_floor)) {
      const table = src.source === 'raw' ? 'samples' : src.source === '1m' ? 'samples_1m' : 'samples_15m';
      const ts = src.source === 'raw' ? 'ts_ms' : 'bucket_ms';
      const val = src.source === 'raw' ? 'value' : 'avg';
      parts.push(
        await this.#query<ValueAtRow>(
          `SELECT x.entity, x.metric, s.t AS "tsMs", s.v AS value, $4::text AS source FROM series x
           CROSS JOIN LATERAL (SELECT ${ts} AS t, ${val} AS v FROM ${table} WHERE series_id = x.id AND ${ts} > $2 AND ${ts} <= $3 ORDER BY ${ts} DESC LIMIT 1) s
           WHERE starts_with(x.entity, $1)`,
          [entityPrefix, src.loMs, src.hiMs, src.source],
        ),
      );
    }
    return mergeValuesAt(parts);
  }

  async latest(entity: string, metric: string): Promise<{ tsMs: number; value: number } | null> {
    const r = await this.#query<{ tsMs: number; value: number }>(
      'SELECT s.ts_ms AS "tsMs", s.value AS value FROM samples s JOIN series x ON x.id = s.series_id WHERE x.entity = $1 AND x.metric = $2 ORDER BY s.ts_ms DESC LIMIT 1',
      [entity, metric],
    );
    return r[0] ?? null;
  }

  async quarantine(limit = 100): Promise<QuarantineRow[]> {
    return this.#query<QuarantineRow>(
      'SELECT id, received_ms AS "receivedMs", topic, reason, detail, payload FROM quarantine ORDER BY id DESC LIMIT $1',
      [limit],
    );
  }

  async #pruneChunked(table: string, col: string, cutoff: number): Promise<{ n: number; chunks: number; maxMs: number }> {
    let n = 0;
    let chunks = 0;
    let maxMs = 0;
    for (;;) {
      const t0 = performance.now();
      const r = await this.#pool.query(`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${col} < $1 LIMIT $2))`, [cutoff, PRUNE_CHUNK_ROWS]);
      maxMs = Math.max(maxMs, performance.now() - t0);
      chunks++;
      const c = r.rowCount ?? 0;
      n += c;
      if (c < PRUNE_CHUNK_ROWS) return { n, chunks, maxMs };
    }
  }

  async prune(olderThanMs: number): Promise<number> {
    await this.#loadMeta(this.#pool);
    const cut = Math.min(olderThanMs, this.#meta.wm1 || olderThanMs);
    const r = await this.#pruneChunked('samples', 'ts_ms', cut);
    if (cut > this.#meta.raw_floor) await this.#setMeta(this.#pool, 'raw_floor', cut);
    return r.n;
  }

  async #rollup(
    src: 'samples' | 'samples_1m',
    lo: number,
    hi: number,
    sliceMs: number,
    wmKey: 'wm1' | 'wm15',
  ): Promise<number> {
    const col = src === 'samples' ? 'ts_ms' : 'bucket_ms';
    const res = src === 'samples' ? MINUTE_MS : QUARTER_MS;
    const sql =
      src === 'samples'
        ? `INSERT INTO samples_1m (series_id, bucket_ms, avg, min, max, count)
           SELECT series_id, (ts_ms / 60000) * 60000 AS b, avg(value), min(value), max(value), count(value)
           FROM samples WHERE ts_ms >= $1 AND ts_ms < $2 GROUP BY series_id, b
           ON CONFLICT (series_id, bucket_ms) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count`
        : `INSERT INTO samples_15m (series_id, bucket_ms, avg, min, max, count)
           SELECT series_id, (bucket_ms / 900000) * 900000 AS b, sum(avg * count) / nullif(sum(count), 0), min(min), max(max), sum(count)
           FROM samples_1m WHERE bucket_ms >= $1 AND bucket_ms < $2 GROUP BY series_id, b
           ON CONFLICT (series_id, bucket_ms) DO UPDATE SET avg = excluded.avg, min = excluded.min, max = excluded.max, count = excluded.count`;
    let rows = 0;
    let at = lo;
    while (at < hi) {
      const t = (await this.#query<{ t: number | null }>(`SELECT min(${col}) AS t FROM ${src} WHERE ${col} >= $1 AND ${col} < $2`, [at, hi]))[0]!.t;
      if (t === null) break;
      const from = Math.floor(t / res) * res;
      const to = Math.min(hi, from + sliceMs);
      await this.#tx(async (c) => {
        rows += (await c.query(sql, [from, to])).rowCount ?? 0;
        await this.#setMeta(c, wmKey, Math.max(this.#meta[wmKey], to));
      });
      at = to;
    }
    if (hi > this.#meta[wmKey]) await this.#setMeta(this.#pool, wmKey, hi);
    return rows;
  }

  maintain(nowMs = Date.now()): Promise<MaintenanceReport> {
    this.#maintaining ??= this.#maintain(nowMs).finally(() => (this.#maintaining = null));
    return this.#maintaining;
  }

  async #maintain(nowMs: number): Promise<MaintenanceReport> {
    await this.flush();
    await this.#loadMeta(this.#pool);
    const r = this.retention;
    const m = this.#meta;
    const closed1m = Math.floor((nowMs - ROLLUP_GRACE_MS) / MINUTE_MS) * MINUTE_MS;
    const wm1Before = m.wm1;
    let lo1 = wm1Before;
    if (wm1Before === 0) lo1 = (await this.#query<{ t: number | null }>('SELECT min(ts_ms) AS t FROM samples'))[0]!.t ?? closed1m;
    const late = this.#lateFromMs;
    this.#lateFromMs = Infinity;
    if (late < lo1) lo1 = Math.max(late, m.raw_floor);
    lo1 = Math.floor(lo1 / MINUTE_MS) * MINUTE_MS;
    const rolledUp1m = closed1m > lo1 ? await this.#rollup('samples', lo1, Math.max(closed1m, wm1Before), ROLLUP_CHUNK_MINUTES * MINUTE_MS, 'wm1') : 0;
    const wm1 = m.wm1;
    const closed15 = Math.floor(wm1 / QUARTER_MS) * QUARTER_MS;
    const wm15Before = m.wm15;
    let lo15 = wm15Before === 0 ? ((await this.#query<{ t: number | null }>('SELECT min(bucket_ms) AS t FROM samples_1m'))[0]!.t ?? closed15) : wm15Before;
    if (late < lo15) lo15 = Math.max(late, m.m1_floor);
    lo15 = Math.floor(lo15 / QUARTER_MS) * QUARTER_MS;
    const rolledUp15m = closed15 > lo15 ? await this.#rollup('samples_1m', lo15, Math.max(closed15, wm15Before), 96 * QUARTER_MS, 'wm15') : 0;
    const wm15 = m.wm15;

    const rawCut = Math.min(nowMs - r.rawDays * DAY_MS, wm1);
    const m1Cut = Math.min(nowMs - r.oneMinuteDays * DAY_MS, wm15);
    const m15Cut = nowMs - r.fifteenMinuteDays * DAY_MS;
    const raw = await this.#pruneChunked('samples', 'ts_ms', rawCut);
    const m1 = await this.#pruneChunked('samples_1m', 'bucket_ms', m1Cut);
    const m15 = await this.#pruneChunked('samples_15m', 'bucket_ms', m15Cut);
    const qu = await this.#pruneChunked('quarantine', 'received_ms', nowMs - r.quarantineDays * DAY_MS);
    const ev = await this.#pruneChunked('alarm_events', 'at_ms', nowMs - r.alarmEventDays * DAY_MS);
    if (rawCut > m.raw_floor) await this.#setMeta(this.#pool, 'raw_floor', rawCut);
    if (m1Cut > m.m1_floor) await this.#setMeta(this.#pool, 'm1_floor', m1Cut);
    if (m15Cut > m.m15_floor) await this.#setMeta(this.#pool, 'm15_floor', m15Cut);
    const all = [raw, m1, m15, qu, ev];
    return {
      rolledUp1m,
      rolledUp15m,
      pruned: { raw: raw.n, oneMinute: m1.n, fifteenMinute: m15.n, quarantine: qu.n, alarmEvents: ev.n },
      chunks: all.reduce((a, x) => a + x.chunks, 0),
      maxChunkMs: Math.max(...all.map((x) => x.maxMs)),
      rolledUpTo1mMs: wm1,
      rolledUpTo15mMs: wm15,
    };
  }

  async counts() {
    const r = (
      await this.#query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM series) AS series, (SELECT count(*) FROM samples) AS raw, (SELECT count(*) FROM samples_1m) AS "oneMinute",
                (SELECT count(*) FROM samples_15m) AS "fifteenMinute", (SELECT count(*) FROM quarantine) AS quarantine, (SELECT count(*) FROM alarm_events) AS "alarmEvents"`,
      )
    )[0]!;
    return r as Awaited<ReturnType<Store['counts']>>;
  }

  ok(): boolean {
    return this.#ok && !this.#closed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#maintaining?.catch(() => undefined);
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      await this.#pool.end();
    }
  }
}
