import { describe, expect, it } from 'vitest';
import { ParkingMeta, ParkingStatus, parkingTopics } from './parking.ts';

const TS = 1_795_000_000_000;

const meta = {
  id: 'P-FORUM',
  name: 'Parkhaus Forum',
  zone: 'City',
  lon: 6.7685,
  lat: 51.4318,
  address: 'Königstraße, 47051 Duisburg',
  totalParkingCapacity: 900,
  parkingType: 'carPark',
  openingTimes: { alwaysOpen: false, periods: [{ days: ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'], from: '07:00', to: '24:00' }] },
  estimated: true,
  tsMs: TS,
};

const status = {
  tsMs: TS,
  occupiedSpaces: 810,
  vacantSpaces: 90,
  parkingSiteStatus: 'almostFull',
  occupancy: 0.9,
  occupancyTrend: 'increasing',
  entryRateVehH: 240,
  exitRateVehH: 180,
};

function issues(r: { error?: { issues: { message: string; path: PropertyKey[] }[] } }): string {
  return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

describe('ParkingMeta', () => {
  it('accepts a garage', () => {
    const r = ParkingMeta.safeParse(meta);
    expect(r.success, issues(r)).toBe(true);
    expect(ParkingMeta.safeParse({ ...meta, openingTimes: { alwaysOpen: true } }).success).toBe(true);
  });
  it('rejects a zero capacity, a bad id and opening times without periods', () => {
    expect(issues(ParkingMeta.safeParse({ ...meta, totalParkingCapacity: 0 }))).toMatch(/totalParkingCapacity/);
    expect(issues(ParkingMeta.safeParse({ ...meta, id: 'P#1' }))).toMatch(/id: device id must match/);
    expect(issues(ParkingMeta.safeParse({ ...meta, openingTimes: { alwaysOpen: false } }))).toMatch(/needs periods unless alwaysOpen/);
  });
  it('rejects malformed opening hours', () => {
    const bad = { ...meta, openingTimes: { alwaysOpen: false, periods: [{ days: ['Mon'], from: '7:00', to: '25:00' }] } };
    const msg = issues(ParkingMeta.safeParse(bad));
    expect(msg).toMatch(/days/);
    expect(msg).toMatch(/from must be HH:MM/);
    expect(msg).toMatch(/to must be HH:MM/);
  });
});

describe('ParkingStatus', () => {
  it('accepts a status', () => {
    const r = ParkingStatus.safeParse(status);
    expect(r.success, issues(r)).toBe(true);
  });
  it('rejects an occupancy given in percent (DATEX II style) instead of 0..1', () => {
    expect(issues(ParkingStatus.safeParse({ ...status, occupancy: 90 }))).toMatch(/occupancy/);
  });
  it('rejects an occupancy that disagrees with the counts', () => {
    expect(issues(ParkingStatus.safeParse({ ...status, occupancy: 0.5 }))).toMatch(/occupancy must equal occupiedSpaces/);
  });
  it('rejects negative counts, unknown status and trend names', () => {
    expect(issues(ParkingStatus.safeParse({ ...status, vacantSpaces: -1 }))).toMatch(/vacantSpaces/);
    expect(issues(ParkingStatus.safeParse({ ...status, parkingSiteStatus: 'fullAtEntrance' }))).toMatch(/parkingSiteStatus/);
    expect(issues(ParkingStatus.safeParse({ ...status, occupancyTrend: 'rising' }))).toMatch(/occupancyTrend/);
  });
  it('rejects full with nothing parked', () => {
    const r = ParkingStatus.safeParse({ ...status, occupiedSpaces: 0, vacantSpaces: 0, occupancy: 0, parkingSiteStatus: 'full' });
    expect(issues(r)).toMatch(/'full' with no occupied space/);
  });
});

describe('topics', () => {
  it('builds the contract topics', () => {
    expect(parkingTopics.meta('P-FORUM')).toBe('city/v1/parking/P-FORUM/meta');
    expect(parkingTopics.status('P-FORUM')).toBe('city/v1/parking/P-FORUM/status');
  });
});
