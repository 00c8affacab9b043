/**
 * The edge of the hub: one MQTT message in, either a typed value or a reason to quarantine it.
 * Pure: no I/O, no clock; the caller passes `nowMs`.
 */
import type { z } from 'zod';
import { DEVICE_ID_RE, DetectorReport, MAX_PAYLOAD_BYTES, TlsMeta, parseTopic } from '../../protocol/index.ts';

export type RejectReason =
  | 'unknown_topic'
  | 'oversized'
  | 'malformed_json'
  | 'schema'
  | 'bad_device_id'
  | 'unknown_device'
  | 'timestamp';

export const REJECT_REASONS: readonly RejectReason[] = [
  'unknown_topic',
  'oversized',
  'malformed_json',
  'schema',
  'bad_device_id',
  'unknown_device',
  'timestamp',
];

/** Schemas by `kind/channel`. Channels the hub publishes itself (cmd) are not listed. */
const SCHEMAS = {
  'tls/meta': TlsMeta,
  'tls/detectors': DetectorReport,
} as const satisfies Record<string, z.ZodType>;

export type Channel = keyof typeof SCHEMAS;
export type Decoded = {
  [C in Channel]: { ok: true; channel: C; kind: string; deviceId: string; data: z.infer<(typeof SCHEMAS)[C]> };
}[Channel];
export type Rejected = { ok: false; reason: RejectReason; detail: string; kind: string };

/** Device clocks may be off by this much before a message is refused as implausible. */
export const MAX_FUTURE_MS = 5 * 60_000;
export const MAX_PAST_MS = 24 * 3600_000;

export function decodeMessage(topic: string, payload: Uint8Array, nowMs: number): Decoded | Rejected {
  const t = parseTopic(topic);
  if (!t) return { ok: false, reason: 'unknown_topic', detail: 'topic outside city/v1/{kind}/{id}/{channel}', kind: 'unknown' };
  const key = `${t.kind}/${t.channel}`;
  const schema = (SCHEMAS as Record<string, z.ZodType>)[key];
  if (!schema) return { ok: false, reason: 'unknown_topic', detail: `no schema for ${key}`, kind: t.kind };
  if (!DEVICE_ID_RE.test(t.deviceId)) return { ok: false, reason: 'bad_device_id', detail: 'device id must match [A-Za-z0-9_-]{1,64}', kind: t.kind };
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return { ok: false, reason: 'oversized', detail: `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`, kind: t.kind };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'malformed_json', detail: (err as Error).message.slice(0, 200), kind: t.kind };
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: 'schema', detail: first.join('; '), kind: t.kind };
  }
  const data = r.data as { tsMs: number; id?: string };
  if (data.id !== undefined && data.id !== t.deviceId) {
    return { ok: false, reason: 'schema', detail: `payload id ${data.id} differs from topic id ${t.deviceId}`, kind: t.kind };
  }
  // Retained meta messages may legitimately be old; measurements may not.
  const tooOld = t.channel !== 'meta' && data.tsMs < nowMs - MAX_PAST_MS;
  if (data.tsMs > nowMs + MAX_FUTURE_MS || tooOld) {
    return { ok: false, reason: 'timestamp', detail: `tsMs ${data.tsMs} is ${Math.round((data.tsMs - nowMs) / 1000)} s from hub time`, kind: t.kind };
  }
  return { ok: true, channel: key as Channel, kind: t.kind, deviceId: t.deviceId, data } as Decoded;
}
