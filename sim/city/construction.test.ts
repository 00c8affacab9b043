import { describe, expect, it } from 'vitest';
import { ConstructionMeta } from '../../protocol/construction.ts';
import { MAX_PAYLOAD_BYTES } from '../../protocol/mqtt.ts';
import { constructionMessages, constructionSites } from './construction.ts';
import { LINKS, distanceM, polylineDistance } from './duisburg.ts';

const START = Date.UTC(2025, 9, 15, 6, 0);

describe('construction sites', () => {
  const sites = constructionSites(START);

  it('are valid ConstructionMeta on LINKS ids, each polygon on its street', () => {
    expect(sites.length).toBeGreaterThanOrEqual(4);
    const links = new Map(LINKS.map((l) => [l.id, l] as const));
    for (const s of sites) {
      expect(ConstructionMeta.parse(s)).toEqual(s);
      expect(s.affectedLinkIds.length).toBeGreaterThan(0);
      for (const id of s.affectedLinkIds) expect(links.has(id)).toBe(true);
      const geom = links.get(s.affectedLinkIds[0]!)!.geometry;
      const ring = s.polygon[0]!;
      // Every vertex within ~15 m of the link; the fenced area is a street corridor, not a blob.
      for (const p of ring) expect(polylineDistance([p[0], p[1]], geom).distanceM).toBeLessThan(15);
      // Counter-clockwise exterior ring (RFC 7946).
      let area = 0;
      for (let i = 0; i < ring.length - 1; i++) area += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
      expect(area).toBeGreaterThan(0);
      expect(distanceM([ring[0]![0], ring[0]![1]], geom[0]!)).toBeLessThan(2000);
    }
  });

  it('some are running at the start, one is planned, none over', () => {
    expect(sites.filter((s) => s.startMs <= START && s.endMs > START).length).toBeGreaterThanOrEqual(3);
    expect(sites.filter((s) => s.startMs > START).length).toBeGreaterThanOrEqual(1);
    expect(sites.every((s) => s.endMs > START)).toBe(true);
  });

  it('are published retained, small, and deterministic', () => {
    const msgs = constructionMessages(START);
    for (const m of msgs) {
      expect([m.retain, m.qos]).toEqual([true, 1]);
      expect(m.topic).toMatch(/^city\/v1\/construction\/BS-[A-Z]+\/meta$/);
      expect(Buffer.byteLength(m.payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
    }
    expect(constructionMessages(START)).toEqual(msgs);
  });
});
