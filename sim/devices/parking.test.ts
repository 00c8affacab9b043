import { describe, expect, it } from 'vitest';
import { ParkingMeta, ParkingStatus } from '../../protocol/parking.ts';
import { parseTopic } from '../../protocol/index.ts';
import { GARAGES, TOTAL_PARKING_CAPACITY } from '../city/parking.ts';
import { ALMOST_FULL_AT, FULL_AT, HEARTBEAT_MS, ParkingGuidance, isOpenAt, parkingSiteStatusFor } from './parking.ts';
import type { Msg } from './transit.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** Monday 2 November 2026, 00:00 in Duisburg (CET = UTC+1). */
const MON_0000 = Date.UTC(2026, 10, 1, 23, 0, 0);
const at = (day: number, hour: number) => MON_0000 + day * 24 * HOUR + hour * HOUR;

function runTo(p: ParkingGuidance, fromMs: number, toMs: number, dtSec: number, each?: (t: number, msgs: Msg[]) => void): Msg[] {
  const all: Msg[] = [];
  for (let t = fromMs + dtSec * 1000; t <= toMs; t += dtSec * 1000) {
    const m = p.step(t, dtSec);
    each?.(t, m);
    all.push(...m);
  }
  return all;
}

const occ = (p: ParkingGuidance, id: string) => {
  const g = p.truth().find((x) => x.id === id)!;
  return g.occupied / g.capacity;
};
const total = (p: ParkingGuidance) => p.truth().reduce((s, g) => s + g.occupied, 0) / TOTAL_PARKING_CAPACITY;

describe('parking data', () => {
  it('has ~5,000 spaces in the three zones of the guidance system', () => {
    expect(TOTAL_PARKING_CAPACITY).toBeGreaterThan(4500);
    expect(TOTAL_PARKING_CAPACITY).toBeLessThan(5600);
    expect(new Set(GARAGES.map((g) => g.zone))).toEqual(new Set(['City', 'Innenhafen', 'Randbereich']));
    expect(new Set(GARAGES.map((g) => g.id)).size).toBe(GARAGES.length);
  });
});

describe('status thresholds', () => {
  it('follows almostFull >= 90 %, full >= 98 % or no vacancy, closed when closed', () => {
    expect(ALMOST_FULL_AT).toBe(0.9);
    expect(FULL_AT).toBe(0.98);
    expect(parkingSiteStatusFor(0, 500, true)).toBe('spacesAvailable');
    expect(parkingSiteStatusFor(449, 500, true)).toBe('spacesAvailable');
    expect(parkingSiteStatusFor(450, 500, true)).toBe('almostFull');
    expect(parkingSiteStatusFor(489, 500, true)).toBe('almostFull');
    expect(parkingSiteStatusFor(490, 500, true)).toBe('full');
    expect(parkingSiteStatusFor(500, 500, true)).toBe('full');
    expect(parkingSiteStatusFor(10, 10, true)).toBe('full'); // no vacancy
    expect(parkingSiteStatusFor(9, 10, true)).toBe('almostFull');
    expect(parkingSiteStatusFor(300, 500, false)).toBe('closed');
  });
  it('reads opening times, including periods past midnight', () => {
    const shop = GARAGES.find((g) => g.id === 'P-FORUM')!.openingTimes;
    expect(isOpenAt(shop, 0, 6 * 60 + 59)).toBe(false);
    expect(isOpenAt(shop, 0, 7 * 60)).toBe(true);
    expect(isOpenAt(shop, 6, 9 * 60)).toBe(false); // Sunday before 10
    const night = { alwaysOpen: false, periods: [{ days: ['Fr' as const], from: '18:00', to: '02:00' }] };
    expect(isOpenAt(night, 4, 23 * 60)).toBe(true);
    expect(isOpenAt(night, 5, 60)).toBe(true);
    expect(isOpenAt(night, 5, 3 * 60)).toBe(false);
  });
});

describe('ParkingGuidance', () => {
  it('is deterministic for a seed', () => {
    const a = runTo(new ParkingGuidance({ seed: 4 }), at(0, 8), at(0, 10), 5);
    const b = runTo(new ParkingGuidance({ seed: 4 }), at(0, 8), at(0, 10), 5);
    const c = runTo(new ParkingGuidance({ seed: 5 }), at(0, 8), at(0, 10), 5);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('never exceeds capacity or goes negative, even with a large event; every message parses and agrees', () => {
    const p = new ParkingGuidance({ seed: 2 });
    p.addEvent(['P-UCI', 'P-TAM', 'P-KHP'], at(5, 18), at(5, 22), 3000);
    const cap = new Map(GARAGES.map((g) => [g.id, g.capacity]));
    for (const m of p.meta(at(0, 0))) {
      expect(ParkingMeta.safeParse(JSON.parse(m.payload)).success).toBe(true);
      expect(m.retain).toBe(true);
    }
    runTo(p, at(0, 0), at(7, 0), 60, (_, msgs) => {
      for (const g of p.truth()) {
        expect(g.occupied).toBeGreaterThanOrEqual(0);
        expect(g.occupied).toBeLessThanOrEqual(g.capacity);
        expect(g.eventCars).toBeGreaterThanOrEqual(0);
      }
      for (const m of msgs) {
        const r = ParkingStatus.safeParse(JSON.parse(m.payload));
        expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
        const s = r.data!;
        const t = parseTopic(m.topic)!;
        expect(t).toMatchObject({ kind: 'parking', channel: 'status' });
        expect(s.occupiedSpaces + s.vacantSpaces).toBe(cap.get(t.deviceId));
        if (s.parkingSiteStatus !== 'closed') expect(s.parkingSiteStatus).toBe(parkingSiteStatusFor(s.occupiedSpaces, cap.get(t.deviceId)!, true));
      }
    });
  });

  it('follows the daily pattern: busy by day, empty at night, Saturday shopping peak, evening leisure', () => {
    const p = new ParkingGuidance({ seed: 1 });
    const samples: Record<string, number> = {};
    const marks: [string, number][] = [
      ['mon03', at(0, 3)],
      ['mon11', at(0, 11)],
      ['wed14', at(2, 14)],
      ['wed21', at(2, 21)],
      ['sat14', at(5, 14)],
      ['sat21', at(5, 21)],
    ];
    let k = 0;
    runTo(p, at(0, 0), at(5, 22), 60, (t) => {
      while (k < marks.length && t >= marks[k]![1]) {
        samples[`${marks[k]![0]}`] = total(p);
        samples[`${marks[k]![0]}:forum`] = occ(p, 'P-FORUM');
        samples[`${marks[k]![0]}:uci`] = occ(p, 'P-UCI');
        samples[`${marks[k]![0]}:hbf`] = occ(p, 'P-HBF');
        k++;
      }
    });
    expect(samples['mon11']!).toBeGreaterThan(samples['mon03']! + 0.3);
    expect(samples['mon03']!).toBeLessThan(0.2);
    expect(samples['sat14:forum']!).toBeGreaterThan(samples['wed14:forum']! + 0.15);
    expect(samples['sat14:forum']!).toBeGreaterThanOrEqual(0.85);
    expect(samples['wed21:uci']!).toBeGreaterThan(samples['wed14:uci']!);
    expect(samples['sat21:uci']!).toBeGreaterThan(0.7);
    expect(samples['mon03:hbf']!).toBeGreaterThan(0.2); // long-stay rail travellers overnight
  });

  it('an event fills its garages, turns cars away, and empties after it ends', () => {
    const p = new ParkingGuidance({ seed: 9 });
    p.addEvent(['P-UCI'], at(2, 10), at(2, 13), 1500);
    runTo(p, at(2, 8), at(2, 12.5), 30);
    const during = p.truth().find((g) => g.id === 'P-UCI')!;
    expect(during.status).toBe('full');
    expect(during.turnedAway).toBeGreaterThan(0);
    expect(during.eventCars).toBeGreaterThan(100);
    runTo(p, at(2, 12.5), at(2, 16), 30);
    expect(p.truth().find((g) => g.id === 'P-UCI')!.eventCars).toBeLessThan(20);
    expect(() => p.addEvent(['P-NOPE'], 0, 1, 1)).toThrow(/unknown garage/);
  });

  it('closes shopping garages at night', () => {
    const p = new ParkingGuidance({ seed: 1 });
    runTo(p, at(1, 2), at(1, 3), 60);
    expect(p.truth().find((g) => g.id === 'P-FORUM')!.status).toBe('closed');
    expect(p.truth().find((g) => g.id === 'P-HBF')!.status).not.toBe('closed');
  });

  it('reports on change, at most every 10 s, and at least every 60 s', () => {
    const p = new ParkingGuidance({ seed: 6 });
    const last = new Map<string, number>();
    const msgs = runTo(p, at(5, 12), at(5, 14), 1);
    for (const m of msgs) {
      const id = parseTopic(m.topic)!.deviceId;
      const ts = (JSON.parse(m.payload) as { tsMs: number }).tsMs;
      const prev = last.get(id);
      if (prev !== undefined) {
        expect(ts - prev).toBeLessThanOrEqual(HEARTBEAT_MS);
        expect(ts - prev).toBeGreaterThanOrEqual(10_000);
      }
      last.set(id, ts);
    }
    expect(last.size).toBe(GARAGES.length);
    // busy garages report more often than the heartbeat
    expect(msgs.length).toBeGreaterThan(GARAGES.length * 120);
  });
});
