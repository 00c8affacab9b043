import { describe, expect, it } from 'vitest';
import { ConstructionMeta, constructionTopics } from './construction.ts';
import { parseTopic } from './topics.ts';

const ring: [number, number][] = [
  [6.772, 51.43],
  [6.773, 51.43],
  [6.773, 51.431],
  [6.772, 51.431],
  [6.772, 51.43],
];
const site = {
  id: 'BS-001',
  title: 'Mercatorstraße: Fahrbahnerneuerung',
  polygon: [ring],
  affectedLinkIds: ['K005-K002', 'K002-K005'],
  lanesClosed: 1,
  startMs: 1_790_000_000_000,
  endMs: 1_800_000_000_000,
  description: 'Eine Fahrspur je Richtung gesperrt.',
  tsMs: 1_795_000_000_000,
};

describe('ConstructionMeta', () => {
  it('accepts a site with a closed polygon ring', () => {
    expect(ConstructionMeta.parse(site)).toEqual(site);
    expect(ConstructionMeta.safeParse({ ...site, fullClosure: true, lanesClosed: 2, responsible: 'Wirtschaftsbetriebe Duisburg' }).success).toBe(true);
  });
  it('rejects an open ring, a ring of three positions, end before start, negative lanes', () => {
    expect(ConstructionMeta.safeParse({ ...site, polygon: [ring.slice(0, 4)] }).success).toBe(false);
    expect(ConstructionMeta.safeParse({ ...site, polygon: [[ring[0], ring[1], ring[0]]] }).success).toBe(false);
    expect(ConstructionMeta.safeParse({ ...site, endMs: site.startMs }).success).toBe(false);
    expect(ConstructionMeta.safeParse({ ...site, lanesClosed: -1 }).success).toBe(false);
    expect(ConstructionMeta.safeParse({ ...site, polygon: [[[200, 51], [6, 51], [6, 52], [200, 51]]] }).success).toBe(false);
  });
  it('topic', () => {
    expect(parseTopic(constructionTopics.meta('BS-001'))).toEqual({ kind: 'construction', deviceId: 'BS-001', channel: 'meta' });
  });
});
