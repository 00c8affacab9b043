/**
 * The open data API: public (no login), rate-limited per IP (429 + Retry-After), no personal data.
 * Every dataset is listed by `GET /api/open` (the dashboard's /open page shows the same list).
 * Documented in docs/api.md#open-data and the OpenAPI document (server/open/openapi.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  OPEN_LICENCE,
  OPEN_RATE_PER_MIN,
  type ConstructionEntity,
  type Family,
  type LampFaultEntity,
  type LinkEntity,
  type OpenDataset,
  type ParkingEntity,
  type TlsEntity,
  type TransitVehicleEntity,
} from '../../protocol/index.ts';
import type { ApiRoute } from '../http/api.ts';
import { ERROR_CODES, sendError, sendJson } from '../http/errors.ts';
import type { FamilyState } from '../realtime/family.ts';
import type { Store } from '../store/types.ts';
import { parkingStatusPublication, parkingTablePublication } from './datex2-out.ts';
import { encodeFeed, feedJson, tripUpdatesFeed, vehiclePositionsFeed } from './gtfs-rt-feed.ts';
import { constructionGeoJson, lampsGeoJson, linksGeoJson, parkingGeoJson, signalsGeoJson } from './geojson.ts';
import { IpRateLimiter } from './rate-limit.ts';

export interface OpenDeps {
  families: Readonly<Record<Family, FamilyState<Family, { id: string }>>>;
  store: Store;
  lampPositions(): { ids: string[]; lon: number[]; lat: number[] } | null;
  ratePerMin?: number;
}

/** History that may be downloaded: per entity prefix, the metrics (aggregates of devices, no persons). */
export const PUBLIC_HISTORY: Record<string, readonly string[] | '*'> = {
  'parking:': ['occupied', 'vacant'],
  'env:': '*',
  'weather:': '*',
  'gauge:': '*',
  'sensorthings:': '*',
  'tls:': ['flowVehH', 'occupancyPct'],
};
/** Open history downloads are averaged over at least this bucket (aggregates, never raw device traces). */
export const OPEN_HISTORY_MIN_STEP_MS = 60_000;
export const OPEN_HISTORY_MAX_RANGE_MS = 31 * 86_400_000;

export const OPEN_DATASETS: OpenDataset[] = [
  { id: 'gtfs-rt-vehicle-positions', title: 'ÖPNV: Fahrzeugpositionen (GTFS-Realtime VehiclePositions)', format: 'gtfs-rt', url: '/api/open/gtfs-rt/vehicle-positions', licence: OPEN_LICENCE, updateSec: 5, description: 'Protobuf; mit ?format=json als JSON.' },
  { id: 'gtfs-rt-trip-updates', title: 'ÖPNV: Verspätungen (GTFS-Realtime TripUpdates)', format: 'gtfs-rt', url: '/api/open/gtfs-rt/trip-updates', licence: OPEN_LICENCE, updateSec: 5, description: 'Protobuf; mit ?format=json als JSON.' },
  { id: 'datex2-parking-status', title: 'Parkhäuser: Belegung (DATEX II v2.3 ParkingStatusPublication)', format: 'datex2', url: '/api/open/datex2/parking-status', licence: OPEN_LICENCE, updateSec: 60 },
  { id: 'datex2-parking-table', title: 'Parkhäuser: Stammdaten (DATEX II v2.3 ParkingTablePublication)', format: 'datex2', url: '/api/open/datex2/parking-table', licence: OPEN_LICENCE, updateSec: 86_400 },
  { id: 'construction', title: 'Baustellen', format: 'geojson', url: '/api/open/geojson/construction', licence: OPEN_LICENCE, updateSec: 300 },
  { id: 'signals', title: 'Lichtsignalanlagen (Standorte)', format: 'geojson', url: '/api/open/geojson/signals', licence: OPEN_LICENCE, updateSec: 86_400 },
  { id: 'parking', title: 'Parkhäuser mit Belegung', format: 'geojson', url: '/api/open/geojson/parking', licence: OPEN_LICENCE, updateSec: 60 },
  { id: 'lamps', title: 'Straßenleuchten mit gemeldeten Störungen', format: 'geojson', url: '/api/open/geojson/lamps', licence: OPEN_LICENCE, updateSec: 300 },
  { id: 'links', title: 'Verkehrslage der Straßenabschnitte', format: 'geojson', url: '/api/open/geojson/links', licence: OPEN_LICENCE, updateSec: 60 },
  {
    id: 'history',
    title: 'Zeitreihen (Mittelwerte ab 1 min): Parkhäuser, Umwelt, Pegel, Verkehrsstärken',
    format: 'csv',
    url: '/api/open/history',
    licence: OPEN_LICENCE,
    updateSec: 0,
    description: 'Parameter: entity=parking:{id}, metric=occupied, fromMs, toMs (Epoch-ms), format=csv|json',
  },
];

const ent = <T>(deps: OpenDeps, f: Family) => deps.families[f].entities.values() as IterableIterator<T>;

function send(res: ServerResponse, type: string, body: string | Uint8Array, maxAgeSec: number): void {
  res.writeHead(200, {
    'content-type': type,
    // Public data: caches (the portal's CDN) may keep it for its update interval.
    'cache-control': `public, max-age=${maxAgeSec}`,
    'access-control-allow-origin': '*',
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
  });
  res.end(body);
}

export function createOpenRoutes(deps: OpenDeps): Record<string, ApiRoute> {
  const limiter = new IpRateLimiter(deps.ratePerMin ?? OPEN_RATE_PER_MIN);
  /** Rate limit first; then the route. */
  const open =
    (fn: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>): ApiRoute =>
    (req, res, url) => {
      const waitMs = limiter.take(req.socket.remoteAddress ?? 'unknown');
      if (waitMs > 0) {
        return sendJson(res, 429, { error: { code: ERROR_CODES.RATE_LIMITED, message: `open data: at most ${deps.ratePerMin ?? OPEN_RATE_PER_MIN} requests per minute per address` } }, { 'retry-after': String(Math.ceil(waitMs / 1000)) });
      }
      return fn(req, res, url);
    };
  const geo = (fn: (now: number) => unknown, maxAge: number) =>
    open((_req, res) => send(res, 'application/geo+json; charset=utf-8', JSON.stringify(fn(Date.now())), maxAge));
  const gtfsRt = (build: typeof vehiclePositionsFeed) =>
    open((_req, res, url) => {
      const feed = build(ent<TransitVehicleEntity>(deps, 'transit'), Date.now());
      if (url.searchParams.get('format') === 'json') return send(res, 'application/json; charset=utf-8', JSON.stringify(feedJson(feed)), 5);
      send(res, 'application/x-protobuf', encodeFeed(feed), 5);
    });

  return {
    '/api/open': open((_req, res) => sendJson(res, 200, { datasets: OPEN_DATASETS })),
    '/api/open/gtfs-rt/vehicle-positions': gtfsRt(vehiclePositionsFeed),
    '/api/open/gtfs-rt/trip-updates': gtfsRt(tripUpdatesFeed),
    '/api/open/datex2/parking-status': open((_req, res) => send(res, 'application/xml; charset=utf-8', parkingStatusPublication(ent<ParkingEntity>(deps, 'parking'), Date.now()), 60)),
    '/api/open/datex2/parking-table': open((_req, res) => send(res, 'application/xml; charset=utf-8', parkingTablePublication(ent<ParkingEntity>(deps, 'parking'), Date.now()), 3600)),
    '/api/open/geojson/construction': geo((now) => constructionGeoJson(ent<ConstructionEntity>(deps, 'construction'), now), 300),
    '/api/open/geojson/signals': geo((now) => signalsGeoJson(ent<TlsEntity>(deps, 'tls'), now), 3600),
    '/api/open/geojson/parking': geo((now) => parkingGeoJson(ent<ParkingEntity>(deps, 'parking'), now), 60),
    '/api/open/geojson/lamps': geo((now) => lampsGeoJson(deps.lampPositions(), ent<LampFaultEntity>(deps, 'lampFaults'), now), 300),
    '/api/open/geojson/links': geo((now) => linksGeoJson(ent<LinkEntity>(deps, 'links'), now), 60),
    '/api/open/history': open(async (_req, res, url) => {
      const p = url.searchParams;
      const entity = p.get('entity') ?? '';
      const metric = p.get('metric') ?? '';
      const fromMs = Number(p.get('fromMs'));
      const toMs = Number(p.get('toMs') ?? Date.now());
      const format = p.get('format') ?? 'csv';
      const prefix = Object.keys(PUBLIC_HISTORY).find((k) => entity.startsWith(k) && entity.length > k.length && entity.length <= 200);
      const metrics = prefix ? PUBLIC_HISTORY[prefix]! : null;
      if (!prefix || !metrics) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `entity must be one of ${Object.keys(PUBLIC_HISTORY).map((k) => k + '{id}').join(', ')}`);
      if (!/^[A-Za-z][A-Za-z0-9.]{0,99}$/.test(metric) || (metrics !== '*' && !metrics.includes(metric))) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `metric ${metric.slice(0, 100)} is not published for ${prefix}*`);
      if (!Number.isInteger(fromMs) || !Number.isInteger(toMs) || fromMs < 0 || toMs < fromMs) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'fromMs and toMs must be epoch milliseconds, fromMs <= toMs');
      if (toMs - fromMs > OPEN_HISTORY_MAX_RANGE_MS) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'at most 31 days per request');
      if (format !== 'csv' && format !== 'json') return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'format must be csv or json');
      const maxPoints = Math.max(2, Math.min(10_000, Math.floor((toMs - fromMs) / OPEN_HISTORY_MIN_STEP_MS)));
      const h = await deps.store.history(entity, metric, fromMs, toMs, maxPoints);
      if (format === 'json') return send(res, 'application/json; charset=utf-8', JSON.stringify({ ...h, licence: OPEN_LICENCE }), 60);
      const lines = ['ts_iso,ts_ms,value'];
      for (let i = 0; i < h.tsMs.length; i++) lines.push(`${new Date(h.tsMs[i]!).toISOString()},${h.tsMs[i]},${h.values[i] ?? ''}`);
      res.setHeader('content-disposition', `attachment; filename="${`${entity}_${metric}`.replace(/[^A-Za-z0-9._-]+/g, '_')}.csv"`);
      send(res, 'text/csv; charset=utf-8', lines.join('\r\n') + '\r\n', 60);
    }),
  };
}
