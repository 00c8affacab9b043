/**
 * Payloads devices publish over MQTT. Every timestamp is UTC milliseconds set by the device
 * (`tsMs`); the hub never trusts its own receive time as the measurement time.
 *
 * Controller/detector notions follow NTCIP 1202 (volume = vehicle count per interval,
 * occupancy = percent of the interval a detector zone was occupied) and OCIT-O.
 */
import { z } from 'zod';
import { TlsMetaSignal } from './signal.ts';
import { DEVICE_ID_RE } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
/** WGS84; longitudes/latitudes of anywhere on earth, finite. */
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

/** Retained on `city/v1/tls/{id}/meta`: a signal installation announces itself. */
export const TlsMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  lon,
  lat,
  district: z.string().max(100).optional(),
  approaches: z
    .array(
      z.object({
        id: deviceId,
        street: z.string().max(200),
        bearingDeg: z.number().min(0).max(360),
        lanes: z.number().int().min(1).max(12),
        /**
         * The road feeding this approach, where the city's GIS knows it: the upstream installation,
         * length and speed limit, and the street's course (first point upstream). Without it the hub
         * infers the upstream installation from the bearing.
         */
        upstream: z
          .object({
            tlsId: deviceId,
            lengthM: z.number().positive().max(20_000),
            speedLimitKmh: z.number().positive().max(130),
            geometry: z.array(z.tuple([lon, lat])).min(2).max(200).optional(),
          })
          .optional(),
      }),
    )
    .max(16),
  detectorIds: z.array(deviceId).max(64),
  generated: z.boolean().optional(),
  /** Signal groups, conflicts, intergreens and the default plan (OCIT-O / RiLSA notions). */
  signal: TlsMetaSignal.optional(),
  tsMs,
});
export type TlsMeta = z.infer<typeof TlsMeta>;

/** `city/v1/tls/{id}/detectors`: one aggregation interval of every detector of an installation. */
export const DetectorReport = z.object({
  tsMs,
  /** Length of the aggregation interval ending at tsMs. */
  intervalSec: z.number().positive().max(3600),
  detectors: z
    .array(
      z.object({
        id: deviceId,
        /** NTCIP 1202 volume: vehicles counted in the interval. */
        count: z.number().int().min(0).max(10_000),
        /** NTCIP 1202 occupancy, 0..100 %. */
        occupancyPct: z.number().min(0).max(100),
      }),
    )
    .min(1)
    .max(64),
});
export type DetectorReport = z.infer<typeof DetectorReport>;

/** Hard cap on any payload the hub will parse; larger ones are quarantined unread. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
