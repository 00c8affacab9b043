import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TransitLineMeta, VehiclePosition, transitTopics, vehiclePositionFromGtfsRt } from './transit.ts';

const TS = 1_795_000_000_000;

const position = {
  trip: { tripId: '901-0-20261105-0812', routeId: '901', directionId: 0, startTime: '08:12:00', startDate: '20261105' },
  vehicle: { id: '901-3', label: '901 Obermarxloh Schleife' },
  position: { latitude: 51.4305, longitude: 6.7745, bearing: 281, speed: 8.3 },
  currentStopSequence: 4,
  stopId: 'KHP',
  currentStatus: 'IN_TRANSIT_TO',
  timestamp: TS / 1000,
  occupancyStatus: 'FEW_SEATS_AVAILABLE',
  tsMs: TS,
  delaySec: 74,
};

const line = {
  id: '901',
  name: '901',
  mode: 'tram',
  colour: '#E3000F',
  operator: 'DVG',
  directions: [
    {
      directionId: 0,
      headsign: 'Obermarxloh Schleife',
      stops: [
        { stopId: 'HBF', name: 'Duisburg Hbf', lon: 6.7745, lat: 51.4305, distanceM: 0 },
        { stopId: 'KHP', name: 'König-Heinrich-Platz', lon: 6.7652, lat: 51.4328, distanceM: 690 },
      ],
      geometry: [
        [6.7745, 51.4305],
        [6.7652, 51.4328],
      ],
      runTimesSec: [80],
      dwellSec: 25,
    },
  ],
  headways: [{ days: 'weekday', fromHour: 6, toHour: 19, headwayMin: 10 }],
  estimated: true,
  tsMs: TS,
};

function issues(r: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }): string {
  return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('VehiclePosition', () => {
  it('accepts a full GTFS-RT style position', () => {
    expect(VehiclePosition.safeParse(position).success).toBe(true);
  });
  it('accepts the minimum: vehicle, position, tsMs', () => {
    expect(VehiclePosition.safeParse({ vehicle: { id: 'x' }, position: { latitude: 51, longitude: 6 }, tsMs: TS }).success).toBe(true);
  });
  it('rejects a vehicle id that could inject topic levels', () => {
    const r = VehiclePosition.safeParse({ ...position, vehicle: { id: 'a/b' } });
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(/vehicle\.id: device id must match/);
  });
  it('rejects an unknown currentStatus and names the allowed values', () => {
    const r = VehiclePosition.safeParse({ ...position, currentStatus: 'DRIVING' });
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(/currentStatus/);
    expect(issues(r)).toMatch(/IN_TRANSIT_TO/);
  });
  it('rejects speed in km/h-like magnitudes and out-of-range latitude', () => {
    expect(issues(VehiclePosition.safeParse({ ...position, position: { ...position.position, speed: 120 } }))).toMatch(/position\.speed/);
    expect(issues(VehiclePosition.safeParse({ ...position, position: { ...position.position, latitude: 91 } }))).toMatch(/position\.latitude/);
  });
  it('rejects a timestamp that disagrees with tsMs (ms passed as seconds)', () => {
    const r = VehiclePosition.safeParse({ ...position, timestamp: TS });
    expect(r.success).toBe(false);
    expect(issues(r)).toMatch(/timestamp.*same instant/);
  });
  it('rejects malformed GTFS start date and time', () => {
    expect(issues(VehiclePosition.safeParse({ ...position, trip: { ...position.trip, startDate: '2026-11-05' } }))).toMatch(/startDate must be YYYYMMDD/);
    expect(issues(VehiclePosition.safeParse({ ...position, trip: { ...position.trip, startTime: '8:12' } }))).toMatch(/startTime must be HH:MM:SS/);
    // GTFS times past midnight of the service day are valid
    expect(VehiclePosition.safeParse({ ...position, trip: { ...position.trip, startTime: '24:35:00' } }).success).toBe(true);
  });
  it('rejects a missing tsMs', () => {
    const { tsMs: _, ...rest } = position;
    expect(issues(VehiclePosition.safeParse(rest))).toMatch(/tsMs/);
  });
});

describe('TransitLineMeta', () => {
  it('accepts a line', () => {
    const r = TransitLineMeta.safeParse(line);
    expect(r.success, issues(r)).toBe(true);
  });
  it('rejects run times that do not match the stops', () => {
    const bad = { ...line, directions: [{ ...line.directions[0]!, runTimesSec: [80, 90] }] };
    expect(issues(TransitLineMeta.safeParse(bad))).toMatch(/runTimesSec must have one entry per pair/);
  });
  it('rejects an unknown mode, a bad colour and a reversed headway band', () => {
    expect(issues(TransitLineMeta.safeParse({ ...line, mode: 'ferry' }))).toMatch(/mode/);
    expect(issues(TransitLineMeta.safeParse({ ...line, colour: 'red' }))).toMatch(/colour must be #RRGGBB/);
    const h = { ...line, headways: [{ days: 'weekday', fromHour: 19, toHour: 6, headwayMin: 10 }] };
    expect(issues(TransitLineMeta.safeParse(h))).toMatch(/fromHour must be before toHour/);
  });
  it('rejects duplicate direction ids and unordered stops', () => {
    const d = line.directions[0]!;
    expect(issues(TransitLineMeta.safeParse({ ...line, directions: [d, d] }))).toMatch(/directionId must be unique/);
    const unordered = { ...d, stops: [d.stops[1]!, d.stops[0]!] };
    expect(issues(TransitLineMeta.safeParse({ ...line, directions: [unordered] }))).toMatch(/ordered by distanceM/);
  });
});

describe('topics', () => {
  it('builds the contract topics', () => {
    expect(transitTopics.position('901-3')).toBe('city/v1/transit/901-3/position');
    expect(transitTopics.lineMeta('U79')).toBe('city/v1/transit/U79/meta');
  });
});

describe('vehiclePositionFromGtfsRt', () => {
  it('maps a decoded entity with enums as numbers and a Long-like timestamp', () => {
    const entity = {
      id: 'e1',
      vehicle: {
        trip: { tripId: 't1', routeId: 'r1', directionId: 1, startTime: '25:10:00', startDate: '20261105' },
        vehicle: { id: 'bus-7', label: '7' },
        position: { latitude: 51.43, longitude: 6.77, bearing: 90, speed: 5 },
        currentStopSequence: 3,
        stopId: 's3',
        currentStatus: 1,
        timestamp: { toNumber: () => TS / 1000 },
        occupancyStatus: 2,
      },
    };
    const p = VehiclePosition.parse(vehiclePositionFromGtfsRt(entity));
    expect(p.currentStatus).toBe('STOPPED_AT');
    expect(p.occupancyStatus).toBe('FEW_SEATS_AVAILABLE');
    expect(p.tsMs).toBe(TS);
    expect(p.trip?.directionId).toBe(1);
  });
  it('falls back to the entity id and the given receive time; null without a position', () => {
    const p = VehiclePosition.parse(vehiclePositionFromGtfsRt({ id: 'v9', vehicle: { position: { latitude: 1, longitude: 2 } } }, TS));
    expect(p.vehicle.id).toBe('v9');
    expect(p.tsMs).toBe(TS);
    expect(vehiclePositionFromGtfsRt({ id: 'x', vehicle: {} })).toBeNull();
  });

  const sample = fileURLToPath(new URL('../../shared/samples/gtfs-rt/vehicle_position.pb', import.meta.url));
  const haveSample = existsSync(sample);
  it.skipIf(!haveSample)(
    haveSample ? 'maps the real GTFS-RT sample (shared/samples/gtfs-rt/vehicle_position.pb)' : 'real GTFS-RT sample: SKIPPED, ../shared/samples/gtfs-rt/vehicle_position.pb is absent',
    async () => {
      const { default: bindings } = await import('gtfs-realtime-bindings');
      const feed = bindings.transit_realtime.FeedMessage.decode(readFileSync(sample));
      expect(feed.entity.length).toBeGreaterThan(0);
      for (const e of feed.entity) {
        const mapped = vehiclePositionFromGtfsRt(e, TS);
        const r = VehiclePosition.safeParse(mapped);
        expect(r.success, issues(r)).toBe(true);
        // The fixture: trip t0, vehicle 1 at 47 N, 122 W, no timestamp, no status.
        expect(r.data?.vehicle.id).toBe('1');
        expect(r.data?.trip?.tripId).toBe('t0');
        expect(r.data?.position.latitude).toBeCloseTo(47, 5);
        expect(r.data?.position.longitude).toBeCloseTo(-122, 5);
        // proto defaults on the prototype must not leak in as if the feed had set them
        expect(r.data?.currentStopSequence).toBeUndefined();
        expect(r.data?.currentStatus).toBeUndefined();
      }
    },
  );
});
