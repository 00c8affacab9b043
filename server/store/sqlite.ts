/**
 * History in SQLite (better-sqlite3): WAL, prepared statements, and writes batched into one
 * transaction per flush so the ingest path never waits on the disk.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AlarmEntity, HistoryResponse } from '../../protocol/index.ts';

export interface QuarantineRow {
  id: number;
  receivedMs: number;
  topic: string;
  reason: string;
  detail: string;
  payload: Buffer;
}

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
`;

export interface AlarmEventRow {
  alarmId: string;
  from: string;
  to: string;
  atMs: number;
  by: string;
  reason: string;
}

/** Quarantine keeps the newest rows only; a flood of garbage cannot fill the disk. */
export const QUARANTINE_LIMIT = 10_000;
/** Raw payloads larger than this are cut in quarantine (the reason says how big it was). */
const QUARANTINE_PAYLOAD_BYTES = 4096;

export class SqliteStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #seriesIds = new Map<string, number>();
  // Pending rows as flat parallel arrays: one push per sample, no object per sample.
  #sSeries: number[] = [];
  #sTs: number[] = [];
  #sVal: number[] = [];
  #quarantine: Omit<QuarantineRow, 'id'>[] = [];
  #alarms = new Map<string, AlarmEntity>();
  #alarmEvents: AlarmEventRow[] = [];
  readonly #upsertAlarm: Database.Statement;
  readonly #insertAlarmEvent: Database.Statement;
  readonly #insertSample: Database.Statement;
  readonly #insertSeries: Database.Statement;
  readonly #selectSeries: Database.Statement;
  readonly #insertQuarantine: Database.Statement;
  readonly #trimQuarantine: Database.Statement;

  constructor(dataDir: string, file = 'hub.sqlite') {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, file);
    this.#db = new Database(this.path);
    this.#db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a power cut can lose the last transactions, never corrupt the file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(SCHEMA);
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
    this.#trimQuarantine = this.#db.prepare(
      'DELETE FROM quarantine WHERE id <= (SELECT max(id) FROM quarantine) - ?',
    );
  }

  seriesId(entity: string, metric: string): number {
    const key = `${entity}\u0000${metric}`;
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      this.#insertSeries.run(entity, metric);
      id = (this.#selectSeries.get(entity, metric) as { id: number }).id;
      this.#seriesIds.set(key, id);
    }
    return id;
  }

  /** Queues a sample; it reaches the disk at the next flush. */
  addSample(seriesId: number, tsMs: number, value: number): void {
    this.#sSeries.push(seriesId);
    this.#sTs.push(tsMs);
    this.#sVal.push(value);
  }

  addQuarantine(receivedMs: number, topic: string, reason: string, detail: string, payload: Uint8Array): void {
    const cut = payload.byteLength > QUARANTINE_PAYLOAD_BYTES ? payload.subarray(0, QUARANTINE_PAYLOAD_BYTES) : payload;
    this.#quarantine.push({ receivedMs, topic: topic.slice(0, 512), reason, detail, payload: Buffer.from(cut) });
  }

  /** Queues an alarm's current state and the transition that led to it (who, when, why). */
  addAlarmTransition(alarm: AlarmEntity, event: AlarmEventRow): void {
    this.#alarms.set(alarm.id, { ...alarm });
    this.#alarmEvents.push(event);
  }

  loadAlarms(): AlarmEntity[] {
    return (this.#db.prepare('SELECT json FROM alarms').all() as { json: string }[]).map((r) => JSON.parse(r.json) as AlarmEntity);
  }

  alarmEvents(alarmId: string, limit = 100): AlarmEventRow[] {
    return this.#db
      .prepare('SELECT alarm_id AS alarmId, from_state AS "from", to_state AS "to", at_ms AS atMs, by, reason FROM alarm_events WHERE alarm_id = ? ORDER BY id DESC LIMIT ?')
      .all(alarmId, limit) as AlarmEventRow[];
  }

  get pendingRows(): number {
    return this.#sTs.length + this.#quarantine.length + this.#alarmEvents.length;
  }

  /** Writes everything queued in one transaction; returns the number of rows written. */
  flush(): number {
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
    this.#db.transaction(() => {
      for (let i = 0; i < n; i++) this.#insertSample.run(series[i], ts[i], val[i]);
      for (const r of q) this.#insertQuarantine.run(r.receivedMs, r.topic, r.reason, r.detail, r.payload);
      if (q.length > 0) this.#trimQuarantine.run(QUARANTINE_LIMIT);
      for (const a of alarms.values()) this.#upsertAlarm.run(a.id, a.state, a.lastChangeMs, JSON.stringify(a));
      for (const e of events) this.#insertAlarmEvent.run(e.alarmId, e.from, e.to, e.atMs, e.by, e.reason);
    })();
    return n + q.length + events.length;
  }

  /**
   * A series over [fromMs, toMs], averaged into buckets when the raw samples would exceed
   * `maxPoints` (the chart never gets more points than it has pixels for).
   */
  history(entity: string, metric: string, fromMs: number, toMs: number, maxPoints: number): HistoryResponse {
    const res: HistoryResponse = { entity, metric, fromMs, toMs, stepSec: 0, tsMs: [], values: [] };
    const row = this.#selectSeries.get(entity, metric) as { id: number } | undefined;
    if (!row) return res;
    const count = (
      this.#db.prepare('SELECT count(*) AS n FROM samples WHERE series_id = ? AND ts_ms BETWEEN ? AND ?').get(row.id, fromMs, toMs) as { n: number }
    ).n;
    let rows: { t: number; v: number | null }[];
    if (count <= maxPoints) {
      rows = this.#db
        .prepare('SELECT ts_ms AS t, value AS v FROM samples WHERE series_id = ? AND ts_ms BETWEEN ? AND ? ORDER BY ts_ms')
        .all(row.id, fromMs, toMs) as typeof rows;
    } else {
      const stepMs = Math.ceil((toMs - fromMs) / maxPoints / 1000) * 1000;
      res.stepSec = stepMs / 1000;
      rows = this.#db
        .prepare(
          // JS numbers bind as REAL; the bucket division must be an integer one.
          'SELECT (ts_ms / $step) * $step AS t, avg(value) AS v FROM samples WHERE series_id = $id AND ts_ms BETWEEN $from AND $to GROUP BY t ORDER BY t',
        )
        .all({ step: BigInt(stepMs), id: row.id, from: fromMs, to: toMs }) as typeof rows;
    }
    for (const r of rows) {
      res.tsMs.push(r.t);
      res.values.push(r.v);
    }
    return res;
  }

  /** Latest sample of a series, for tests and diagnostics. */
  latest(entity: string, metric: string): { tsMs: number; value: number } | null {
    const r = this.#db
      .prepare(
        'SELECT s.ts_ms AS tsMs, s.value AS value FROM samples s JOIN series x ON x.id = s.series_id WHERE x.entity = ? AND x.metric = ? ORDER BY s.ts_ms DESC LIMIT 1',
      )
      .get(entity, metric) as { tsMs: number; value: number } | undefined;
    return r ?? null;
  }

  quarantine(limit = 100): QuarantineRow[] {
    return this.#db
      .prepare('SELECT id, received_ms AS receivedMs, topic, reason, detail, payload FROM quarantine ORDER BY id DESC LIMIT ?')
      .all(limit) as QuarantineRow[];
  }

  /** Deletes raw samples older than the cut-off; returns rows removed. */
  prune(olderThanMs: number): number {
    return this.#db.prepare('DELETE FROM samples WHERE ts_ms < ?').run(olderThanMs).changes;
  }

  ok(): boolean {
    try {
      return (this.#db.prepare('SELECT 1 AS one').get() as { one: number }).one === 1;
    } catch {
      return false;
    }
  }

  close(): void {
    this.flush();
    this.#db.close();
  }
}
