/**
 * The fire brigade's drone (UAS): position, attitude of the camera, battery and flight mode.
 *
 *   city/v1/drone/{droneId}/meta        retained, QoS 1  DroneMeta
 *   city/v1/drone/{droneId}/telemetry   QoS 0            DroneTelemetry, 1-5 Hz in flight
 *
 * Angles: `headingDeg` and `camera.yawDeg` are degrees clockwise from true north in the earth frame
 * (not relative to the airframe), so the dashboard can draw the camera footprint without knowing the
 * airframe's attitude. `camera.pitchDeg` is 0 at the horizon, negative below it (-90 = nadir).
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const bearing = z.number().min(0).max(360);

/** `landing` is the final vertical descent after `rtl` (return to launch) reached home. */
export const FLIGHT_MODES = ['landed', 'takeoff', 'transit', 'orbit', 'rtl', 'landing'] as const;
export const FlightMode = z.enum(FLIGHT_MODES);
export type FlightMode = z.infer<typeof FlightMode>;

export const DroneMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  model: z.string().min(1).max(200),
  operator: z.string().max(200).optional(),
  homeLon: lon,
  homeLat: lat,
  /** Cruise ground speed, m/s. */
  cruiseSpeedMs: z.number().positive().max(100).optional(),
  tsMs,
});
export type DroneMeta = z.infer<typeof DroneMeta>;

export const CameraPose = z.object({
  /** 0 = horizon, negative = below it, -90 = straight down. */
  pitchDeg: z.number().min(-90).max(90),
  /** Earth frame, degrees clockwise from true north. */
  yawDeg: bearing,
  hfovDeg: z.number().positive().max(180),
  vfovDeg: z.number().positive().max(180),
});
export type CameraPose = z.infer<typeof CameraPose>;

export const DroneTelemetry = z.object({
  tsMs,
  lat,
  lon,
  /** Height above ground (take-off point), m. */
  altM: z.number().min(-50).max(1000),
  headingDeg: bearing,
  groundSpeedMs: z.number().min(0).max(100),
  batteryPct: z.number().min(0).max(100),
  flightMode: FlightMode,
  camera: CameraPose,
  missionId: z.string().regex(DEVICE_ID_RE).optional(),
});
export type DroneTelemetry = z.infer<typeof DroneTelemetry>;

export const droneTopics = {
  meta: (id: string) => `${TOPIC_ROOT}/drone/${id}/meta`,
  telemetry: (id: string) => `${TOPIC_ROOT}/drone/${id}/telemetry`,
} as const;

export const DRONE_PAYLOADS = {
  drone: { meta: DroneMeta, telemetry: DroneTelemetry },
} as const;
