import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, topics } from '../../protocol/index.ts';
import { decodeMessage, MAX_FUTURE_MS } from './decode.ts';

const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);
const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const report = (over: Record<string, unknown> = {}) => ({
  tsMs: NOW - 1000,
  intervalSec: 5,
  detectors: [{ id: 'K001-n1', count: 3, occupancyPct: 7.5 }],
  ...over,
});

describe('decodeMessage', () => {
  it('accepts a valid detector report and names its channel', () => {
    const m = decodeMessage(topics.tlsDetectors('K001'), enc(report()), NOW);
    expect(m.ok).toBe(true);
    if (m.ok) {
      expect(m.kind).toBe('tls');
      expect(m.channel).toBe('detectors');
      expect(m.deviceId).toBe('K001');
    }
  });

  it.each([
    ['malformed JSON', topics.tlsDetectors('K001'), enc('{"tsMs": 1,'), 'malformed_json'],
    ['wrong type', topics.tlsDetectors('K001'), enc(report({ intervalSec: 'five' })), 'schema'],
    ['negative count', topics.tlsDetectors('K001'), enc(report({ detectors: [{ id: 'a', count: -1, occupancyPct: 0 }] })), 'schema'],
    ['occupancy over 100 %', topics.tlsDetectors('K001'), enc(report({ detectors: [{ id: 'a', count: 1, occupancyPct: 101 }] })), 'schema'],
    ['no detectors', topics.tlsDetectors('K001'), enc(report({ detectors: [] })), 'schema'],
    ['a JSON array', topics.tlsDetectors('K001'), enc([1, 2]), 'schema'],
    ['far-future timestamp', topics.tlsDetectors('K001'), enc(report({ tsMs: NOW + MAX_FUTURE_MS + 1 })), 'timestamp'],
    ['day-old timestamp', topics.tlsDetectors('K001'), enc(report({ tsMs: NOW - 25 * 3600_000 })), 'timestamp'],
    ['foreign topic', 'other/thing', enc(report()), 'unknown_topic'],
    ['unknown channel', 'city/v1/tls/K001/bogus', enc(report()), 'unknown_topic'],
    ['bad device id', 'city/v1/tls/K 001/detectors', enc(report()), 'bad_device_id'],
  ])('rejects %s', (_name, topic, payload, reason) => {
    const m = decodeMessage(topic, payload, NOW);
    expect(m.ok).toBe(false);
    if (!m.ok) {
      expect(m.reason).toBe(reason);
      expect('detail' in m && m.detail.length).toBeGreaterThan(0);
    }
  });

  it('ignores the hub\'s own commands that come back through its wildcard subscription', () => {
    expect(decodeMessage('city/v1/tls/K001/cmd', enc({}), NOW)).toMatchObject({ ok: false, reason: 'own' });
  });

  it('rejects an unknown device kind', () => {
    expect(decodeMessage('city/v1/toaster/T1/state', enc({ tsMs: NOW }), NOW)).toMatchObject({ ok: false, reason: 'unknown_topic', kind: 'unknown' });
  });

  it('rejects an oversized payload without parsing it', () => {
    const big = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20);
    const m = decodeMessage(topics.tlsDetectors('K001'), big, NOW);
    expect(m).toMatchObject({ ok: false, reason: 'oversized' });
  });

  it('accepts an old retained meta message but not one whose id contradicts the topic', () => {
    const meta = { id: 'K001', name: 'A / B', lon: 6.77, lat: 51.43, approaches: [], detectorIds: [], tsMs: NOW - 30 * 86_400_000 };
    expect(decodeMessage(topics.tlsMeta('K001'), enc(meta), NOW).ok).toBe(true);
    expect(decodeMessage(topics.tlsMeta('K002'), enc(meta), NOW)).toMatchObject({ ok: false, reason: 'schema' });
  });
});
