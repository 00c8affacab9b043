import { describe, expect, it } from 'vitest';
import { TRANSIT_PAYLOADS } from '../protocol/transit.ts';
import { PARKING_PAYLOADS } from '../protocol/parking.ts';
import { parseTopic } from '../protocol/index.ts';
import { createTransitAndParking } from './transit-parking.ts';

const T0 = Date.UTC(2026, 10, 7, 12, 0, 0); // Saturday 13:00 local
const SCHEMAS: Record<string, Record<string, { safeParse(x: unknown): { success: boolean; error?: unknown } }>> = { ...TRANSIT_PAYLOADS, ...PARKING_PAYLOADS };

describe('createTransitAndParking', () => {
  it('announces lines and garages, then streams positions and parking status that all parse', () => {
    const tp = createTransitAndParking({ seed: 1 });
    const meta = tp.meta(T0);
    expect(meta.filter((m) => m.topic.includes('/transit/')).length).toBeGreaterThan(40);
    expect(meta.filter((m) => m.topic.includes('/parking/')).length).toBeGreaterThan(10);
    const all = [...meta];
    for (let t = T0 + 1000; t <= T0 + 90_000; t += 1000) all.push(...tp.step(t, 1));
    const kinds = new Set<string>();
    for (const m of all) {
      const t = parseTopic(m.topic)!;
      const schema = SCHEMAS[t.kind]?.[t.channel];
      expect(schema, m.topic).toBeDefined();
      const r = schema!.safeParse(JSON.parse(m.payload));
      expect(r.success, `${m.topic}: ${JSON.stringify(r.error)}`).toBe(true);
      kinds.add(`${t.kind}/${t.channel}`);
    }
    expect(kinds).toEqual(new Set(['transit/meta', 'parking/meta', 'transit/position', 'parking/status']));
    const truth = tp.truth();
    expect(truth.transit.vehicles.length).toBeGreaterThan(100);
    expect(truth.parking.length).toBe(meta.filter((m) => m.topic.includes('/parking/')).length);
  });

  it('is deterministic for a seed', () => {
    const a = createTransitAndParking({ seed: 3 });
    const b = createTransitAndParking({ seed: 3 });
    for (let t = T0 + 1000; t <= T0 + 20_000; t += 1000) expect(b.step(t, 1)).toEqual(a.step(t, 1));
  });
});
