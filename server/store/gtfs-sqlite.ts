/** GTFS tables in SQLite (server/store/gtfs-types.ts). Batches are one transaction each. */
import type Database from 'better-sqlite3';
import { GTFS_COLUMNS, gtfsSchema, type GtfsCalendar, type GtfsFeedInfo, type GtfsRoute, type GtfsStop, type GtfsStopTime, type GtfsStore, type GtfsTable, type GtfsTripSummary, type GtfsWriter } from './gtfs-types.ts';

const TABLES = Object.keys(GTFS_COLUMNS) as GtfsTable[];

export class SqliteGtfs implements GtfsStore {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(gtfsSchema('sqlite'));
  }

  #clear(feedId: string): void {
    this.#db.transaction(() => {
      for (const t of TABLES) this.#db.prepare(`DELETE FROM ${GTFS_COLUMNS[t].table} WHERE feed_id = ?`).run(feedId);
      this.#db.prepare('DELETE FROM gtfs_feeds WHERE feed_id = ?').run(feedId);
    })();
  }

  async beginImport(feedId: string): Promise<GtfsWriter> {
    this.#clear(feedId);
    const stmts = new Map<GtfsTable, Database.Statement>();
    for (const t of TABLES) {
      const d = GTFS_COLUMNS[t];
      stmts.set(t, this.#db.prepare(`INSERT OR REPLACE INTO ${d.table} (feed_id, ${d.names.join(', ')}) VALUES (?${', ?'.repeat(d.names.length)})`));
    }
    const db = this.#db;
    return {
      async add(table, rows) {
        const st = stmts.get(table)!;
        const cols = GTFS_COLUMNS[table].cols as readonly string[];
        db.transaction(() => {
          for (const r of rows) st.run(feedId, ...cols.map((c) => (r as unknown as Record<string, unknown>)[c] ?? null));
        })();
      },
      commit: async (counts, nowMs) => {
        db.prepare('INSERT OR REPLACE INTO gtfs_feeds (feed_id, imported_ms, counts) VALUES (?, ?, ?)').run(feedId, nowMs, JSON.stringify(counts));
      },
      abort: async () => this.#clear(feedId),
    };
  }

  async feeds(): Promise<GtfsFeedInfo[]> {
    return (this.#db.prepare('SELECT feed_id, imported_ms, counts FROM gtfs_feeds ORDER BY feed_id').all() as { feed_id: string; imported_ms: number; counts: string }[]).map((r) => ({
      feedId: r.feed_id,
      importedMs: r.imported_ms,
      counts: JSON.parse(r.counts) as Record<string, number>,
    }));
  }
  async stops(feedId: string): Promise<GtfsStop[]> {
    return this.#db.prepare('SELECT stop_id stopId, name, lat, lon FROM gtfs_stops WHERE feed_id = ? ORDER BY stop_id').all(feedId) as GtfsStop[];
  }
  async routes(feedId: string): Promise<GtfsRoute[]> {
    return this.#db
      .prepare('SELECT route_id routeId, agency_id agencyId, short_name shortName, long_name longName, route_type routeType, color FROM gtfs_routes WHERE feed_id = ? ORDER BY route_id')
      .all(feedId) as GtfsRoute[];
  }
  async tripSummaries(feedId: string, routeId: string): Promise<GtfsTripSummary[]> {
    return this.#db
      .prepare(
        `SELECT t.trip_id tripId, t.route_id routeId, t.service_id serviceId, t.headsign, t.direction_id directionId, t.shape_id shapeId,
                min(st.departure_sec) firstDepartureSec, count(st.trip_id) stopCount
           FROM gtfs_trips t LEFT JOIN gtfs_stop_times st ON st.feed_id = t.feed_id AND st.trip_id = t.trip_id
          WHERE t.feed_id = ? AND t.route_id = ? GROUP BY t.trip_id ORDER BY t.trip_id`,
      )
      .all(feedId, routeId) as GtfsTripSummary[];
  }
  async stopTimes(feedId: string, tripId: string): Promise<GtfsStopTime[]> {
    return this.#db
      .prepare('SELECT trip_id tripId, stop_sequence stopSequence, stop_id stopId, arrival_sec arrivalSec, departure_sec departureSec FROM gtfs_stop_times WHERE feed_id = ? AND trip_id = ? ORDER BY stop_sequence')
      .all(feedId, tripId) as GtfsStopTime[];
  }
  async shape(feedId: string, shapeId: string): Promise<[number, number][]> {
    return (this.#db.prepare('SELECT lon, lat FROM gtfs_shapes WHERE feed_id = ? AND shape_id = ? ORDER BY seq').all(feedId, shapeId) as { lon: number; lat: number }[]).map((r) => [r.lon, r.lat]);
  }
  async calendar(feedId: string): Promise<GtfsCalendar[]> {
    return this.#db.prepare('SELECT service_id serviceId, days, start_date startDate, end_date endDate FROM gtfs_calendar WHERE feed_id = ? ORDER BY service_id').all(feedId) as GtfsCalendar[];
  }
}
