/**
 * GTFS tables in PostgreSQL (server/store/gtfs-types.ts). A batch is one INSERT … SELECT FROM
 * unnest(arrays): one round trip per batch, whatever its size. Quoted aliases keep camelCase names.
 */
import type pg from 'pg';
import { GTFS_COLUMNS, gtfsSchema, type GtfsCalendar, type GtfsFeedInfo, type GtfsRoute, type GtfsStop, type GtfsStopTime, type GtfsStore, type GtfsTable, type GtfsTripSummary, type GtfsWriter } from './gtfs-types.ts';

const TABLES = Object.keys(GTFS_COLUMNS) as GtfsTable[];
const PG_TYPE = { text: 'text', real: 'float8', int: 'int8' } as const;

export class PgGtfs implements GtfsStore {
  readonly #pool: pg.Pool;
  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async migrate(q: Pick<pg.Pool, 'query'>): Promise<void> {
    await q.query(gtfsSchema('postgres'));
  }

  async #clear(feedId: string): Promise<void> {
    const c = await this.#pool.connect();
    try {
      await c.query('BEGIN');
      for (const t of TABLES) await c.query(`DELETE FROM ${GTFS_COLUMNS[t].table} WHERE feed_id = $1`, [feedId]);
      await c.query('DELETE FROM gtfs_feeds WHERE feed_id = $1', [feedId]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async beginImport(feedId: string): Promise<GtfsWriter> {
    await this.#clear(feedId);
    const pool = this.#pool;
    return {
      async add(table, rows) {
        if (rows.length === 0) return;
        const d = GTFS_COLUMNS[table];
        const cols = d.cols as readonly string[];
        const arrays = cols.map((c) => rows.map((r) => (r as unknown as Record<string, unknown>)[c] ?? null));
        const unnest = d.types.map((t, i) => `$${i + 2}::${PG_TYPE[t]}[]`).join(', ');
        const keys = d.names.join(', ');
        await pool.query(
          `INSERT INTO ${d.table} (feed_id, ${keys}) SELECT $1::text, * FROM unnest(${unnest})
           ON CONFLICT DO NOTHING`,
          [feedId, ...arrays],
        );
      },
      commit: async (counts, nowMs) => {
        await pool.query(
          'INSERT INTO gtfs_feeds (feed_id, imported_ms, counts) VALUES ($1, $2, $3) ON CONFLICT (feed_id) DO UPDATE SET imported_ms = excluded.imported_ms, counts = excluded.counts',
          [feedId, nowMs, JSON.stringify(counts)],
        );
      },
      abort: () => this.#clear(feedId),
    };
  }

  async feeds(): Promise<GtfsFeedInfo[]> {
    const r = await this.#pool.query<{ feed_id: string; imported_ms: number; counts: string }>('SELECT feed_id, imported_ms, counts FROM gtfs_feeds ORDER BY feed_id');
    return r.rows.map((x) => ({ feedId: x.feed_id, importedMs: Number(x.imported_ms), counts: JSON.parse(x.counts) as Record<string, number> }));
  }
  async stops(feedId: string): Promise<GtfsStop[]> {
    return (await this.#pool.query<GtfsStop>('SELECT stop_id "stopId", name, lat, lon FROM gtfs_stops WHERE feed_id = $1 ORDER BY stop_id', [feedId])).rows;
  }
  async routes(feedId: string): Promise<GtfsRoute[]> {
    return (
      await this.#pool.query<GtfsRoute>(
        'SELECT route_id "routeId", agency_id "agencyId", short_name "shortName", long_name "longName", route_type "routeType", color FROM gtfs_routes WHERE feed_id = $1 ORDER BY route_id',
        [feedId],
      )
    ).rows;
  }
  async tripSummaries(feedId: string, routeId: string): Promise<GtfsTripSummary[]> {
    return (
      await this.#pool.query<GtfsTripSummary>(
        `SELECT t.trip_id "tripId", t.route_id "routeId", t.service_id "serviceId", t.headsign, t.direction_id "directionId", t.shape_id "shapeId",
                min(st.departure_sec) "firstDepartureSec", count(st.trip_id) "stopCount"
           FROM gtfs_trips t LEFT JOIN gtfs_stop_times st ON st.feed_id = t.feed_id AND st.trip_id = t.trip_id
          WHERE t.feed_id = $1 AND t.route_id = $2
          GROUP BY t.trip_id, t.route_id, t.service_id, t.headsign, t.direction_id, t.shape_id ORDER BY t.trip_id`,
        [feedId, routeId],
      )
    ).rows;
  }
  async stopTimes(feedId: string, tripId: string): Promise<GtfsStopTime[]> {
    return (
      await this.#pool.query<GtfsStopTime>(
        'SELECT trip_id "tripId", stop_sequence "stopSequence", stop_id "stopId", arrival_sec "arrivalSec", departure_sec "departureSec" FROM gtfs_stop_times WHERE feed_id = $1 AND trip_id = $2 ORDER BY stop_sequence',
        [feedId, tripId],
      )
    ).rows;
  }
  async shape(feedId: string, shapeId: string): Promise<[number, number][]> {
    const r = await this.#pool.query<{ lon: number; lat: number }>('SELECT lon, lat FROM gtfs_shapes WHERE feed_id = $1 AND shape_id = $2 ORDER BY seq', [feedId, shapeId]);
    return r.rows.map((x) => [x.lon, x.lat]);
  }
  async calendar(feedId: string): Promise<GtfsCalendar[]> {
    return (await this.#pool.query<GtfsCalendar>('SELECT service_id "serviceId", days, start_date "startDate", end_date "endDate" FROM gtfs_calendar WHERE feed_id = $1 ORDER BY service_id', [feedId])).rows;
  }
}
