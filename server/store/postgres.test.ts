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
