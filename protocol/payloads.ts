/**
 * Every channel a device may publish, by `kind` and `channel`, with its schema: the table the hub
 * decodes with. Channels the hub itself publishes (`tls/cmd`) are in HUB_CHANNELS instead.
 */
import type { z } from 'zod';
import { CONSTRUCTION_PAYLOADS } from './construction.ts';
import { DRONE_PAYLOADS } from './drone.ts';
import { ENVIRONMENT_PAYLOADS } from './environment.ts';
import { LIGHTING_PAYLOADS } from './lighting.ts';
import { DetectorReport, TlsMeta } from './mqtt.ts';
import { PARKING_PAYLOADS } from './parking.ts';
import { SHOREPOWER_PAYLOADS } from './shorepower.ts';
import { PlanAck, TlsState, TlsTruth } from './signal.ts';
import { TRANSIT_PAYLOADS } from './transit.ts';

export const DEVICE_PAYLOADS = {
  tls: { meta: TlsMeta, detectors: DetectorReport, state: TlsState, ack: PlanAck, truth: TlsTruth },
  ...TRANSIT_PAYLOADS,
  ...PARKING_PAYLOADS,
  ...LIGHTING_PAYLOADS,
  ...ENVIRONMENT_PAYLOADS,
  ...SHOREPOWER_PAYLOADS,
  ...CONSTRUCTION_PAYLOADS,
  ...DRONE_PAYLOADS,
} as const satisfies Record<string, Record<string, z.ZodType>>;

export type PayloadKind = keyof typeof DEVICE_PAYLOADS;
export type PayloadOf<K extends PayloadKind, C extends keyof (typeof DEVICE_PAYLOADS)[K]> = z.infer<
  (typeof DEVICE_PAYLOADS)[K][C] extends z.ZodType ? (typeof DEVICE_PAYLOADS)[K][C] : never
>;

/** Channels the hub publishes (commands to devices); the hub hears its own and ignores them. */
export const HUB_CHANNELS: Readonly<Record<string, readonly string[]>> = { tls: ['cmd', 'stage'] };

/**
 * Binary channels: not JSON, never given to the JSON decoder. The hub routes them to their own
 * reader before decoding (drone video: protocol/video.ts, server/video).
 */
export const BINARY_CHANNELS: Readonly<Record<string, readonly string[]>> = { drone: ['video'] };
export const isBinaryChannel = (kind: string, channel: string): boolean => BINARY_CHANNELS[kind]?.includes(channel) ?? false;
