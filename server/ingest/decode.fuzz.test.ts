/**
 * Property-based fuzzing of the hub's edge (fast-check): whatever arrives on any device topic —
 * random bytes, wrong types, deep nesting, huge documents, unicode and HTML in names — `decodeMessage`
 * never throws, refuses with a known reason, and what it accepts is exactly what the schema allows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_PAYLOADS, MAX_PAYLOAD_BYTES } from '../../protocol/index.ts';
import { decodeMessage, REJECT_REASONS } from './decode.ts';

const NOW = 1_790_000_000_000;
const channels = Object.entries(DEVICE_PAYLOADS).flatMap(([kind, chs]) => Object.keys(chs).map((ch) => [kind, ch] as const));
const enc = new TextEncoder();

function check(kind: string, channel: string, deviceId: string, payload: Uint8Array) {
  const topic = `city/v1/${kind}/${deviceId}/${channel}`;
  let r: ReturnType<typeof decodeMessage>;
  expect(() => (r = decodeMessage(topic, payload, NOW))).not.toThrow();
  if (r!.ok) {
    const schema = (DEVICE_PAYLOADS as Record<string, Record<string, { safeParse(v: unknown): { success: boolean } }>>)[kind]![channel]!;
    expect(schema.safeParse(r!.data).success).toBe(true);
  } else if (r!.reason !== 'own') {
    expect(REJECT_REASONS).toContain(r!.reason);
    expect(typeof r!.detail).toBe('string');
  }
}

/** JSON values including the awkward ones: huge/negative/fractional numbers, unicode, HTML. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string(),
    fc.constantFrom('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'Ünïcödé 🚦 ‮', '\u0000', 'a'.repeat(5000)),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(fc.constantFrom('id', 'tsMs', 'name', 'lon', 'lat', 'state', 'groups', 'approaches', 'x', '__proto__', 'constructor'), tie('value'), { maxKeys: 8 }),
  ),
})).value;

describe('decodeMessage under fuzzing', () => {
  it('random bytes on every device channel', () => {
    fc.assert(
      fc.property(fc.constantFrom(...channels), fc.uint8Array({ maxLength: 2048 }), ([kind, ch], bytes) => check(kind, ch, 'FUZZ1', bytes)),
      { numRuns: 2000 },
    );
  });

  it('random JSON documents (wrong types, unicode, HTML, prototype keys) on every device channel', () => {
    fc.assert(
      fc.property(fc.constantFrom(...channels), jsonish, fc.option(fc.integer({ min: NOW - 48 * 3600_000, max: NOW + 3600_000 })), ([kind, ch], v, ts) => {
        const doc = v && typeof v === 'object' && !Array.isArray(v) && ts !== null ? { ...v, tsMs: ts } : v;
        check(kind, ch, 'FUZZ1', enc.encode(JSON.stringify(doc)));
      }),
      { numRuns: 3000 },
    );
  });

  it('NaN / Infinity spelled out, deep nesting, oversize, and bad device ids', () => {
    for (const [kind, ch] of channels) {
      for (const raw of ['{"tsMs":NaN}', '{"tsMs":Infinity}', '{"tsMs":1e400}', '[' .repeat(100_000) + ']'.repeat(100_000), '{"a":' .repeat(5000) + '1' + '}'.repeat(5000)]) {
        check(kind, ch, 'FUZZ1', enc.encode(raw));
      }
      const big = enc.encode(JSON.stringify({ tsMs: NOW, pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }));
      const r = decodeMessage(`city/v1/${kind}/FUZZ1/${ch}`, big, NOW);
      expect(r.ok === false && r.reason).toBe('oversized');
      for (const id of ['', 'a/b', '../etc', '<x>', 'x'.repeat(65), 'ä']) check(kind, ch, id, enc.encode('{}'));
    }
  });
});
