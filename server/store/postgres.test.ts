/**
 * The shared store suite against a real PostgreSQL (127.0.0.1:5432, trust auth, database `test`).
 * Each run uses its own schema (random name, dropped after), so parallel runs do not collide.
 * Skips with a message when no PostgreSQL answers; PG_TEST_URL overrides the address.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgStore } from './postgres.ts';
import { storeSuite } from './store-suite.ts';

const CANDIDATES = process.env.PG_TEST_URL
  ? [process.env.PG_TEST_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function findPostgres(): Promise<string | null> {
  for (const url of CANDIDATES) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return url;
    } catch {
      // try the next one
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return null;
}

const url = await findPostgres();
if (!url) {
  console.warn(
    `postgres.test.ts: no PostgreSQL at ${CANDIDATES.join(' or ')}; the PostgreSQL store suite is skipped ` +
      '(start one: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)',
  );
}

let schema = '';
const admin = () => new pg.Client({ connectionString: url! });
async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const c = admin();
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

storeSuite(
  'PgStore',
  {
    async setup() {
      schema = `store_test_${randomBytes(6).toString('hex')}`;
    },
    async teardown() {
      await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
    open(retention) {
      return PgStore.open(url!, { schema, retention });
    },
    async rawRowsOutside() {
      return Number((await adminQuery(`SELECT count(*) AS n FROM ${schema}.samples`)).rows[0].n);
    },
  },
  url ? {} : { skip: `no PostgreSQL reachable at ${CANDIDATES.join(', ')}` },
);

// Scaled mode (docs/deployment.md): several hubs write one schema at once. Series ids come from the
// database, so two stores creating series concurrently never mix up each other's samples.
import { afterAll, describe, expect, it } from 'vitest';

describe.skipIf(!url)('PgStore shared by two hubs', () => {
  const shared = `store_shared_${randomBytes(6).toString('hex')}`;
  afterAll(async () => {
    if (url) await adminQuery(`DROP SCHEMA IF EXISTS ${shared} CASCADE`);
  });

  it('keeps every series apart when two stores create series at the same time', async () => {
    const a = await PgStore.open(url!, { schema: shared });
    const b = await PgStore.open(url!, { schema: shared });
    try {
      const t0 = Date.now() - 60_000;
      // Each writes its own devices, and both write one series (a partition taken over).
      for (let i = 0; i < 20; i++) {
        a.addSample(a.seriesId(`tls:a${i}`, 'flowVehH'), t0, 100 + i);
        b.addSample(b.seriesId(`tls:b${i}`, 'flowVehH'), t0, 200 + i);
      }
      a.addSample(a.seriesId('tls:both', 'flowVehH'), t0, 1);
      b.addSample(b.seriesId('tls:both', 'flowVehH'), t0 + 1000, 2);
      await Promise.all([a.flush(), b.flush()]);
      // Samples written after the flush use the id the database gave, on both stores.
      a.addSample(a.seriesId('tls:a3', 'flowVehH'), t0 + 1000, 999);
      await a.flush();
      const ha = await b.history('tls:a3', 'flowVehH', t0 - 1, t0 + 2000, 100);
      expect(ha.values).toEqual([103, 999]);
      const hb = await a.history('tls:b7', 'flowVehH', t0 - 1, t0 + 2000, 100);
      expect(hb.values).toEqual([207]);
      const both = await a.history('tls:both', 'flowVehH', t0 - 1, t0 + 2000, 100);
      expect(both.values).toEqual([1, 2]);
      const ids = (await adminQuery(`SELECT count(DISTINCT id) AS n, count(*) AS m FROM ${shared}.series`)).rows[0];
      expect(Number(ids.n)).toBe(41);
      expect(Number(ids.m)).toBe(41);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
