/**
 * An imported GTFS feed -> the hub's transit lines (TransitLineMeta, one per route), announced
 * through the hub's ingest like the simulator's lines: the transit layer, its stops and shapes
 * (GET /api/transit/lines), arrivals and headways then come from the city's real feed.
 *
 * Per route and direction the trip with the most stops is the pattern (GTFS has no "main
 * pattern"); its stop_times give run times and dwell, its shape (else its stops) the geometry.
 * Headways per hour band come from the trips' first departures on the day types of calendar.txt.
 */
import { MAX_LINE_GEOMETRY_POINTS, MAX_LINE_STOPS, transitTopics, type DayType, type HeadwayBand, type TransitDirection, type TransitLineMeta, type TransitMode } from '../../protocol/index.ts';
import type { GtfsRoute, GtfsStop, GtfsStore, GtfsTripSummary } from '../store/gtfs-types.ts';
import { hubId, ReportBuilder, type Deliver } from './report.ts';

/** Geometry points per direction: two directions plus stops must stay inside the 64 KiB payload. */
const GEOMETRY_POINTS = Math.min(300, MAX_LINE_GEOMETRY_POINTS);
const MODE_COLOUR: Record<TransitMode, string> = { tram: '#c62828', lightrail: '#1565c0', bus: '#6a1b9a' };

/** GTFS route_type (basic and extended HVT types) -> our mode. */
export function modeOf(routeType: number): TransitMode {
  if (routeType === 0 || (routeType >= 900 && routeType < 1000)) return 'tram';
  if (routeType === 1 || routeType === 2 || routeType === 12 || (routeType >= 100 && routeType < 500)) return 'lightrail';
  return 'bus';
}

const R_EARTH_M = 6_371_008.8;
/** Great-circle distance (haversine), metres. */
export function distM(a: [number, number], b: [number, number]): number {
  const toRad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * toRad;
  const dLon = (b[0] - a[0]) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * toRad) * Math.cos(b[1] * toRad) * Math.sin(dLon / 2) ** 2;
  return 2 * R_EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Every k-th point so that at most `max` remain; first and last are kept. */
export function thin(points: [number, number][], max: number): [number, number][] {
  if (points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  const out: [number, number][] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

const round5 = (p: [number, number]): [number, number] => [Math.round(p[0] * 1e5) / 1e5, Math.round(p[1] * 1e5) / 1e5];

/** Headway bands (one per run of hours with the same number of departures) from departure seconds. */
export function headwayBands(days: DayType, departuresSec: number[]): HeadwayBand[] {
  const perHour = new Map<number, number>();
  for (const s of departuresSec) {
    const h = Math.floor(s / 3600);
    if (h <= 29) perHour.set(h, (perHour.get(h) ?? 0) + 1);
  }
  const bands: HeadwayBand[] = [];
  for (const h of [...perHour.keys()].sort((a, b) => a - b)) {
    const headwayMin = Math.min(240, Math.round((60 / perHour.get(h)!) * 10) / 10);
    const last = bands.at(-1);
    if (last && last.toHour === h && last.headwayMin === headwayMin) last.toHour = h + 1;
    else bands.push({ days, fromHour: h, toHour: h + 1, headwayMin });
  }
  return bands;
}

async function direction(store: GtfsStore, feedId: string, trip: GtfsTripSummary, stops: Map<string, GtfsStop>, dir: 0 | 1): Promise<TransitDirection | string> {
  const st = await store.stopTimes(feedId, trip.tripId);
  if (st.length < 2) return `trip ${trip.tripId} has fewer than 2 stop_times`;
  if (st.length > MAX_LINE_STOPS) return `trip ${trip.tripId} has ${st.length} stops (at most ${MAX_LINE_STOPS})`;
  const pts: { s: GtfsStop; arr: number | null; dep: number | null }[] = [];
  for (const x of st) {
    const s = stops.get(x.stopId);
    if (!s) return `trip ${trip.tripId}: stop ${x.stopId} is not in stops.txt`;
    pts.push({ s, arr: x.arrivalSec ?? x.departureSec, dep: x.departureSec ?? x.arrivalSec });
  }
  let geom: [number, number][] = trip.shapeId ? await store.shape(feedId, trip.shapeId) : [];
  if (geom.length < 2) geom = pts.map((p) => [p.s.lon, p.s.lat]);
  geom = thin(geom, GEOMETRY_POINTS).map(round5);
  // Distance along the geometry of each stop: nearest vertex, searched forward only (monotonic).
  const cum = [0];
  for (let i = 1; i < geom.length; i++) cum.push(cum[i - 1]! + distM(geom[i - 1]!, geom[i]!));
  let from = 0;
  const tstops = pts.map((p) => {
    let best = from;
    let bestD = Infinity;
    for (let i = from; i < geom.length; i++) {
      const d = distM([p.s.lon, p.s.lat], geom[i]!);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    from = best;
    return { stopId: p.s.stopId.slice(0, 100), name: p.s.name.slice(0, 200), lon: p.s.lon, lat: p.s.lat, distanceM: Math.round(cum[best]!) };
  });
  const runTimesSec: number[] = [];
  const dwells: number[] = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const dep = pts[i]!.dep;
    const arr = pts[i + 1]!.arr;
    // Stops at the same minute in the timetable: 1 s (the schema needs a positive run time).
    runTimesSec.push(dep === null || arr === null ? 60 : Math.min(7200, Math.max(1, arr - dep)));
    if (i > 0 && pts[i]!.arr !== null && pts[i]!.dep !== null) dwells.push(pts[i]!.dep! - pts[i]!.arr!);
  }
  dwells.sort((a, b) => a - b);
  const dwellSec = Math.min(600, Math.max(0, dwells.length ? dwells[Math.floor(dwells.length / 2)]! : 0));
  return { directionId: dir, headsign: (trip.headsign ?? pts.at(-1)!.s.name).slice(0, 200) || 'GTFS', stops: tstops, geometry: geom, runTimesSec, dwellSec };
}

/** The line meta of one route, or why it cannot be one. Pure apart from reading the store. */
export async function lineOfRoute(store: GtfsStore, feedId: string, route: GtfsRoute, stops: Map<string, GtfsStop>, serviceDays: Map<string, string>, prefix: string, nowMs: number): Promise<TransitLineMeta | string> {
  const trips = await store.tripSummaries(feedId, route.routeId);
  if (trips.length === 0) return 'route without trips';
  const dirs: TransitDirection[] = [];
  const problems: string[] = [];
  for (const d of [0, 1] as const) {
    const ofDir = trips.filter((t) => (t.directionId ?? 0) === d && t.stopCount >= 2);
    if (!ofDir.length) continue;
    const rep = ofDir.reduce((a, b) => (b.stopCount > a.stopCount ? b : a));
    const dir = await direction(store, feedId, rep, stops, d);
    if (typeof dir === 'string') problems.push(dir);
    else dirs.push(dir);
  }
  if (!dirs.length) return problems.join('; ') || 'no trip with at least 2 stops';
  // Headways of direction 0 (or the only one), per day type of the trip's service.
  const mainDir = dirs[0]!.directionId;
  const headways: HeadwayBand[] = [];
  const DAY_INDEX: [DayType, number][] = [['weekday', 2], ['saturday', 5], ['sunday', 6]];
  for (const [days, idx] of DAY_INDEX) {
    const deps = trips
      .filter((t) => (t.directionId ?? 0) === mainDir && t.firstDepartureSec !== null)
      .filter((t) => {
        const pattern = serviceDays.get(t.serviceId);
        // Without calendar.txt (calendar_dates only) every trip counts for weekdays.
        return pattern === undefined ? days === 'weekday' : pattern[idx] === '1';
      })
      .map((t) => t.firstDepartureSec!);
    headways.push(...headwayBands(days, deps));
  }
  if (!headways.length) headways.push({ days: 'weekday', fromHour: 5, toHour: 23, headwayMin: 60 });
  const colour = route.color && /^[0-9A-Fa-f]{6}$/.test(route.color) ? `#${route.color}` : MODE_COLOUR[modeOf(route.routeType)];
  return {
    id: hubId(prefix, route.routeId),
    name: (route.shortName || route.longName || route.routeId).slice(0, 20),
    ...(route.longName ? { longName: route.longName.slice(0, 200) } : {}),
    mode: modeOf(route.routeType),
    colour,
    directions: dirs,
    headways: headways.slice(0, 100),
    tsMs: nowMs,
  };
}

/** Announces the lines of an imported feed through the hub's ingest. */
export async function announceLines(
  store: GtfsStore,
  feedId: string,
  deliver: Deliver,
  nowMs: number,
  o: { idPrefix?: string; routeFilter?: string; maxLines?: number } = {},
  rb: ReportBuilder = new ReportBuilder('gtfs'),
): Promise<ReportBuilder> {
  const stops = new Map((await store.stops(feedId)).map((s) => [s.stopId, s]));
  const serviceDays = new Map((await store.calendar(feedId)).map((c) => [c.serviceId, c.days]));
  const filter = o.routeFilter ? new RegExp(o.routeFilter) : null;
  let n = 0;
  for (const r of await store.routes(feedId)) {
    if (filter && !filter.test(r.routeId) && !filter.test(r.shortName ?? '')) continue;
    if (n >= (o.maxLines ?? 500)) {
      rb.reject(`route ${r.routeId}`, 'limit', `more than ${o.maxLines ?? 500} lines (options.maxLines); narrow options.routeFilter`);
      continue;
    }
    const meta = await lineOfRoute(store, feedId, r, stops, serviceDays, o.idPrefix ?? '', nowMs);
    if (typeof meta === 'string') {
      rb.reject(`route ${r.routeId}`, 'schema', meta);
      continue;
    }
    if (rb.deliver(deliver, 'lines', `route ${r.routeId}`, transitTopics.lineMeta(meta.id), meta)) n++;
  }
  return rb;
}
