/**
 * MQTT topic layout, the one place topics are spelled.
 *
 *   city/v1/{kind}/{deviceId}/{channel}
 *
 * `kind` names the device class, `deviceId` is unique within its kind, `channel` is what is said:
 * `meta` (retained: who/where the device is), `state`, `detectors`, `cmd`, `ack`, ...
 * Device ids are restricted to [A-Za-z0-9_-] so they can never inject topic levels or wildcards
 * ([MQTT-4.7.1-1]: '+' and '#' are not allowed in a PUBLISH topic name).
 */
export const TOPIC_ROOT = 'city/v1';

export const DEVICE_KINDS = ['tls', 'transit', 'parking', 'cabinet', 'lamp', 'env', 'weather', 'gauge', 'shorepower', 'construction', 'drone'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const DEVICE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const topics = {
  tlsMeta: (id: string) => `${TOPIC_ROOT}/tls/${id}/meta`,
  tlsDetectors: (id: string) => `${TOPIC_ROOT}/tls/${id}/detectors`,
} as const;

/** Subscriptions the hub makes (one wildcard per channel, not per device). */
export const HUB_SUBSCRIPTIONS = [`${TOPIC_ROOT}/+/+/+`] as const;

export interface ParsedTopic {
  kind: string;
  deviceId: string;
  channel: string;
}

/** Splits a topic without allocating intermediate arrays beyond the result; null when not ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  if (!topic.startsWith(TOPIC_ROOT + '/')) return null;
  const a = TOPIC_ROOT.length + 1;
  const b = topic.indexOf('/', a);
  if (b < 0) return null;
  const c = topic.indexOf('/', b + 1);
  if (c < 0 || topic.indexOf('/', c + 1) >= 0) return null;
  return { kind: topic.slice(a, b), deviceId: topic.slice(b + 1, c), channel: topic.slice(c + 1) };
}
