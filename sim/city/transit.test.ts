import { describe, expect, it } from 'vitest';
import { CITY_BOUNDARY, INTERSECTIONS, RHINE_CENTRELINE, distanceM, pointInRing, polylineDistance } from './duisburg.ts';
import { ALL_STOPS, REAL_LINES, TRANSIT_LINES, departuresOfDay, headwayAt, serviceDayOf, tripDurationSec } from './transit.ts';

const byId = new Map(INTERSECTIONS.map((x) => [x.id, x]));

describe('transit network data', () => {
  it('has the real lines named in the brief and at least six bus lines with >= 8 stops', () => {
    const ids = REAL_LINES.map((l) => l.id);
    for (const id of ['901', '903', 'U79', '920', '921', '923', '924', '926', '934']) expect(ids).toContain(id);
    for (const l of TRANSIT_LINES.filter((x) => x.mode === 'bus')) expect(l.directions[0].stops.length, l.id).toBeGreaterThanOrEqual(8);
    expect(TRANSIT_LINES.filter((l) => l.generated).every((l) => l.operator === 'generated')).toBe(true);
  });

  it('keeps stops inside Duisburg (except the marked 903 stops in Dinslaken) and ids topic-safe', () => {
    for (const s of ALL_STOPS.values()) {
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      if (!s.outsideCity) expect(pointInRing(s.pos, CITY_BOUNDARY), `${s.id} ${s.name}`).toBe(true);
    }
  });

  it('keeps generated lines inside the city and on one bank of the Rhine', () => {
    const generated = TRANSIT_LINES.filter((l) => l.generated);
    expect(generated.length).toBeGreaterThanOrEqual(40);
    for (const l of generated) {
      const g = l.directions[0].geometry;
      const side = polylineDistance(g[0]!, RHINE_CENTRELINE).side;
      for (const p of g) {
        expect(pointInRing(p, CITY_BOUNDARY), l.id).toBe(true);
        expect(polylineDistance(p, RHINE_CENTRELINE).side, l.id).toBe(side);
      }
    }
  });

  it('directions run start to end through their stops, the reverse mirrors the forward', () => {
    for (const l of TRANSIT_LINES) {
      const [d0, d1] = l.directions;
      expect(d0.stops[0]!.distM).toBe(0);
      expect(d0.stops.at(-1)!.distM).toBeCloseTo(d0.lengthM, 6);
      expect(d1.stops.map((s) => s.id)).toEqual([...d0.stops.map((s) => s.id)].reverse());
      expect(Math.abs(d1.lengthM - d0.lengthM)).toBeLessThan(2); // local projection: ~cm per segment
      expect(d0.runTimesSec.length).toBe(d0.stops.length - 1);
      for (const r of d0.runTimesSec) expect(r).toBeGreaterThan(0);
      // consecutive stops are between 100 m and 4 km apart (926 crosses the Rhine on the A40 non-stop)
      for (let i = 1; i < d0.stops.length; i++) {
        const gap = d0.stops[i]!.distM - d0.stops[i - 1]!.distM;
        expect(gap, `${l.id} ${d0.stops[i - 1]!.name} -> ${d0.stops[i]!.name}`).toBeGreaterThan(100);
        expect(gap, `${l.id} ${d0.stops[i - 1]!.name} -> ${d0.stops[i]!.name}`).toBeLessThan(4000);
      }
    }
  });

  it('lists the signalised junctions a route crosses with an existing approach roughly along its heading', () => {
    for (const l of TRANSIT_LINES) {
      for (const d of l.directions) {
        for (const s of d.signals) {
          const x = byId.get(s.intersectionId)!;
          expect(x.approaches.map((a) => a.id)).toContain(s.approachId);
          expect(s.headingErrDeg).toBeLessThanOrEqual(60);
          // the stop line position is the junction on the geometry
          const i = d.cumM.findIndex((c) => Math.abs(c - s.distM) < 1e-6);
          expect(distanceM(d.geometry[i]!, x.pos)).toBeLessThan(1);
        }
      }
    }
    const bus920 = TRANSIT_LINES.find((l) => l.id === '920')!;
    expect(bus920.directions[0].signals.map((s) => s.intersectionId)).toContain('K029');
    expect(bus920.directions[0].links.length).toBeGreaterThan(5);
  });

  it('derives departures from the headway pattern', () => {
    const l = REAL_LINES.find((x) => x.id === '901')!;
    const wed = serviceDayOf(Date.UTC(2026, 10, 4, 11, 0, 0));
    expect(wed.dayType).toBe('weekday');
    expect(wed.date).toBe('20261104');
    expect(headwayAt(l.headways, 'weekday', 10)).toBe(10);
    expect(headwayAt(l.headways, 'weekday', 21)).toBe(15);
    expect(headwayAt(l.headways, 'weekday', 2)).toBeNull();
    const deps = departuresOfDay(l, 0, wed);
    const at = (h: number) => wed.midnightMs + h * 3_600_000;
    const inDay = deps.filter((t) => t >= at(7) && t < at(18));
    expect(inDay.length).toBeGreaterThanOrEqual(65);
    expect(inDay.length).toBeLessThanOrEqual(67);
    // after midnight (service-day hours > 24) the last trips still belong to the day
    expect(deps.at(-1)!).toBeGreaterThan(at(24));
    const sat = serviceDayOf(Date.UTC(2026, 10, 7, 1, 0, 0)); // Saturday 02:00 local = Friday's service day
    expect(sat.date).toBe('20261106');
    expect(tripDurationSec(TRANSIT_LINES[0]!.directions[0])).toBeGreaterThan(20 * 60);
  });
});
