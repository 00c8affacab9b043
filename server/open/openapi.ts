/** OpenAPI 3.1 paths of the open data API and the gateway (merged into /api/openapi.json by server/http/history-routes.ts). */
import { OPEN_RATE_PER_MIN } from '../../protocol/index.ts';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const LIMIT = { '429': { ...err(`More than ${OPEN_RATE_PER_MIN} requests per minute from this address (E_RATE_LIMITED); see Retry-After (seconds).`), headers: { 'retry-after': { schema: { type: 'integer' } } } } };
const body = (type: string, description: string) => ({ description, content: { [type]: { schema: type.includes('json') ? { type: 'object' } : { type: 'string' } } } });
const pub = (summary: string, type: string, description: string, extra: object = {}) => ({
  get: { summary, security: [], tags: ['open data'], ...extra, responses: { '200': body(type, description), ...LIMIT } },
});
const fmt = { parameters: [{ name: 'format', in: 'query', required: false, description: '`json`: the protobuf JSON mapping instead of binary protobuf.', schema: { type: 'string', enum: ['json'] } }] };

export function openOpenApiPaths() {
  return {
    '/api/open': pub('Every open dataset: {datasets: [{id, title, format, url, licence, updateSec}]} (public, no login).', 'application/json', 'The dataset list (protocol/open.ts OpenIndex).'),
    '/api/open/gtfs-rt/vehicle-positions': pub('Live transit vehicle positions as a GTFS-Realtime FeedMessage (FULL_DATASET).', 'application/x-protobuf', 'gtfs-realtime.proto FeedMessage with VehiclePosition entities.', fmt),
    '/api/open/gtfs-rt/trip-updates': pub('Live delays as a GTFS-Realtime FeedMessage of TripUpdates (TripUpdate.delay).', 'application/x-protobuf', 'gtfs-realtime.proto FeedMessage with TripUpdate entities.', fmt),
    '/api/open/datex2/parking-status': pub('Live garage occupancy, DATEX II v2.3 ParkingStatusPublication.', 'application/xml', 'd2LogicalModel with a parkingStatusPublication.'),
    '/api/open/datex2/parking-table': pub('Garage records (name, location, spaces), DATEX II v2.3 ParkingTablePublication.', 'application/xml', 'd2LogicalModel with a parkingTablePublication.'),
    '/api/open/geojson/construction': pub('Construction sites (polygons, lanes closed, period).', 'application/geo+json', 'GeoJSON FeatureCollection.'),
    '/api/open/geojson/signals': pub('Signal installations: position, name, district, in service (no plans or control state).', 'application/geo+json', 'GeoJSON FeatureCollection.'),
    '/api/open/geojson/parking': pub('Garages with capacity and live occupancy.', 'application/geo+json', 'GeoJSON FeatureCollection.'),
    '/api/open/geojson/lamps': pub('Street lamps: position and whether a fault is reported.', 'application/geo+json', 'GeoJSON FeatureCollection.'),
    '/api/open/geojson/links': pub('Road links with their traffic state (flow, speed, level of service, travel time).', 'application/geo+json', 'GeoJSON FeatureCollection.'),
    '/api/open/history': pub('Historical aggregates (bucket averages of at least 1 min) of public series: parking occupied/vacant, environment, gauges, SensorThings sensors, signal flows.', 'text/csv', '`ts_iso,ts_ms,value` (or JSON with format=json).', {
      parameters: [
        { name: 'entity', in: 'query', required: true, description: '`parking:{id}`, `env:{id}`, `weather:{id}`, `gauge:{id}`, `sensorthings:{id}`, `tls:{id}`.', schema: { type: 'string' } },
        { name: 'metric', in: 'query', required: true, description: 'e.g. `occupied`, `no2UgM3`, `waterLevelCm`, `flowVehH`.', schema: { type: 'string' } },
        { name: 'fromMs', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
        { name: 'toMs', in: 'query', required: false, description: 'Default now; at most 31 days after fromMs.', schema: { type: 'integer', minimum: 0 } },
        { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['csv', 'json'], default: 'csv' } },
      ],
    }),
    '/api/gateway/sources': {
      get: {
        summary: 'The standards gateway’s sources (config/sources.json) with their last document report and error (admin).',
        responses: { '200': body('application/json', '`{"sources":[SourceStatus]}`.'), '401': err('Not logged in (E_UNAUTHENTICATED).'), '403': err('Role may not read the quarantine (E_FORBIDDEN).') },
      },
    },
  };
}
