import { describe, expect, it } from 'vitest';
import type { TlsEntity } from '../../../protocol/index.ts';
import { FamilyStore } from './family-store.svelte.ts';

const e = (id: string, flowVehH: number | null, tsMs: number | null = null): TlsEntity => ({ id, name: id, lon: 0, lat: 0, district: null, flowVehH, occupancyPct: null, tsMs, link: 'live', mode: null, planId: null, cycleSec: null, cycleSecond: null, greens: [], stateTsMs: null });

describe('FamilyStore', () => {
  it('replaces a changed entity with a new object so keyed views re-render it', () => {
    const s = new FamilyStore('tls');
    s.applySnapshot({ family: 'tls', seq: 1, tsMs: 0, entities: [e('a', 100, 1000), e('b', 5, 900)] });
    const before = s.byId.get('a');
    const untouched = s.byId.get('b');
    s.applyDelta({ family: 'tls', seq: 2, tsMs: 0, upserts: [{ id: 'a', flowVehH: 300, tsMs: 2000 }], removes: [] });
    const after = s.list.find((x) => x.id === 'a')!;
    expect(after).not.toBe(before);
    expect(after.flowVehH).toBe(300);
    expect(before!.flowVehH).toBe(100); // the old object was not mutated
    expect(s.byId.get('b')).toBe(untouched);
    expect(s.version).toBe(2);
    expect(s.newestTsMs).toBe(2000);
  });

  it('is stale when no measurement came for twice the expected interval', () => {
    const s = new FamilyStore('tls');
    s.applySnapshot({ family: 'tls', seq: 1, tsMs: 0, entities: [e('a', 1, 10_000)] });
    expect(s.isStale(10_000 + 2 * s.expectedIntervalSec! * 1000)).toBe(false);
    expect(s.isStale(10_000 + 2 * s.expectedIntervalSec! * 1000 + 1)).toBe(true);
    s.applyDelta({ family: 'tls', seq: 2, tsMs: 0, upserts: [], removes: ['a'] });
    expect(s.list).toEqual([]);
    expect(s.isStale(0)).toBe(true); // nothing at all is not "fresh"
  });
});
