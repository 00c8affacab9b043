import { describe, expect, it } from 'vitest';
import type { ParkingEntity } from '../../../protocol/index.ts';
import { FamilyStore } from './family-store.svelte.ts';

const g = (id: string, vacant: number | null, tsMs: number): ParkingEntity => ({ id, name: id, zone: 'City', lon: 0, lat: 0, capacity: 200, capacityEstimated: false, occupied: vacant === null ? null : 200 - vacant, vacant, status: 'spacesAvailable', trend: null, tsMs, link: 'live' });

describe('FamilyStore replay overlay', () => {
  it('shows the replayed state while live deltas keep updating the live state in the background', () => {
    const s = new FamilyStore('parking');
    s.applySnapshot({ family: 'parking', seq: 1, tsMs: 0, entities: [g('a', 20, 1000), g('b', 5, 1000)] });
    s.showReplay([g('a', 150, 500)]);
    expect(s.replaying).toBe(true);
    expect(s.list.map((e) => [e.id, e.vacant])).toEqual([['a', 150]]);
    expect(s.byId.get('a')!.vacant).toBe(150);
    expect(s.newestTsMs).toBe(500);
    const v = s.version;
    s.applyDelta({ family: 'parking', seq: 2, tsMs: 0, upserts: [{ id: 'a', vacant: 10, tsMs: 2000 }], removes: ['b'] });
    // Not shown while replaying …
    expect(s.list.map((e) => e.vacant)).toEqual([150]);
    expect(s.version).toBe(v);
    // … but there at once when going back to live.
    s.showLive();
    expect(s.replaying).toBe(false);
    expect(s.list.map((e) => [e.id, e.vacant])).toEqual([['a', 10]]);
    expect(s.newestTsMs).toBe(2000);
    expect(s.version).toBe(v + 1);
  });

  it('takes a fresh live snapshot during a replay without showing it, and a later replay step replaces the shown one', () => {
    const s = new FamilyStore('parking');
    s.showReplay([g('a', 1, 1)]);
    s.applySnapshot({ family: 'parking', seq: 7, tsMs: 0, entities: [g('c', 3, 3000)] });
    expect(s.list.map((e) => e.id)).toEqual(['a']);
    s.showReplay([g('a', 2, 2), g('d', 4, 2)]);
    expect(s.list.map((e) => [e.id, e.vacant])).toEqual([['a', 2], ['d', 4]]);
    s.showLive();
    expect(s.list.map((e) => e.id)).toEqual(['c']);
  });
});
