import { describe, expect, it } from 'vitest';
import { CITY_BOUNDARY, RHINE_CENTRELINE, pointInRing, polylineDistance } from './duisburg.ts';
import { DEFAULT_LAMP_COUNT, TECHNOLOGIES, generateLampInventory } from './lighting.ts';

const inv = generateLampInventory({ count: DEFAULT_LAMP_COUNT, seed: 1 });

describe('lamp inventory', () => {
  it('has exactly 46,000 lamps with unique, topic-safe ids, in ~460 cabinets', () => {
    expect(inv.lampIds.length).toBe(46_000);
    expect(new Set(inv.lampIds).size).toBe(46_000);
    for (const id of inv.lampIds) expect(id).toMatch(/^SK\d{4}-\d{3}$/);
    expect(inv.cabinets.length).toBeGreaterThanOrEqual(400);
    expect(inv.cabinets.length).toBeLessThanOrEqual(600);
    expect(new Set(inv.cabinets.map((c) => c.id)).size).toBe(inv.cabinets.length);
  });

  it('cabinets feed ~50-150 contiguous lamps each', () => {
    let next = 0;
    for (const [k, c] of inv.cabinets.entries()) {
      expect(c.firstLamp).toBe(next);
      next += c.lampCount;
      expect(c.lampCount).toBeLessThanOrEqual(150);
      expect(c.lampCount).toBeGreaterThan(0);
      for (let i = c.firstLamp; i < c.firstLamp + c.lampCount; i++) expect(inv.cabinet[i]).toBe(k);
    }
    expect(next).toBe(inv.lampIds.length);
    const small = inv.cabinets.filter((c) => c.lampCount < 50);
    expect(small.length).toBeLessThan(inv.cabinets.length * 0.02);
  });

  it('every lamp lies inside the city, off the Rhine, with 5-decimal coordinates', () => {
    for (let i = 0; i < inv.lampIds.length; i += 7) {
      const p = [inv.lon[i]!, inv.lat[i]!] as const;
      expect(pointInRing(p, CITY_BOUNDARY)).toBe(true);
      expect(polylineDistance(p, RHINE_CENTRELINE).distanceM).toBeGreaterThan(200);
      expect(Math.abs(p[0] * 1e5 - Math.round(p[0] * 1e5))).toBeLessThan(1e-6);
    }
  });

  it('a cabinet and its lamps are neighbours (within 1.2 km; 2 km along a main road)', () => {
    const R = 6371008.8;
    for (const c of inv.cabinets) {
      for (let i = c.firstLamp; i < c.firstLamp + c.lampCount; i++) {
        const dx = ((inv.lon[i]! - c.lon) * Math.PI * R * Math.cos((c.lat * Math.PI) / 180)) / 180;
        const dy = ((inv.lat[i]! - c.lat) * Math.PI * R) / 180;
        expect(Math.hypot(dx, dy)).toBeLessThan(c.mainRoad ? 2000 : 1200);
      }
    }
  });

  it('has a plausible technology mix and connected load', () => {
    const share = TECHNOLOGIES.map((_, t) => inv.tech.filter((x) => x === t).length / inv.tech.length);
    expect(share[0]).toBeGreaterThan(0.45); // LED
    expect(share[0]).toBeLessThan(0.7);
    expect(share[1]).toBeGreaterThan(0.2); // sodium
    let w = 0;
    for (const x of inv.nominalW) w += x;
    expect(w / inv.nominalW.length).toBeGreaterThan(30);
    expect(w / inv.nominalW.length).toBeLessThan(70);
    // Lamps along the modelled main roads exist and are grouped in main-road cabinets.
    expect(inv.cabinets.filter((c) => c.mainRoad).length).toBeGreaterThan(5);
  });

  it('is deterministic for (count, seed) and scales down', () => {
    const a = generateLampInventory({ count: 3000, seed: 9 });
    const b = generateLampInventory({ count: 3000, seed: 9 });
    const c = generateLampInventory({ count: 3000, seed: 10 });
    expect(a.lampIds.length).toBe(3000);
    expect(Array.from(a.lon)).toEqual(Array.from(b.lon));
    expect(a.cabinets).toEqual(b.cabinets);
    expect(Array.from(a.lon)).not.toEqual(Array.from(c.lon));
    expect(() => generateLampInventory({ count: 0 })).toThrow();
  });
});
