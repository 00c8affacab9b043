/**
 * GeoJSON (RFC 7946) of the open datasets. Public fields only: what a citizen sees in the street
 * or on the city's portal. Signal installations: no plans, greens or control modes (they would help
 * no one and could help an attacker time a light); lamps: position and whether a fault is reported,
 * no cabinet internals; links: the traffic state, no vehicle traces.
 */
import type { ConstructionEntity, LampFaultEntity, LinkEntity, ParkingEntity, TlsEntity } from '../../protocol/index.ts';

export interface Feature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: [number, number][] } | { type: 'Polygon'; coordinates: [number, number][][] };
  properties: Record<string, string | number | boolean | null | string[]>;
}
export interface FeatureCollection {
  type: 'FeatureCollection';
  /** Foreign member (RFC 7946 §6.1): when this collection was made. */
  generatedMs: number;
  features: Feature[];
}

const fc = (features: Feature[], nowMs: number): FeatureCollection => ({ type: 'FeatureCollection', generatedMs: nowMs, features });
const pt = (lon: number, lat: number) => ({ type: 'Point' as const, coordinates: [lon, lat] as [number, number] });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function constructionGeoJson(sites: Iterable<ConstructionEntity>, nowMs: number): FeatureCollection {
  return fc(
    [...sites].map((s) => ({
      type: 'Feature',
      id: s.id,
      geometry: { type: 'Polygon', coordinates: s.polygon },
      properties: { title: s.title, description: s.description, lanesClosed: s.lanesClosed, affectedLinkIds: s.affectedLinkIds, start: iso(s.startMs), end: iso(s.endMs) },
    })),
    nowMs,
  );
}

export function signalsGeoJson(tls: Iterable<TlsEntity>, nowMs: number): FeatureCollection {
  return fc([...tls].map((t) => ({ type: 'Feature', id: t.id, geometry: pt(t.lon, t.lat), properties: { name: t.name, district: t.district, inService: t.link !== 'lost' } })), nowMs);
}

export function parkingGeoJson(garages: Iterable<ParkingEntity>, nowMs: number): FeatureCollection {
  return fc(
    [...garages].map((g) => ({
      type: 'Feature',
      id: g.id,
      geometry: pt(g.lon, g.lat),
      properties: { name: g.name, zone: g.zone, capacity: g.capacity, occupied: g.occupied, vacant: g.vacant, status: g.status, trend: g.trend, updated: iso(g.tsMs), live: g.link === 'live' },
    })),
    nowMs,
  );
}

export function lampsGeoJson(lamps: { ids: string[]; lon: number[]; lat: number[] } | null, faults: Iterable<LampFaultEntity>, nowMs: number): FeatureCollection {
  const faulty = new Set<string>();
  for (const f of faults) faulty.add(f.id);
  const out: Feature[] = [];
  if (lamps) for (let i = 0; i < lamps.ids.length; i++) out.push({ type: 'Feature', id: lamps.ids[i]!, geometry: pt(lamps.lon[i]!, lamps.lat[i]!), properties: { faultReported: faulty.has(lamps.ids[i]!) } });
  return fc(out, nowMs);
}

export function linksGeoJson(links: Iterable<LinkEntity>, nowMs: number): FeatureCollection {
  return fc(
    [...links].map((l) => ({
      type: 'Feature',
      id: l.id,
      geometry: { type: 'LineString', coordinates: l.geometry },
      properties: {
        street: l.street,
        from: l.from,
        to: l.to,
        lanes: l.lanes,
        speedLimitKmh: l.speedLimitKmh,
        flowVehH: l.flowVehH,
        speedKmh: l.speedKmh,
        los: l.los,
        travelTimeSec: l.travelTimeSec,
        freeFlowTravelTimeSec: l.freeFlowTravelTimeSec,
        updated: iso(l.tsMs),
      },
    })),
    nowMs,
  );
}
