import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.ts';
import { storeSuite } from './store-suite.ts';

let dir = '';
storeSuite('SqliteStore', {
  async setup() {
    dir = mkdtempSync(join(tmpdir(), 'store-'));
  },
  async teardown() {
    rmSync(dir, { recursive: true, force: true });
  },
  async open(retention) {
    return new SqliteStore(dir, { retention });
  },
  async rawRowsOutside() {
    const other = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    try {
      return (other.prepare('SELECT count(*) n FROM samples').get() as { n: number }).n;
    } finally {
      other.close();
    }
  },
});

describe('SqliteStore specifics', () => {
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-'));
    store = new SqliteStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs in WAL mode with an index for pruning by time', () => {
    const other = new Database(store.path, { readonly: true });
    expect((other.pragma('journal_mode', { simple: true }) as string).toLowerCase()).toBe('wal');
    const idx = other.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'samples'").all() as { name: string }[];
    expect(idx.map((i) => i.name)).toContain('samples_ts');
    const plan = other.prepare('EXPLAIN QUERY PLAN SELECT series_id, ts_ms FROM samples WHERE ts_ms < 5 LIMIT 10').all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/samples_ts/);
    other.close();
  });
});
