/**
 * The edge of the hub: one MQTT message in, either a validated value or a reason to quarantine it.
 * Pure: no I/O, no clock; the caller passes `nowMs`.
 */
import type { z } from 'zod';
import { DEVICE_ID_RE, DEVICE_PAYLOADS, HUB_CHANNELS, MAX_PAYLOAD_BYTES, isBinaryChannel, parseTopic } from '../../protocol/index.ts';

export type RejectReason =
  | 'unknown_topic'
  | 'oversized'
  | 'malformed_json'
  | 'schema'
  | 'bad_device_id'
  | 'unknown_device'
  | 'timestamp'
  | 'duplicate'
  | 'rate_limited'
  | 'internal_error';

export const REJECT_REASONS: readonly RejectReason[] = [
  'unknown_topic',
  'oversized',
  'malformed_json',
  'schema',
  'bad_device_id',
  'unknown_device',
  'timestamp',
  'duplicate',
  'rate_limited',
  'internal_error',
];

/** A message that passed its schema. `data` has the type of DEVICE_PAYLOADS[kind][channel]. */
export interface Decoded {
  ok: true;
  kind: string;
  channel: string;
  deviceId: string;
  data: unknown;
  /** Device time of the message (every payload has one). */
  tsMs: number;
}
export type Rejected = { ok: false; reason: RejectReason; detail: string; kind: string };
/** The hub's own publications (commands) come back through its wildcard subscription. */
export type Ignored = { ok: false; reason: 'own'; kind: string };

/** Device clocks may be off by this much before a message is refused as implausible. */
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PAST_MS = 24 * 3600_000;

const SCHEMAS = DEVICE_PAYLOADS as unknown as Record<string, Record<string, z.ZodType> | undefined>;

export function decodeMessage(topic: string, payload: Uint8Array, nowMs: number): Decoded | Rejected | Ignored {
  const t = parseTopic(topic);
  if (!t) return { ok: false, reason: 'unknown_topic', detail: 'topic outside city/v1/{kind}/{id}/{channel}', kind: 'unknown' };
  const kind = Object.hasOwn(SCHEMAS, t.kind) ? t.kind : 'unknown';
  if (HUB_CHANNELS[kind]?.includes(t.channel)) return { ok: false, reason: 'own', kind };
  // Binary channels (drone video) have their own reader (server/video); never JSON-parse them.
  if (isBinaryChannel(kind, t.channel)) return { ok: false, reason: 'unknown_topic', detail: `${t.kind}/${t.channel} is binary, not read here`, kind };
  const schema = kind === 'unknown' ? undefined : Object.hasOwn(SCHEMAS[kind]!, t.channel) ? SCHEMAS[kind]![t.channel] : undefined;
  if (!schema) return { ok: false, reason: 'unknown_topic', detail: `no schema for ${t.kind}/${t.channel}`, kind };
  if (!DEVICE_ID_RE.test(t.deviceId)) return { ok: false, reason: 'bad_device_id', detail: 'device id must match [A-Za-z0-9_-]{1,64}', kind };
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: 'oversized', detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`, kind };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed_json', detail: (err as Error).message.slice(0, 200), kind };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: 'schema', detail: first.join('; '), kind };
  }
  const data = r.data as { tsMs: number; id?: string };
  if (t.channel === 'meta' && data.id !== undefined && data.id !== t.deviceId) {
    return { ok: false, reason: 'schema', detail: `payload id ${data.id} differs from topic id ${t.deviceId}`, kind };
  }
  // Retained meta messages may legitimately be old; measurements may not.
  const tooOld = t.channel !== 'meta' && data.tsMs < nowMs - MAX_PAST_MS;
  if (data.tsMs > nowMs + MAX_FUTURE_MS || tooOld) {
    return { ok: false, reason: 'timestamp', detail: `tsMs ${data.tsMs} is ${Math.round((data.tsMs - nowMs) / 1000)} s from hub time`, kind };
  }
  return { ok: true, kind, channel: t.channel, deviceId: t.deviceId, data, tsMs: data.tsMs };
}
