/**
 * Opens the configured history store: PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR.
 */
import type { Config } from '../config.ts';
import { PgStore } from './postgres.ts';
import { SqliteStore } from './sqlite.ts';
import type { Retention, Store } from './types.ts';

export function retentionOf(config: Pick<Config, 'RETENTION_RAW_DAYS' | 'RETENTION_1M_DAYS' | 'RETENTION_15M_DAYS'>): Partial<Retention> {
  return { rawDays: config.RETENTION_RAW_DAYS, oneMinuteDays: config.RETENTION_1M_DAYS, fifteenMinuteDays: config.RETENTION_15M_DAYS, quarantineDays: config.RETENTION_RAW_DAYS };
}

export async function openStore(config: Config): Promise<Store> {
  const retention = retentionOf(config);
  if (config.DATABASE_URL) return PgStore.open(config.DATABASE_URL, { retention });
  return new SqliteStore(config.DATA_DIR, { retention });
}

/** How often the hub rolls up and prunes. */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * Runs `store.maintain()` every minute off the hot path; a run that is still going is not started
 * twice. Returns a stop function.
 */
export function startMaintenance(store: Store, onError: (err: unknown) => void, intervalMs = MAINTENANCE_INTERVAL_MS): () => void {
  const timer = setInterval(() => {
    store.maintain().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
