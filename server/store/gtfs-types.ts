/**
 * GTFS static (https://gtfs.org/schedule/reference/) in the store: the tables an imported feed
 * fills, the same in SQLite and PostgreSQL. Rows are kept per `feedId` (a source id): a re-import
 * replaces that feed's rows. Times are seconds after the service day's noon-minus-12h ("HH:MM:SS",
 * hours may exceed 23), colours without '#'.
 */

export interface GtfsStop {
  stopId: string;
  name: string;
  lat: number;
  lon: number;
}
export interface GtfsRoute {
  routeId: string;
  agencyId: string | null;
  shortName: string | null;
  longName: string | null;
  /** GTFS route_type: 0 tram, 1 subway, 2 rail, 3 bus, … */
  routeType: number;
  color: string | null;
}
export interface GtfsTrip {
  tripId: string;
  routeId: string;
  serviceId: string;
  headsign: string | null;
  directionId: number | null;
  shapeId: string | null;
}
export interface GtfsStopTime {
  tripId: string;
  stopSequence: number;
  stopId: string;
  arrivalSec: number | null;
  departureSec: number | null;
}
export interface GtfsShapePoint {
  shapeId: string;
  seq: number;
  lat: number;
  lon: number;
}
export interface GtfsCalendar {
  serviceId: string;
  /** Monday … Sunday as seven '0'/'1' characters. */
  days: string;
  startDate: string;
  endDate: string;
}
export interface GtfsFeedInfo {
  feedId: string;
  importedMs: number;
  counts: Record<string, number>;
}
/** One trip with its first departure and number of stops (for picking patterns and headways). */
export interface GtfsTripSummary extends GtfsTrip {
  firstDepartureSec: number | null;
  stopCount: number;
}

export type GtfsTable = 'stops' | 'routes' | 'trips' | 'stopTimes' | 'shapes' | 'calendar';
export type GtfsRowOf = { stops: GtfsStop; routes: GtfsRoute; trips: GtfsTrip; stopTimes: GtfsStopTime; shapes: GtfsShapePoint; calendar: GtfsCalendar };

/** An import in progress: rows arrive in batches (streaming), `commit` records the feed. */
export interface GtfsWriter {
  add<T extends GtfsTable>(table: T, rows: GtfsRowOf[T][]): Promise<void>;
  commit(counts: Record<string, number>, nowMs: number): Promise<void>;
  /** Removes what this import wrote (a failed import leaves no half feed). */
  abort(): Promise<void>;
}

export interface GtfsStore {
  /** Starts replacing feed `feedId`: its previous rows are deleted. */
  beginImport(feedId: string): Promise<GtfsWriter>;
  feeds(): Promise<GtfsFeedInfo[]>;
  stops(feedId: string): Promise<GtfsStop[]>;
  routes(feedId: string): Promise<GtfsRoute[]>;
  tripSummaries(feedId: string, routeId: string): Promise<GtfsTripSummary[]>;
  stopTimes(feedId: string, tripId: string): Promise<GtfsStopTime[]>;
  /** A shape's points [lon, lat] in sequence order. */
  shape(feedId: string, shapeId: string): Promise<[number, number][]>;
  calendar(feedId: string): Promise<GtfsCalendar[]>;
}

/** Column order per table (both backends), after feed_id. */
export const GTFS_COLUMNS: { [T in GtfsTable]: { table: string; cols: readonly (keyof GtfsRowOf[T])[]; names: readonly string[]; types: readonly ('text' | 'real' | 'int')[] } } = {
  stops: { table: 'gtfs_stops', cols: ['stopId', 'name', 'lat', 'lon'], names: ['stop_id', 'name', 'lat', 'lon'], types: ['text', 'text', 'real', 'real'] },
  routes: {
    table: 'gtfs_routes',
    cols: ['routeId', 'agencyId', 'shortName', 'longName', 'routeType', 'color'],
    names: ['route_id', 'agency_id', 'short_name', 'long_name', 'route_type', 'color'],
    types: ['text', 'text', 'text', 'text', 'int', 'text'],
  },
  trips: {
    table: 'gtfs_trips',
    cols: ['tripId', 'routeId', 'serviceId', 'headsign', 'directionId', 'shapeId'],
    names: ['trip_id', 'route_id', 'service_id', 'headsign', 'direction_id', 'shape_id'],
    types: ['text', 'text', 'text', 'text', 'int', 'text'],
  },
  stopTimes: {
    table: 'gtfs_stop_times',
    cols: ['tripId', 'stopSequence', 'stopId', 'arrivalSec', 'departureSec'],
    names: ['trip_id', 'stop_sequence', 'stop_id', 'arrival_sec', 'departure_sec'],
    types: ['text', 'int', 'text', 'int', 'int'],
  },
  shapes: { table: 'gtfs_shapes', cols: ['shapeId', 'seq', 'lat', 'lon'], names: ['shape_id', 'seq', 'lat', 'lon'], types: ['text', 'int', 'real', 'real'] },
  calendar: { table: 'gtfs_calendar', cols: ['serviceId', 'days', 'startDate', 'endDate'], names: ['service_id', 'days', 'start_date', 'end_date'], types: ['text', 'text', 'text', 'text'] },
};

/** Primary keys (after feed_id). */
export const GTFS_KEYS: Record<GtfsTable, string[]> = {
  stops: ['stop_id'],
  routes: ['route_id'],
  trips: ['trip_id'],
  stopTimes: ['trip_id', 'stop_sequence'],
  shapes: ['shape_id', 'seq'],
  calendar: ['service_id'],
};

/** CREATE TABLE statements for a dialect ('sqlite' types REAL/INTEGER, 'postgres' DOUBLE PRECISION/BIGINT). */
export function gtfsSchema(dialect: 'sqlite' | 'postgres'): string {
  const t = (x: 'text' | 'real' | 'int') => (x === 'text' ? 'TEXT' : x === 'real' ? (dialect === 'sqlite' ? 'REAL' : 'DOUBLE PRECISION') : dialect === 'sqlite' ? 'INTEGER' : 'BIGINT');
  const out = [`CREATE TABLE IF NOT EXISTS gtfs_feeds (feed_id TEXT PRIMARY KEY, imported_ms ${t('int')} NOT NULL, counts TEXT NOT NULL);`];
  for (const [k, d] of Object.entries(GTFS_COLUMNS) as [GtfsTable, (typeof GTFS_COLUMNS)[GtfsTable]][]) {
    const cols = d.names.map((n, i) => `${n} ${t(d.types[i]!)}`).join(', ');
    out.push(`CREATE TABLE IF NOT EXISTS ${d.table} (feed_id TEXT NOT NULL, ${cols}, PRIMARY KEY (feed_id, ${GTFS_KEYS[k].join(', ')}));`);
  }
  out.push('CREATE INDEX IF NOT EXISTS gtfs_trips_route ON gtfs_trips (feed_id, route_id);');
  return out.join('\n');
}
