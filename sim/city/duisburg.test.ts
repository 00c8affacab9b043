import { describe, expect, it } from 'vitest';
import {
  CITY_BOUNDARY,
  CITY_BOUNDS,
  CITY_CENTRE,
  DEFAULT_OUTER_RING_COUNT,
  INTERSECTIONS,
  LINKS,
  TOTAL_SITES,
  generateOuterRing,
  pointInRing,
} from './duisburg.ts';
import type { Intersection, LngLat } from './types.ts';

// Independent helpers (deliberately not the module's own) so a bug there cannot hide itself.
const R = 6371008.8;
const rad = (d: number) => (d * Math.PI) / 180;
function haversineM(a: LngLat, b: LngLat): number {
  const dLat = rad(b[1] - a[1]);
  const dLon = rad(b[0] - a[0]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}
function xy(p: LngLat, o: LngLat): [number, number] {
  return [rad(p[0] - o[0]) * R * Math.cos(rad(o[1])), rad(p[1] - o[1]) * R];
}
function distToPolylineM(p: LngLat, line: LngLat[]): number {
  let best = Infinity;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = xy(line[i - 1]!, p);
    const [bx, by] = xy(line[i]!, p);
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
  }
  return best;
}
function bearing(a: LngLat, b: LngLat): number {
  const [x, y] = xy(b, a);
  return ((Math.atan2(x, y) * 180) / Math.PI + 360) % 360;
}
const angleDiff = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);
const inBounds = (p: LngLat) =>
  p[0] >= CITY_BOUNDS[0][0] && p[0] <= CITY_BOUNDS[1][0] && p[1] >= CITY_BOUNDS[0][1] && p[1] <= CITY_BOUNDS[1][1];

/** A coarse Rhine centreline through Duisburg (south -> north), independent of the module's. */
const COARSE_RHINE: LngLat[] = [
  [6.725, 51.33],
  [6.69, 51.345],
  [6.67, 51.358],
  [6.7, 51.376],
  [6.728, 51.398],
  [6.738, 51.42],
  [6.738, 51.436],
  [6.722, 51.45],
  [6.715, 51.47],
  [6.7, 51.498],
  [6.692, 51.522],
  [6.706, 51.558],
];
/** Half the river's width plus the error of the coarse line. */
const RHINE_CLEARANCE_M = 200;

/** Königstraße, the pedestrian zone from the Hauptbahnhof forecourt to the Kuhtor (approximate). */
const KOENIGSTRASSE: LngLat[] = [
  [6.7718, 51.4313],
  [6.7628, 51.4336],
];

const byId = new Map(INTERSECTIONS.map((x) => [x.id, x]));
const linkById = new Map(LINKS.map((l) => [l.id, l]));

describe('city geometry', () => {
  it('has the Hauptbahnhof as centre, inside plausible bounds of Duisburg', () => {
    expect(haversineM(CITY_CENTRE, [6.7756, 51.4297])).toBeLessThan(300);
    expect(inBounds(CITY_CENTRE)).toBe(true);
    const [[w, s], [e, n]] = CITY_BOUNDS;
    // Duisburg spans roughly 51.33-51.56 N and 6.62-6.83 E.
    expect(s).toBeGreaterThan(51.3);
    expect(n).toBeLessThan(51.6);
    expect(w).toBeGreaterThan(6.55);
    expect(e).toBeLessThan(6.9);
    expect(haversineM([w, s], [w, n])).toBeGreaterThan(24_000);
  });

  it('has a closed boundary inside the bounds, of roughly the city area (233 km²)', () => {
    expect(CITY_BOUNDARY[0]).toEqual(CITY_BOUNDARY[CITY_BOUNDARY.length - 1]);
    for (const p of CITY_BOUNDARY) expect(inBounds(p), `${p}`).toBe(true);
    let a = 0;
    const o = CITY_CENTRE;
    for (let i = 1; i < CITY_BOUNDARY.length; i++) {
      const [x1, y1] = xy(CITY_BOUNDARY[i - 1]!, o);
      const [x2, y2] = xy(CITY_BOUNDARY[i]!, o);
      a += x1 * y2 - x2 * y1;
    }
    const km2 = Math.abs(a) / 2 / 1e6;
    expect(km2).toBeGreaterThan(200);
    expect(km2).toBeLessThan(270);
    expect(pointInRing(CITY_CENTRE, CITY_BOUNDARY)).toBe(true);
  });
});

describe('INTERSECTIONS', () => {
  it('has at least 60 real sites with unique ids K001...', () => {
    expect(INTERSECTIONS.length).toBeGreaterThanOrEqual(60);
    expect(new Set(INTERSECTIONS.map((x) => x.id)).size).toBe(INTERSECTIONS.length);
    for (const x of INTERSECTIONS) {
      expect(x.id).toMatch(/^K\d{3}$/);
      expect(x.generated).toBeFalsy();
      expect(x.name).toContain('/');
      expect(x.district.length).toBeGreaterThan(0);
    }
  });

  it('starts with five central junctions around the Hauptbahnhof', () => {
    expect(INTERSECTIONS.slice(0, 5).map((x) => x.id)).toEqual(['K001', 'K002', 'K003', 'K004', 'K005']);
    for (const x of INTERSECTIONS.slice(0, 5)) expect(haversineM(x.pos, CITY_CENTRE), x.id).toBeLessThan(800);
  });

  it('places every site inside the bounds and the city, off the Rhine', () => {
    for (const x of INTERSECTIONS) {
      expect(inBounds(x.pos), x.id).toBe(true);
      expect(pointInRing(x.pos, CITY_BOUNDARY), x.id).toBe(true);
      expect(distToPolylineM(x.pos, COARSE_RHINE), x.id).toBeGreaterThan(RHINE_CLEARANCE_M);
    }
  });

  it('keeps every two sites at least 40 m apart', () => {
    for (let i = 0; i < INTERSECTIONS.length; i++) {
      for (let j = i + 1; j < INTERSECTIONS.length; j++) {
        const a = INTERSECTIONS[i]!;
        const b = INTERSECTIONS[j]!;
        expect(haversineM(a.pos, b.pos), `${a.id}-${b.id}`).toBeGreaterThanOrEqual(40);
      }
    }
  });

  it('gives every site 2-5 well-formed approaches', () => {
    for (const x of INTERSECTIONS) {
      expect(x.approaches.length, x.id).toBeGreaterThanOrEqual(2);
      expect(x.approaches.length, x.id).toBeLessThanOrEqual(5);
      expect(new Set(x.approaches.map((a) => a.id)).size, x.id).toBe(x.approaches.length);
      for (const a of x.approaches) {
        expect(a.id, x.id).toMatch(/^[nesw]\d?$/);
        expect(a.street.length).toBeGreaterThan(0);
        expect(a.bearingDeg).toBeGreaterThanOrEqual(0);
        expect(a.bearingDeg).toBeLessThan(360);
        expect(Number.isInteger(a.lanes) && a.lanes >= 1 && a.lanes <= 4, `${x.id}.${a.id}`).toBe(true);
      }
    }
  });

  it('puts nothing on the Königstraße pedestrian zone', () => {
    for (const x of INTERSECTIONS) {
      expect(x.name).not.toContain('Königstraße');
      expect(distToPolylineM(x.pos, KOENIGSTRASSE), x.id).toBeGreaterThan(50);
      for (const a of x.approaches) expect(a.street).not.toContain('Königstraße');
    }
    for (const l of LINKS) {
      expect(l.street).not.toContain('Königstraße');
      // Sample the link: no stretch of it may run along the pedestrian zone.
      for (let i = 1; i < l.geometry.length; i++) {
        const a = l.geometry[i - 1]!;
        const b = l.geometry[i]!;
        for (let t = 0.1; t < 1; t += 0.1) {
          const p: LngLat = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
          expect(distToPolylineM(p, KOENIGSTRASSE), l.id).toBeGreaterThan(25);
        }
      }
    }
  });
});

describe('LINKS', () => {
  it('has unique ids and connects existing, distinct intersections', () => {
    expect(LINKS.length).toBeGreaterThan(INTERSECTIONS.length);
    expect(new Set(LINKS.map((l) => l.id)).size).toBe(LINKS.length);
    for (const l of LINKS) {
      expect(byId.has(l.from), l.id).toBe(true);
      expect(byId.has(l.to), l.id).toBe(true);
      expect(l.from).not.toBe(l.to);
      expect(['motorway', 'trunk', 'primary', 'secondary', 'tertiary']).toContain(l.roadClass);
      expect(l.lanes).toBeGreaterThanOrEqual(1);
      expect([30, 50, 60, 70]).toContain(l.speedLimitKmh);
    }
  });

  it('is one link per direction: every link has its reverse with the same street', () => {
    for (const l of LINKS) {
      const back = LINKS.filter((m) => m.from === l.to && m.to === l.from);
      expect(back.length, l.id).toBe(1);
      expect(back[0]!.street).toBe(l.street);
    }
  });

  it('has geometry from its start to its end intersection, of plausible length', () => {
    for (const l of LINKS) {
      expect(l.geometry.length, l.id).toBeGreaterThanOrEqual(2);
      expect(haversineM(l.geometry[0]!, byId.get(l.from)!.pos), l.id).toBeLessThan(60);
      expect(haversineM(l.geometry[l.geometry.length - 1]!, byId.get(l.to)!.pos), l.id).toBeLessThan(60);
      let len = 0;
      for (let i = 1; i < l.geometry.length; i++) len += haversineM(l.geometry[i - 1]!, l.geometry[i]!);
      expect(len, l.id).toBeGreaterThan(40);
      expect(len, l.id).toBeLessThan(3000);
      // A street does not wander: the polyline is at most 50 % longer than the straight line.
      expect(len / haversineM(l.geometry[0]!, l.geometry[l.geometry.length - 1]!), l.id).toBeLessThan(1.5);
      for (const p of l.geometry) expect(inBounds(p), l.id).toBe(true);
    }
  });

  it('feeds approaches consistently', () => {
    const fed = new Map<string, string>();
    for (const x of INTERSECTIONS) {
      for (const a of x.approaches) {
        if (!a.fromLink) continue;
        const l = linkById.get(a.fromLink);
        expect(l, `${x.id}.${a.id} -> ${a.fromLink}`).toBeDefined();
        expect(l!.to, a.fromLink).toBe(x.id);
        expect(a.street).toBe(l!.street);
        expect(a.lanes).toBe(l!.lanes);
        const g = l!.geometry;
        expect(angleDiff(a.bearingDeg, bearing(g[g.length - 2]!, g[g.length - 1]!)), `${x.id}.${a.id}`).toBeLessThan(10);
        expect(fed.has(a.fromLink), `${a.fromLink} feeds two approaches`).toBe(false);
        fed.set(a.fromLink, `${x.id}.${a.id}`);
      }
    }
    // Every modelled link ends at an approach of its target intersection.
    for (const l of LINKS) expect(fed.get(l.id), l.id).toBeDefined();
    // Most approaches are part of the network (the rest are ramps and side streets).
    const all = INTERSECTIONS.flatMap((x) => x.approaches);
    expect(all.filter((a) => a.fromLink).length / all.length).toBeGreaterThan(0.8);
  });

  it('connects the whole modelled network', () => {
    const adj = new Map<string, string[]>();
    for (const l of LINKS) adj.set(l.from, [...(adj.get(l.from) ?? []), l.to]);
    const seen = new Set(['K001']);
    const queue = ['K001'];
    while (queue.length > 0) for (const n of adj.get(queue.shift()!) ?? []) if (!seen.has(n)) (seen.add(n), queue.push(n));
    expect([...byId.keys()].filter((id) => !seen.has(id))).toEqual([]);
  });
});

describe('generateOuterRing', () => {
  const ring = generateOuterRing(DEFAULT_OUTER_RING_COUNT, 42);

  it('brings the total to about 550 sites', () => {
    expect(TOTAL_SITES).toBe(550);
    expect(ring.length).toBe(DEFAULT_OUTER_RING_COUNT);
    expect(INTERSECTIONS.length + ring.length).toBe(550);
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(generateOuterRing(DEFAULT_OUTER_RING_COUNT, 42)).toEqual(ring);
    expect(generateOuterRing(50, 7)).toEqual(generateOuterRing(50, 7));
    expect(generateOuterRing(50, 8).map((x) => x.pos)).not.toEqual(generateOuterRing(50, 7).map((x) => x.pos));
    expect(generateOuterRing(0, 1)).toEqual([]);
  });

  it('produces well-formed, flagged sites with ids distinct from the real ones', () => {
    const all: Intersection[] = [...INTERSECTIONS, ...ring];
    expect(new Set(all.map((x) => x.id)).size).toBe(all.length);
    for (const x of ring) {
      expect(x.generated).toBe(true);
      expect(x.approaches.length).toBeGreaterThanOrEqual(3);
      expect(x.approaches.length).toBeLessThanOrEqual(4);
      expect(new Set(x.approaches.map((a) => a.id)).size).toBe(x.approaches.length);
      for (const a of x.approaches) {
        expect(a.bearingDeg).toBeGreaterThanOrEqual(0);
        expect(a.bearingDeg).toBeLessThan(360);
        expect(a.fromLink).toBeUndefined();
      }
    }
  });

  it('stays inside the city, off the Rhine, and apart from every other site', () => {
    for (const x of ring) {
      expect(inBounds(x.pos), x.id).toBe(true);
      expect(pointInRing(x.pos, CITY_BOUNDARY), x.id).toBe(true);
      expect(distToPolylineM(x.pos, COARSE_RHINE), x.id).toBeGreaterThan(RHINE_CLEARANCE_M);
    }
    const all = [...INTERSECTIONS, ...ring];
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        expect(haversineM(all[i]!.pos, all[j]!.pos) >= 40, `${all[i]!.id}-${all[j]!.id}`).toBe(true);
      }
    }
  });

  it('spreads over the outer districts on both banks, not the inner city', () => {
    const far = ring.filter((x) => haversineM(x.pos, CITY_CENTRE) > 2500);
    expect(far.length / ring.length).toBeGreaterThan(0.9);
    expect(ring.some((x) => x.pos[1] > 51.52)).toBe(true); // Walsum
    expect(ring.some((x) => x.pos[1] < 51.36)).toBe(true); // Süd: Mündelheim/Serm/Rahm
    const westOfRhine = ring.filter((x) => x.pos[0] < 6.68 && x.pos[1] > 51.38 && x.pos[1] < 51.47); // Rheinhausen/Homberg
    expect(westOfRhine.length).toBeGreaterThan(10);
  });
});
