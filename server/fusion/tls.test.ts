import { describe, expect, it } from 'vitest';
import type { TlsEntity } from '../../protocol/index.ts';
import { entityFromMeta, FlowWindow, fuseDetectorReport } from './tls.ts';

const base: TlsEntity = { id: 'K001', name: 'A / B', lon: 6.77, lat: 51.43, district: 'Mitte', flowVehH: null, occupancyPct: null, tsMs: null, link: 'live', mode: null, planId: null, cycleSec: null, cycleSecond: null, greens: [], stateTsMs: null };

describe('fuseDetectorReport', () => {
  it('scales the interval count to vehicles per hour and averages occupancy', () => {
    const f = fuseDetectorReport(base, {
      tsMs: 1000,
      intervalSec: 60,
      detectors: [
        { id: 'a', count: 10, occupancyPct: 10 },
        { id: 'b', count: 5, occupancyPct: 20 },
      ],
    }, new FlowWindow());
    // 15 vehicles in 60 s = 900 veh/h
    expect(f?.patch).toEqual({ id: 'K001', tsMs: 1000, flowVehH: 900, occupancyPct: 15 });
    expect(f?.samples).toEqual([
      ['flowVehH', 900],
      ['occupancyPct', 15],
    ]);
  });

  it('ignores a report that is not newer than the state (out-of-order delivery)', () => {
    const cur = { ...base, tsMs: 5000, flowVehH: 100 };
    const w = new FlowWindow();
    expect(fuseDetectorReport(cur, { tsMs: 5000, intervalSec: 5, detectors: [{ id: 'a', count: 1, occupancyPct: 1 }] }, w)).toBeNull();
    expect(fuseDetectorReport(cur, { tsMs: 4000, intervalSec: 5, detectors: [{ id: 'a', count: 1, occupancyPct: 1 }] }, w)).toBeNull();
    expect(w.flowVehH()).toBe(0); // an ignored report does not count
  });

  it('puts only changed fields in the patch', () => {
    const cur = { ...base, tsMs: 1000, flowVehH: 720, occupancyPct: 3 };
    const f = fuseDetectorReport(cur, { tsMs: 2000, intervalSec: 5, detectors: [{ id: 'a', count: 1, occupancyPct: 3 }] }, new FlowWindow());
    expect(f?.patch).toEqual({ id: 'K001', tsMs: 2000 });
  });
});

describe('link state', () => {
  it('a report from a stale or lost device makes it live again', () => {
    const f = fuseDetectorReport({ ...base, link: 'lost' }, { tsMs: 1, intervalSec: 5, detectors: [{ id: 'a', count: 0, occupancyPct: 0 }] }, new FlowWindow());
    expect(f?.patch.link).toBe('live');
  });
});

describe('FlowWindow', () => {
  it('averages the counts of the last minute', () => {
    const w = new FlowWindow();
    // 12 reports of 5 s, alternating 1 and 2 vehicles: 18 vehicles in 60 s = 1080 veh/h.
    for (let i = 1; i <= 12; i++) w.push(i * 5000, i % 2 ? 1 : 2, 5);
    expect(w.flowVehH()).toBe(1080);
    // 12 more reports of 0 push the old ones out of the window.
    for (let i = 13; i <= 24; i++) w.push(i * 5000, 0, 5);
    expect(w.flowVehH()).toBe(0);
  });

  it('uses what it has right after start', () => {
    const w = new FlowWindow();
    w.push(5000, 2, 5);
    expect(w.flowVehH()).toBe(1440);
  });
});

describe('entityFromMeta', () => {
  it('keeps live values when a device re-announces itself', () => {
    const prev = { ...base, flowVehH: 500, occupancyPct: 4, tsMs: 9 };
    const e = entityFromMeta({ id: 'K001', name: 'New name', lon: 6.8, lat: 51.4, approaches: [], detectorIds: [], tsMs: 1 }, prev);
    expect(e).toMatchObject({ name: 'New name', lon: 6.8, flowVehH: 500, occupancyPct: 4, tsMs: 9, district: null });
  });
});
