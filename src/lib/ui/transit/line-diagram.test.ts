import { describe, expect, it } from 'vitest';
import type { TransitLineMeta, TransitVehicleEntity } from '../../../../protocol/index.ts';
import { distanceAlong, layoutLine, scheduledHeadwaySec, scheduledSecBetween, stopIndexAt } from './line-diagram.ts';

const LAT = 51.44;
const lonAt = (m: number) => 6.74 + m / (111_320 * Math.cos((LAT * Math.PI) / 180));
const STOPS = [0, 1, 2, 3, 4].map((i) => ({ stopId: `S${i}`, name: `Halt ${i}`, lon: lonAt(i * 500), lat: LAT, distanceM: i * 500 }));
const line: TransitLineMeta = {
  id: 'L1',
  name: '901',
  mode: 'tram',
  colour: '#aa3377',
  directions: [
    { directionId: 0, headsign: 'Halt 4', stops: STOPS, geometry: STOPS.map((s) => [s.lon, s.lat] as [number, number]), runTimesSec: [120, 120, 120, 120], dwellSec: 20 },
    {
      directionId: 1,
      headsign: 'Halt 0',
      stops: [...STOPS].reverse().map((s, i) => ({ ...s, distanceM: i * 500 })),
      geometry: [...STOPS].reverse().map((s) => [s.lon, s.lat] as [number, number]),
      runTimesSec: [120, 120, 120, 120],
      dwellSec: 20,
    },
  ],
  // 10 min all day on weekdays, 20 min at weekends.
  headways: [
    { days: 'weekday', fromHour: 0, toHour: 30, headwayMin: 10 },
    { days: 'saturday', fromHour: 0, toHour: 30, headwayMin: 20 },
    { days: 'sunday', fromHour: 0, toHour: 30, headwayMin: 20 },
  ],
  tsMs: 0,
} as TransitLineMeta;
const WEDNESDAY_NOON = Date.UTC(2026, 0, 14, 11, 0); // 12:00 CET
const veh = (id: string, atM: number, directionId: 0 | 1, delaySec = 0): TransitVehicleEntity => ({
  id,
  lineId: 'L1',
  lineName: '901',
  mode: 'tram',
  color: '#aa3377',
  tripId: `${id}-t`,
  directionId,
  lon: lonAt(atM),
  lat: LAT + 0.00005, // a few metres off the track, as GPS is
  bearingDeg: null,
  speedKmh: null,
  delaySec,
  status: null,
  stopId: null,
  tsMs: 0,
  link: 'live',
});

describe('line diagram layout', () => {
  it('projects a fix onto the route and places it between the stops around it', () => {
    expect(distanceAlong(line.directions[0]!.geometry, lonAt(1250), LAT + 0.0001)).toBeCloseTo(1250, -1);
    expect(stopIndexAt(line.directions[0]!, 1250)).toBeCloseTo(2.5, 5);
    expect(stopIndexAt(line.directions[0]!, -10)).toBe(0);
    expect(stopIndexAt(line.directions[0]!, 99_999)).toBe(4);
  });

  it('counts scheduled running time and the dwells passed between two positions', () => {
    const d = line.directions[0]!;
    expect(scheduledSecBetween(d, 2.5, 3.4)).toBeCloseTo(0.5 * 120 + 20 + 0.4 * 120, 6);
    expect(scheduledSecBetween(d, 0, 4)).toBe(4 * 120 + 3 * 20);
    expect(scheduledSecBetween(d, 1, 1)).toBe(0);
  });

  it('takes the timetable band of the local day type', () => {
    expect(scheduledHeadwaySec(line, WEDNESDAY_NOON)).toBe(600);
    expect(scheduledHeadwaySec(line, Date.UTC(2026, 0, 17, 11, 0))).toBe(1200); // Saturday
  });

  it('flags two vehicles closer than half the scheduled headway as bunched, and not vehicles far apart', () => {
    const lay = layoutLine(line, [veh('a', 1250, 0, 60), veh('b', 1700, 0, 400), veh('c', 100, 0), veh('d', 300, 1), veh('x', 0, 0)].filter((v) => v.id !== 'x'), WEDNESDAY_NOON);
    const by = new Map(lay.vehicles.map((p) => [p.vehicle.id, p]));
    expect(lay.stops.map((s) => s.stopId)).toEqual(['S0', 'S1', 'S2', 'S3', 'S4']);
    // a follows b by 128 s < 300 s: both flagged. c follows a by 2.3 stops ≈ 5 min: not bunched.
    expect(by.get('a')).toMatchObject({ bunched: true, aheadId: 'b' });
    expect(by.get('a')!.headwaySec).toBeCloseTo(128, 1);
    expect(by.get('b')).toMatchObject({ bunched: true, aheadId: null });
    expect(by.get('c')).toMatchObject({ bunched: false, aheadId: 'a' });
    // Direction 1 runs from Halt 4: 300 m east of Halt 0 is its stop position 3.4, mirrored onto
    // direction 0's axis 0.6.
    expect(by.get('d')!.stopPos).toBeCloseTo(3.4, 1);
    expect(by.get('d')!.axisPos).toBeCloseTo(0.6, 1);
    expect(by.get('d')!.bunched).toBe(false);
    expect(lay.bunchedCount).toBe(2);
    // At the weekend the headway is 20 min: a–c (≈ 5 min) is now bunched too.
    const sat = layoutLine(line, [veh('a', 1250, 0), veh('b', 1700, 0), veh('c', 100, 0)], Date.UTC(2026, 0, 17, 11, 0));
    expect(sat.vehicles.every((p) => p.bunched)).toBe(true);
  });

  it('ignores vehicles of other lines', () => {
    expect(layoutLine(line, [{ ...veh('z', 100, 0), lineId: 'L2' }], WEDNESDAY_NOON).vehicles).toEqual([]);
  });
});
