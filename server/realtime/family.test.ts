import { describe, expect, it } from 'vitest';
import type { TlsEntity } from '../../protocol/index.ts';
import { FamilyState } from './family.ts';

const e = (id: string, flow: number | null = null): TlsEntity => ({ id, name: id, lon: 0, lat: 0, district: null, flowVehH: flow, occupancyPct: null, tsMs: null, link: 'live', mode: null, planId: null, cycleSec: null, cycleSecond: null, greens: [], stateTsMs: null });

describe('FamilyState', () => {
  it('numbers deltas consecutively and coalesces patches within a tick (latest wins)', () => {
    const f = new FamilyState<'tls', TlsEntity>('tls');
    f.put(e('a'));
    expect(f.flush(1)?.seq).toBe(1);
    f.patch({ id: 'a', flowVehH: 100 });
    f.patch({ id: 'a', flowVehH: 200 });
    const d = f.flush(2);
    expect(d?.seq).toBe(2);
    expect(d?.upserts).toEqual([{ id: 'a', flowVehH: 200 }]);
    expect(f.flush(3)).toBeNull();
  });

  it('replays what a client missed, or asks for a snapshot when the buffer is exceeded', () => {
    const f = new FamilyState<'tls', TlsEntity>('tls', 3);
    f.put(e('a'));
    for (let i = 0; i < 5; i++) {
      f.patch({ id: 'a', flowVehH: i });
      f.flush(i);
    }
    expect(f.seq).toBe(5);
    expect(f.replaySince(5)).toEqual([]);
    expect(f.replaySince(3)?.map((d) => d.seq)).toEqual([4, 5]);
    expect(f.replaySince(2)?.map((d) => d.seq)).toEqual([3, 4, 5]);
    expect(f.replaySince(1)).toBeNull(); // seq 2 fell out of the buffer
    expect(f.replaySince(9)).toBeNull(); // a seq from the future: another hub's numbering
  });

  it('a snapshot holds pending changes, and the following delta repeats them harmlessly', () => {
    const f = new FamilyState<'tls', TlsEntity>('tls');
    f.put(e('a', 1));
    f.flush(0);
    f.patch({ id: 'a', flowVehH: 7 });
    const s = f.snapshot(1);
    expect(s.seq).toBe(1);
    expect(s.entities[0]?.flowVehH).toBe(7);
    expect(f.flush(2)).toMatchObject({ seq: 2, upserts: [{ id: 'a', flowVehH: 7 }] });
  });

  it('ignores patches for unknown entities and reports removals', () => {
    const f = new FamilyState<'tls', TlsEntity>('tls');
    f.patch({ id: 'ghost', flowVehH: 1 });
    expect(f.flush(0)).toBeNull();
    f.put(e('a'));
    f.flush(1);
    f.remove('a');
    expect(f.flush(2)).toMatchObject({ upserts: [], removes: ['a'] });
  });
});
