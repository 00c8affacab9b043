/**
 * Port shore power (Landstrom): charging points where moored inland vessels and river cruise ships
 * take their hotel load from the grid instead of running their diesel generators.
 *
 *   city/v1/shorepower/{pointId}/meta    retained, QoS 1  ShorePowerMeta
 *   city/v1/shorepower/{pointId}/state   QoS 0            ShorePowerState: on change, every minute
 *                                                          while a vessel is connected, else heartbeat
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

export const SHORE_POWER_STATUSES = ['available', 'charging', 'faulted', 'offline'] as const;
export const ShorePowerStatus = z.enum(SHORE_POWER_STATUSES);
export type ShorePowerStatus = z.infer<typeof ShorePowerStatus>;

/** Who the berth is for: freight barges (Güterschiffe) or river cruise ships (Kabinenschiffe). */
export const BERTH_TYPES = ['freight', 'cruise'] as const;

export const ShorePowerMeta = z.object({
  id: deviceId,
  name: z.string().min(1).max(200),
  /** The berth / quay, e.g. 'Mühlenweide'. */
  site: z.string().min(1).max(100),
  operator: z.string().max(200).optional(),
  berthType: z.enum(BERTH_TYPES),
  lon,
  lat,
  maxPowerKW: z.number().positive().max(10_000),
  voltageV: z.number().positive().max(20_000).optional(),
  tsMs,
});
export type ShorePowerMeta = z.infer<typeof ShorePowerMeta>;

export const ShorePowerState = z.object({
  tsMs,
  status: ShorePowerStatus,
  /** Present while a vessel is connected (status 'charging'). */
  sessionId: z.string().min(1).max(64).optional(),
  vesselName: z.string().min(1).max(100).optional(),
  /** Power delivered right now, kW. */
  powerKW: z.number().min(0).max(10_000),
  /** Energy delivered in the current session (0 when none), kWh. */
  sessionEnergyKWh: z.number().min(0),
  /** Meter reading of the point, cumulative over all sessions, kWh. */
  meterKWh: z.number().min(0).optional(),
});
export type ShorePowerState = z.infer<typeof ShorePowerState>;

export const shorePowerTopics = {
  meta: (id: string) => `${TOPIC_ROOT}/shorepower/${id}/meta`,
  state: (id: string) => `${TOPIC_ROOT}/shorepower/${id}/state`,
} as const;

export const SHOREPOWER_PAYLOADS = {
  shorepower: { meta: ShorePowerMeta, state: ShorePowerState },
} as const;
