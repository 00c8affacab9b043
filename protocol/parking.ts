/**
 * Off-street parking: the garages of the city's dynamic parking guidance system (Parkleitsystem).
 *
 *   city/v1/parking/{garageId}/meta     QoS 1, retained   ParkingMeta
 *   city/v1/parking/{garageId}/status   QoS 0             ParkingStatus: on change + at least every 60 s
 *
 * Names follow DATEX II v2.3 (ParkingTablePublication for the static record, ParkingStatusPublication
 * for the live status) where one exists:
 *   - `totalParkingCapacity`  ← ParkingRecord `parkingNumberOfSpaces` / `totalParkingCapacity`
 *   - `openingTimes`          ← ParkingRecord `openingTimes` (a simplified, structured form)
 *   - `occupiedSpaces`        ← ParkingOccupancy `parkingNumberOfOccupiedSpaces`
 *   - `vacantSpaces`          ← ParkingOccupancy `parkingNumberOfVacantSpaces`
 *   - `occupancy`             ← ParkingOccupancy `parkingOccupancy` / 100 (DATEX uses percent, we 0..1)
 *   - `occupancyTrend`        ← `parkingOccupancyTrend` (increasing | decreasing | stable)
 *   - `parkingSiteStatus`     ← `parkingSiteStatus` (the subset spacesAvailable | almostFull | full |
 *                               closed | statusUnknown; DATEX's `closed` lives in
 *                               parkingSiteOpeningStatus, folded in here)
 *   - `entryRateVehH` / `exitRateVehH` ← `vehicleCountAndRate` (numberOfIncomingVehicles /
 *                               numberOfOutgoingVehicles over a measurement interval), as veh/h
 *
 * occupied + vacant = capacity is checked by the hub against the meta (the schema cannot see it).
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

export const WEEKDAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

const HHMM_RE = /^([01]\d|2[0-4]):[0-5]\d$/;

/** One recurring opening period; `to` may be '24:00'. A period with to <= from runs past midnight. */
export const OpeningPeriod = z.object({
  days: z.array(Weekday).min(1).max(7),
  from: z.string().regex(HHMM_RE, 'from must be HH:MM'),
  to: z.string().regex(HHMM_RE, 'to must be HH:MM (24:00 allowed)'),
});
export type OpeningPeriod = z.infer<typeof OpeningPeriod>;

/** DATEX II `openingTimes`, simplified: always open, or a list of weekly periods (local time). */
export const OpeningTimes = z
  .object({
    alwaysOpen: z.boolean(),
    periods: z.array(OpeningPeriod).max(14).optional(),
  })
  .refine((o) => o.alwaysOpen || (o.periods !== undefined && o.periods.length > 0), {
    message: 'openingTimes needs periods unless alwaysOpen',
    path: ['periods'],
  });
export type OpeningTimes = z.infer<typeof OpeningTimes>;

export const PARKING_TYPES = ['carPark', 'undergroundParking', 'openSpace'] as const;

/** Retained on `city/v1/parking/{id}/meta`. */
export const ParkingMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  /** Zone of the guidance system the garage is signed in. */
  zone: z.string().min(1).max(100),
  lon,
  lat,
  address: z.string().max(200),
  /** Number of spaces (DATEX II parkingNumberOfSpaces / totalParkingCapacity). */
  totalParkingCapacity: z.number().int().positive().max(20_000),
  /** DATEX II parkingLayout-like: multi-storey, underground, surface lot. */
  parkingType: z.enum(PARKING_TYPES).optional(),
  operator: z.string().max(100).optional(),
  openingTimes: OpeningTimes,
  /** True when the capacity (or other facts) are estimates, not published figures. */
  estimated: z.boolean().optional(),
  tsMs,
});
export type ParkingMeta = z.infer<typeof ParkingMeta>;

export const PARKING_SITE_STATUSES = ['spacesAvailable', 'almostFull', 'full', 'closed', 'statusUnknown'] as const;
export const ParkingSiteStatus = z.enum(PARKING_SITE_STATUSES);
export type ParkingSiteStatus = z.infer<typeof ParkingSiteStatus>;

export const OCCUPANCY_TRENDS = ['increasing', 'decreasing', 'stable'] as const;
export const OccupancyTrend = z.enum(OCCUPANCY_TRENDS);
export type OccupancyTrend = z.infer<typeof OccupancyTrend>;

/** `city/v1/parking/{id}/status`. */
export const ParkingStatus = z
  .object({
    tsMs,
    occupiedSpaces: z.number().int().nonnegative().max(20_000),
    vacantSpaces: z.number().int().nonnegative().max(20_000),
    parkingSiteStatus: ParkingSiteStatus,
    /** occupiedSpaces / capacity, 0..1 (DATEX II parkingOccupancy is the same in percent). */
    occupancy: z.number().min(0).max(1),
    occupancyTrend: OccupancyTrend,
    /** Vehicles entering / leaving, per hour, over the device's measurement interval. */
    entryRateVehH: z.number().nonnegative().max(10_000),
    exitRateVehH: z.number().nonnegative().max(10_000),
  })
  .refine(
    (s) => {
      const total = s.occupiedSpaces + s.vacantSpaces;
      return total === 0 || Math.abs(s.occupancy - s.occupiedSpaces / total) <= 0.01;
    },
    { message: 'occupancy must equal occupiedSpaces / (occupiedSpaces + vacantSpaces) (±0.01)', path: ['occupancy'] },
  )
  .refine((s) => s.parkingSiteStatus !== 'full' || s.occupiedSpaces > 0, {
    message: "parkingSiteStatus 'full' with no occupied space",
    path: ['parkingSiteStatus'],
  });
export type ParkingStatus = z.infer<typeof ParkingStatus>;

export const parkingTopics = {
  meta: (garageId: string) => `${TOPIC_ROOT}/parking/${garageId}/meta`,
  status: (garageId: string) => `${TOPIC_ROOT}/parking/${garageId}/status`,
} as const;

/** Payload schema per `{kind}/{channel}`, for the hub's decoder. */
export const PARKING_PAYLOADS = {
  parking: { meta: ParkingMeta, status: ParkingStatus },
} as const;
