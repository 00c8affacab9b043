/**
 * GTFS tables: the same behaviour from SQLite and PostgreSQL (called from store-suite.ts inside
 * each backend's suite, with a fresh database per test).
 */
import { expect, it } from 'vitest';
import type { Store } from './types.ts';

export function gtfsSuite(store: () => Store, reopen: () => Promise<Store>): void {
  it('gtfs: an import writes its batches, survives a reopen and a re-import replaces the feed', async () => {
    const w = await store().gtfs.beginImport('vrr');
    await w.add('stops', [
      { stopId: 'A', name: 'Meiderich', lat: 51.465, lon: 6.774 },
      { stopId: 'B', name: 'Hbf', lat: 51.43, lon: 6.775 },
    ]);
    await w.add('routes', [{ routeId: 'R1', agencyId: null, shortName: '901', longName: null, routeType: 0, color: 'E30613' }]);
    await w.add('trips', [{ tripId: 'T1', routeId: 'R1', serviceId: 'WD', headsign: 'Hbf', directionId: 0, shapeId: 'S' }]);
    await w.add('stopTimes', [
      { tripId: 'T1', stopSequence: 2, stopId: 'B', arrivalSec: 25_380, departureSec: 25_380 },
      { tripId: 'T1', stopSequence: 1, stopId: 'A', arrivalSec: null, departureSec: 25_200 },
    ]);
    await w.add('shapes', [
      { shapeId: 'S', seq: 2, lat: 51.43, lon: 6.775 },
      { shapeId: 'S', seq: 1, lat: 51.465, lon: 6.774 },
    ]);
    await w.add('calendar', [{ serviceId: 'WD', days: '1111100', startDate: '20260101', endDate: '20261231' }]);
    await w.commit({ stops: 2 }, 1000);
    const s = await reopen();
    expect(await s.gtfs.feeds()).toEqual([{ feedId: 'vrr', importedMs: 1000, counts: { stops: 2 } }]);
    expect((await s.gtfs.stops('vrr')).map((x) => x.stopId)).toEqual(['A', 'B']);
    expect(await s.gtfs.routes('vrr')).toEqual([{ routeId: 'R1', agencyId: null, shortName: '901', longName: null, routeType: 0, color: 'E30613' }]);
    expect(await s.gtfs.tripSummaries('vrr', 'R1')).toEqual([{ tripId: 'T1', routeId: 'R1', serviceId: 'WD', headsign: 'Hbf', directionId: 0, shapeId: 'S', firstDepartureSec: 25_200, stopCount: 2 }]);
    expect((await s.gtfs.stopTimes('vrr', 'T1')).map((x) => [x.stopSequence, x.arrivalSec])).toEqual([
      [1, null],
      [2, 25_380],
    ]);
    expect(await s.gtfs.shape('vrr', 'S')).toEqual([
      [6.774, 51.465],
      [6.775, 51.43],
    ]);
    expect((await s.gtfs.calendar('vrr'))[0]!.days).toBe('1111100');
    // Re-import: the old rows are gone, other feeds untouched.
    const other = await s.gtfs.beginImport('other');
    await other.add('stops', [{ stopId: 'X', name: 'X', lat: 1, lon: 2 }]);
    await other.commit({ stops: 1 }, 2000);
    const again = await s.gtfs.beginImport('vrr');
    await again.add('stops', [{ stopId: 'C', name: 'C', lat: 51, lon: 6 }]);
    await again.commit({ stops: 1 }, 3000);
    expect((await s.gtfs.stops('vrr')).map((x) => x.stopId)).toEqual(['C']);
    expect(await s.gtfs.routes('vrr')).toEqual([]);
    expect((await s.gtfs.stops('other')).map((x) => x.stopId)).toEqual(['X']);
  });

  it('gtfs: an aborted import leaves no half feed', async () => {
    const w = await store().gtfs.beginImport('broken');
    await w.add('stops', [{ stopId: 'A', name: 'A', lat: 1, lon: 2 }]);
    await w.abort();
    expect(await store().gtfs.stops('broken')).toEqual([]);
    expect(await store().gtfs.feeds()).toEqual([]);
  });
}
