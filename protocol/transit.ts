/**
 * Public transport: vehicle positions and the static line network.
 *
 *   city/v1/transit/{vehicleId}/position   QoS 0, not retained   VehiclePosition
 *   city/v1/transit/{lineId}/meta          QoS 1, retained       TransitLineMeta
 *
 * `VehiclePosition` is the JSON mapping of a GTFS-Realtime `VehiclePosition` (gtfs-realtime.proto,
 * field names in lowerCamelCase as protobuf's JSON mapping spells them): `trip`, `vehicle`,
 * `position` (speed in m/s, bearing in degrees clockwise from north), `currentStopSequence`,
 * `stopId`, `currentStatus`, `timestamp` (POSIX seconds) and `occupancyStatus`, with enum values as
 * their proto names. Two fields are ours: `tsMs` (UTC ms, the contract's device timestamp) and
 * `delaySec`, the delay a TripUpdate's StopTimeEvent would carry (positive = late). Unlike proto3
 * JSON, `timestamp` is a JSON number, not a string (seconds fit a double exactly).
 *
 * NOTE for the hub: under kind `transit`, `meta` is keyed by *line* id and `position` by *vehicle*
 * id. A position's line is `trip.routeId`; the `unknown_device` check has to look that up, not the
 * vehicle id. Vehicle ids and line ids share one namespace and never collide (vehicle ids carry a
 * `-n` suffix, line ids do not).
 *
 * `TransitLineMeta` carries what a GTFS static feed would (routes.txt, stops.txt, shapes.txt, and
 * the frequency-based pattern of frequencies.txt) for one line, compacted into one message.
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const lngLat = z.tuple([lon, lat]);

// ---- VehiclePosition (GTFS-Realtime) ------------------------------------------------------------

/** gtfs-realtime.proto VehiclePosition.VehicleStopStatus, in proto enum order (0, 1, 2). */
export const VEHICLE_STOP_STATUSES = ['INCOMING_AT', 'STOPPED_AT', 'IN_TRANSIT_TO'] as const;
export const VehicleStopStatus = z.enum(VEHICLE_STOP_STATUSES);
export type VehicleStopStatus = z.infer<typeof VehicleStopStatus>;

/** gtfs-realtime.proto VehiclePosition.OccupancyStatus, in proto enum order (0 … 8). */
export const OCCUPANCY_STATUSES = [
  'EMPTY',
  'MANY_SEATS_AVAILABLE',
  'FEW_SEATS_AVAILABLE',
  'STANDING_ROOM_ONLY',
  'CRUSHED_STANDING_ROOM_ONLY',
  'FULL',
  'NOT_ACCEPTING_PASSENGERS',
  'NO_DATA_AVAILABLE',
  'NOT_BOARDABLE',
] as const;
export const OccupancyStatus = z.enum(OCCUPANCY_STATUSES);
export type OccupancyStatus = z.infer<typeof OccupancyStatus>;

/** GTFS `start_time`: HH:MM:SS of the service day; hours may exceed 23 for trips after midnight. */
const GTFS_TIME_RE = /^([0-3]?\d|4[0-7]):[0-5]\d:[0-5]\d$/;
/** GTFS `start_date`: YYYYMMDD of the service day. */
const GTFS_DATE_RE = /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/;

/** gtfs-realtime.proto TripDescriptor (the fields we use; all optional there as here). */
export const TripDescriptor = z.object({
  tripId: z.string().min(1).max(200).optional(),
  routeId: z.string().min(1).max(100).optional(),
  directionId: z.union([z.literal(0), z.literal(1)]).optional(),
  startTime: z.string().regex(GTFS_TIME_RE, 'startTime must be HH:MM:SS (GTFS time, hours up to 47)').optional(),
  startDate: z.string().regex(GTFS_DATE_RE, 'startDate must be YYYYMMDD').optional(),
});
export type TripDescriptor = z.infer<typeof TripDescriptor>;

/** gtfs-realtime.proto VehicleDescriptor. `id` is required here: it is the topic's device id. */
export const VehicleDescriptor = z.object({
  id: deviceId,
  label: z.string().max(200).optional(),
});

/** gtfs-realtime.proto Position. */
export const GtfsPosition = z.object({
  latitude: lat,
  longitude: lon,
  /** Degrees clockwise from true north, 0 = north. */
  bearing: z.number().min(0).max(360).optional(),
  /** Momentary speed, metres per second (GTFS-RT unit). 70 m/s = 252 km/h is a generous bound. */
  speed: z.number().min(0).max(70).optional(),
});

/** `city/v1/transit/{vehicleId}/position`. */
export const VehiclePosition = z
  .object({
    trip: TripDescriptor.optional(),
    vehicle: VehicleDescriptor,
    position: GtfsPosition,
    /** stop_sequence of the current stop (the one stopped at, or the next one). */
    currentStopSequence: z.number().int().nonnegative().optional(),
    stopId: z.string().min(1).max(100).optional(),
    /** GTFS-RT default when absent is IN_TRANSIT_TO. */
    currentStatus: VehicleStopStatus.optional(),
    /** POSIX time in seconds of the position (GTFS-RT `timestamp`). */
    timestamp: z.number().int().nonnegative().optional(),
    occupancyStatus: OccupancyStatus.optional(),
    /** Ours: UTC milliseconds when the position was taken (set by the device). */
    tsMs,
    /** Ours: current delay against the timetable, seconds, positive = late (StopTimeEvent.delay). */
    delaySec: z.number().int().min(-3600).max(86_400).optional(),
  })
  .refine((p) => p.timestamp === undefined || Math.abs(p.timestamp * 1000 - p.tsMs) < 1000, {
    message: 'timestamp (POSIX seconds) and tsMs (ms) must denote the same instant (within 1 s)',
    path: ['timestamp'],
  });
export type VehiclePosition = z.infer<typeof VehiclePosition>;

// ---- TransitLineMeta ----------------------------------------------------------------------------

export const TRANSIT_MODES = ['tram', 'bus', 'lightrail'] as const;
export const TransitMode = z.enum(TRANSIT_MODES);
export type TransitMode = z.infer<typeof TransitMode>;

export const DAY_TYPES = ['weekday', 'saturday', 'sunday'] as const;
export const DayType = z.enum(DAY_TYPES);
export type DayType = z.infer<typeof DayType>;

export const TransitStop = z.object({
  stopId: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  lon,
  lat,
  /** Distance along the direction's geometry from its first point, metres. */
  distanceM: z.number().nonnegative(),
});
export type TransitStop = z.infer<typeof TransitStop>;

/** Geometry is capped so that a line's meta stays well inside the hub's 64 KiB payload limit. */
export const MAX_LINE_GEOMETRY_POINTS = 600;
export const MAX_LINE_STOPS = 120;

export const TransitDirection = z
  .object({
    directionId: z.union([z.literal(0), z.literal(1)]),
    /** Destination shown on the vehicle (GTFS trip_headsign). */
    headsign: z.string().min(1).max(200),
    stops: z.array(TransitStop).min(2).max(MAX_LINE_STOPS),
    /** Route geometry [lon, lat] from the first to the last stop (GTFS shapes.txt). */
    geometry: z.array(lngLat).min(2).max(MAX_LINE_GEOMETRY_POINTS),
    /** Scheduled running time between consecutive stops, seconds, without dwell; length = stops - 1. */
    runTimesSec: z.array(z.number().positive().max(7200)),
    /** Scheduled dwell at every intermediate stop, seconds. */
    dwellSec: z.number().nonnegative().max(600),
  })
  .refine((d) => d.runTimesSec.length === d.stops.length - 1, {
    message: 'runTimesSec must have one entry per pair of consecutive stops (stops.length - 1)',
    path: ['runTimesSec'],
  })
  .refine((d) => d.stops.every((s, i) => i === 0 || s.distanceM >= d.stops[i - 1]!.distanceM), {
    message: 'stops must be ordered by distanceM along the geometry',
    path: ['stops'],
  });
export type TransitDirection = z.infer<typeof TransitDirection>;

/** One band of the timetable pattern: from `fromHour` (incl.) to `toHour` (excl.), local time. */
export const HeadwayBand = z
  .object({
    days: DayType,
    /** Local hours of the service day; may exceed 24 for service after midnight (GTFS style). */
    fromHour: z.number().min(0).max(30),
    toHour: z.number().min(0).max(30),
    headwayMin: z.number().positive().max(240),
  })
  .refine((b) => b.fromHour < b.toHour, { message: 'fromHour must be before toHour', path: ['toHour'] });
export type HeadwayBand = z.infer<typeof HeadwayBand>;

/** Retained on `city/v1/transit/{lineId}/meta`. */
export const TransitLineMeta = z
  .object({
    id: deviceId,
    /** Public line name as signed: '901', 'U79', '934'. */
    name: z.string().min(1).max(20),
    longName: z.string().max(200).optional(),
    mode: TransitMode,
    /** Line colour, #RRGGBB (GTFS route_color with a leading '#'). */
    colour: z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'colour must be #RRGGBB'),
    operator: z.string().max(100).optional(),
    directions: z.array(TransitDirection).min(1).max(2),
    headways: z.array(HeadwayBand).min(1).max(100),
    /** True when stops and geometry are approximate (not surveyed / not from the operator's GTFS). */
    estimated: z.boolean().optional(),
    /** True for lines the simulator generated to fill the outer districts (not a real line). */
    generated: z.boolean().optional(),
    tsMs,
  })
  .refine((m) => new Set(m.directions.map((d) => d.directionId)).size === m.directions.length, {
    message: 'directionId must be unique within a line',
    path: ['directions'],
  });
export type TransitLineMeta = z.infer<typeof TransitLineMeta>;

// ---- topics -------------------------------------------------------------------------------------

export const transitTopics = {
  lineMeta: (lineId: string) => `${TOPIC_ROOT}/transit/${lineId}/meta`,
  position: (vehicleId: string) => `${TOPIC_ROOT}/transit/${vehicleId}/position`,
} as const;

/** Payload schema per `{kind}/{channel}`, for the hub's decoder. */
export const TRANSIT_PAYLOADS = {
  transit: { meta: TransitLineMeta, position: VehiclePosition },
} as const;

// ---- GTFS-Realtime → our payload ----------------------------------------------------------------

/**
 * The shape of a decoded `transit_realtime.FeedEntity` (gtfs-realtime-bindings / protobufjs) as far
 * as we read it. Declared structurally so protocol/ needs no dependency on the bindings: enums may
 * arrive as numbers (decoded message) or names (`toJSON()`), uint64 as number, string or Long.
 */
type Uint64Like = number | string | { toNumber(): number } | null | undefined;
export interface GtfsRtFeedEntityLike {
  id?: string | null;
  vehicle?: {
    trip?: {
      tripId?: string | null;
      routeId?: string | null;
      directionId?: number | null;
      startTime?: string | null;
      startDate?: string | null;
    } | null;
    vehicle?: { id?: string | null; label?: string | null } | null;
    position?: { latitude?: number | null; longitude?: number | null; bearing?: number | null; speed?: number | null } | null;
    currentStopSequence?: number | null;
    stopId?: string | null;
    currentStatus?: number | string | null;
    timestamp?: Uint64Like;
    occupancyStatus?: number | string | null;
  } | null;
}

function toNum(x: Uint64Like): number | undefined {
  if (x === null || x === undefined) return undefined;
  if (typeof x === 'number') return x;
  if (typeof x === 'string') return x === '' ? undefined : Number(x);
  return x.toNumber();
}

function enumName<T extends readonly string[]>(names: T, v: number | string | null | undefined): T[number] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return names[v];
  return (names as readonly string[]).includes(v) ? (v as T[number]) : undefined;
}

/** Copies only the keys whose value is not undefined (zod rejects nothing for them, but JSON stays clean). */
function defined<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out as T;
}

/**
 * Maps one GTFS-Realtime FeedEntity carrying a VehiclePosition to our `VehiclePosition` payload
 * (not yet validated: parse the result with `VehiclePosition`). Pure. `fallbackTsMs` is used when
 * the feed has no `timestamp` (GTFS-RT allows that; use the feed header's timestamp or the receive
 * time). The vehicle id falls back to the entity id when the VehicleDescriptor has none.
 * Returns null when the entity carries no vehicle position.
 */
export function vehiclePositionFromGtfsRt(entity: GtfsRtFeedEntityLike, fallbackTsMs?: number): unknown {
  // Decoded protobufjs messages keep proto defaults (0, '', IN_TRANSIT_TO) on the prototype: read
  // own properties only, so a field the feed did not set stays absent instead of becoming 0.
  const v = own(entity, 'vehicle');
  const pos = v ? own(v, 'position') : undefined;
  if (!v || !pos) return null;
  const ts = toNum(own(v, 'timestamp'));
  const hasTs = ts !== undefined && ts > 0;
  const t = own(v, 'trip');
  const trip = t
    ? defined({
        tripId: own(t, 'tripId') || undefined,
        routeId: own(t, 'routeId') || undefined,
        directionId: own(t, 'directionId'),
        startTime: own(t, 'startTime') || undefined,
        startDate: own(t, 'startDate') || undefined,
      })
    : undefined;
  const vd = own(v, 'vehicle');
  return defined({
    trip,
    vehicle: defined({ id: (vd && own(vd, 'id')) || own(entity, 'id') || undefined, label: (vd && own(vd, 'label')) || undefined }),
    position: defined({
      latitude: own(pos, 'latitude'),
      longitude: own(pos, 'longitude'),
      bearing: own(pos, 'bearing'),
      speed: own(pos, 'speed'),
    }),
    currentStopSequence: own(v, 'currentStopSequence'),
    stopId: own(v, 'stopId') || undefined,
    currentStatus: enumName(VEHICLE_STOP_STATUSES, own(v, 'currentStatus')),
    timestamp: hasTs ? ts : undefined,
    occupancyStatus: enumName(OCCUPANCY_STATUSES, own(v, 'occupancyStatus')),
    tsMs: hasTs ? ts * 1000 : fallbackTsMs,
  });
}

function own<T extends object, K extends keyof T>(o: T, k: K): T[K] | undefined {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}
