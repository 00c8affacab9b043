import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUARANTINE_LIMIT, SqliteStore } from './sqlite.ts';

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
  store = new SqliteStore(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('writes nothing until flush, then everything in one go, in WAL mode', () => {
    const s = store.seriesId('tls:K001', 'flowVehH');
    for (let i = 0; i < 100; i++) store.addSample(s, 1000 * i, i);
    const other = new Database(store.path, { readonly: true });
    expect((other.prepare('SELECT count(*) n FROM samples').get() as { n: number }).n).toBe(0);
    expect(store.flush()).toBe(100);
    expect((other.prepare('SELECT count(*) n FROM samples').get() as { n: number }).n).toBe(100);
    expect((other.pragma('journal_mode', { simple: true }) as string).toLowerCase()).toBe('wal');
    other.close();
  });

  it('returns raw history when it fits, bucketed averages when it does not', () => {
    const s = store.seriesId('tls:K001', 'flowVehH');
    for (let i = 0; i < 120; i++) store.addSample(s, i * 1000, i % 2 === 0 ? 100 : 200);
    store.flush();
    const raw = store.history('tls:K001', 'flowVehH', 0, 119_000, 1000);
    expect(raw.stepSec).toBe(0);
    expect(raw.tsMs.length).toBe(120);
    const agg = store.history('tls:K001', 'flowVehH', 0, 119_000, 12);
    expect(agg.stepSec).toBe(10);
    expect(agg.tsMs.length).toBe(12);
    expect(agg.values.every((v) => v === 150)).toBe(true);
    expect(store.history('tls:NOPE', 'flowVehH', 0, 1, 10).tsMs).toEqual([]);
  });

  it('keeps a bounded quarantine with the raw payload and the reason', () => {
    for (let i = 0; i < QUARANTINE_LIMIT + 50; i++) store.addQuarantine(i, 't/x', 'schema', `row ${i}`, Buffer.from(`{"n":${i}}`));
    store.flush();
    const rows = store.quarantine(1);
    expect(rows[0]).toMatchObject({ reason: 'schema', detail: `row ${QUARANTINE_LIMIT + 49}` });
    expect(rows[0]!.payload.toString()).toBe(`{"n":${QUARANTINE_LIMIT + 49}}`);
    expect(store.quarantine(QUARANTINE_LIMIT * 2).length).toBe(QUARANTINE_LIMIT);
  });

  it('survives reopening: data flushed before close is there after', () => {
    const s = store.seriesId('tls:K002', 'occupancyPct');
    store.addSample(s, 5, 12.5);
    store.close();
    store = new SqliteStore(dir);
    expect(store.latest('tls:K002', 'occupancyPct')).toEqual({ tsMs: 5, value: 12.5 });
  });
});

describe('alarms in the store', () => {
  it('keep their state and full transition history across a reopen', () => {
    const a = { id: 'tls:K1|lost', entity: 'tls:K1', condition: 'lost', priority: 'high' as const, area: 'traffic', state: 'UNACK' as const, message: 'K1 lost', activeSinceMs: 1, lastChangeMs: 1, ackedBy: null, shelvedUntilMs: null, shelveReason: null, causeId: null };
    store.addAlarmTransition(a, { alarmId: a.id, from: 'NORM', to: 'UNACK', atMs: 1, by: 'system', reason: 'K1 lost' });
    store.addAlarmTransition({ ...a, state: 'ACKED', lastChangeMs: 2, ackedBy: 'anna' }, { alarmId: a.id, from: 'UNACK', to: 'ACKED', atMs: 2, by: 'anna', reason: 'acknowledged' });
    store.close();
    store = new SqliteStore(dir);
    expect(store.loadAlarms()).toEqual([{ ...a, state: 'ACKED', lastChangeMs: 2, ackedBy: 'anna' }]);
    expect(store.alarmEvents(a.id).map((e) => `${e.from}>${e.to} by ${e.by}`)).toEqual(['UNACK>ACKED by anna', 'NORM>UNACK by system']);
  });
});
