/**
 * Road works in the modelled centre, as the traffic management would publish them.
 *
 * REAL-FEELING, NOT CURRENT: the streets, the kinds of works and the bodies that typically carry
 * them out (Wirtschaftsbetriebe Duisburg for sewers, Stadtwerke/Netze Duisburg for district heating
 * and cables) are real Duisburg notions, and the Karl-Lehr-Brücke is known to need replacing; but
 * these sites, their extents and dates are invented for the simulation. Dates are relative to the
 * model start so a demo always shows running works plus one planned site. Polygons are corridors
 * around the affected links' geometry (duisburg.ts LINKS), so they sit on the drawn streets.
 */
import type { ConstructionMeta } from '../../protocol/construction.ts';
import { constructionTopics } from '../../protocol/construction.ts';
import { LINKS } from './duisburg.ts';
import type { LngLat } from './types.ts';

interface SiteSpec {
  id: string;
  title: string;
  /** Link whose geometry the site occupies, and the stretch of it [from, to] as fractions of its length. */
  along: { link: string; from: number; to: number };
  /** Half the width of the fenced area, metres. */
  halfWidthM: number;
  affectedLinkIds: string[];
  lanesClosed: number;
  fullClosure?: boolean;
  /** Days relative to the model start (negative = already running). */
  startDay: number;
  endDay: number;
  description: string;
  responsible: string;
}

const SITES: SiteSpec[] = [
  {
    id: 'BS-KARLLEHR',
    title: 'Ruhrorter Straße: Vorarbeiten Ersatzneubau Karl-Lehr-Brücke',
    along: { link: 'K042-K043', from: 0.35, to: 1 },
    halfWidthM: 9,
    affectedLinkIds: ['K042-K043', 'K043-K042'],
    lanesClosed: 1,
    startDay: -210,
    endDay: 480,
    description: 'Leitungsverlegung und Baufeldfreimachung für den Ersatzneubau; je Richtung eine von zwei Fahrspuren gesperrt.',
    responsible: 'Stadt Duisburg, Amt für Verkehr (angenommen)',
  },
  {
    id: 'BS-MERCATOR',
    title: 'Mercatorstraße: Umbau am Portsmouthplatz (Hauptbahnhof)',
    along: { link: 'K001-K005', from: 0.1, to: 0.9 },
    halfWidthM: 8,
    affectedLinkIds: ['K001-K005', 'K005-K001'],
    lanesClosed: 1,
    startDay: -64,
    endDay: 118,
    description: 'Neugestaltung des Bahnhofsvorplatzes; Mercatorstraße einspurig je Richtung, Haltestelle verlegt.',
    responsible: 'Stadt Duisburg (angenommen)',
  },
  {
    id: 'BS-FWSTR',
    title: 'Friedrich-Wilhelm-Straße: Kanalsanierung',
    along: { link: 'K004-K025', from: 0.2, to: 0.65 },
    halfWidthM: 7,
    affectedLinkIds: ['K004-K025', 'K025-K004'],
    lanesClosed: 1,
    startDay: -11,
    endDay: 34,
    description: 'Sanierung des Mischwasserkanals in offener Bauweise; eine Fahrspur je Richtung gesperrt.',
    responsible: 'Wirtschaftsbetriebe Duisburg',
  },
  {
    id: 'BS-KUHLENWALL',
    title: 'Kuhlenwall: Fernwärmeleitung',
    along: { link: 'K013-K014', from: 0.15, to: 0.85 },
    halfWidthM: 7,
    affectedLinkIds: ['K013-K014', 'K014-K013'],
    lanesClosed: 1,
    fullClosure: true,
    startDay: -3,
    endDay: 18,
    description: 'Vollsperrung zwischen Landfermannstraße und Mainstraße; Umleitung über Saarstraße.',
    responsible: 'Stadtwerke Duisburg',
  },
  {
    id: 'BS-WANHEIMER',
    title: 'Wanheimer Straße: Fahrbahnerneuerung',
    along: { link: 'K027-K028', from: 0.1, to: 0.9 },
    halfWidthM: 6,
    affectedLinkIds: ['K027-K028', 'K028-K027'],
    lanesClosed: 1,
    startDay: -5,
    endDay: 9,
    description: 'Deckenerneuerung zwischen Claubergstraße und Musfeldstraße; einspuriger Wechselverkehr mit Baustellenampel.',
    responsible: 'Wirtschaftsbetriebe Duisburg',
  },
  {
    id: 'BS-MUELHEIMER',
    title: 'Mülheimer Straße: Kabelarbeiten (geplant)',
    along: { link: 'K046-K047', from: 0.3, to: 0.7 },
    halfWidthM: 6,
    affectedLinkIds: ['K046-K047'],
    lanesClosed: 1,
    startDay: 2,
    endDay: 9,
    description: 'Verlegung von Mittelspannungskabeln; Fahrtrichtung Zoo eine Fahrspur gesperrt.',
    responsible: 'Netze Duisburg',
  },
];

const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;
const DAY_MS = 86_400_000;

/** The part of a polyline between two fractions of its length. */
function subLine(g: readonly LngLat[], f0: number, f1: number): LngLat[] {
  const seg: number[] = [];
  let total = 0;
  for (let i = 1; i < g.length; i++) {
    const d = localDist(g[i - 1]!, g[i]!);
    seg.push(d);
    total += d;
  }
  const at = (s: number): [number, number] => {
    let acc = 0;
    for (let i = 0; i < seg.length; i++) {
      if (acc + seg[i]! >= s || i === seg.length - 1) {
        const t = seg[i]! === 0 ? 0 : Math.min(1, Math.max(0, (s - acc) / seg[i]!));
        const a = g[i]!;
        const b = g[i + 1]!;
        return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
      }
      acc += seg[i]!;
    }
    return [g[g.length - 1]![0], g[g.length - 1]![1]];
  };
  const s0 = f0 * total;
  const s1 = f1 * total;
  const out: LngLat[] = [at(s0)];
  let acc = 0;
  for (let i = 0; i < seg.length - 1; i++) {
    acc += seg[i]!;
    if (acc > s0 && acc < s1) out.push(g[i + 1]!);
  }
  out.push(at(s1));
  return out;
}

function localDist(a: LngLat, b: LngLat): number {
  return Math.hypot((b[0] - a[0]) * RAD * EARTH_R * Math.cos(a[1] * RAD), (b[1] - a[1]) * RAD * EARTH_R);
}

/** A closed, counter-clockwise ring around a polyline at +-halfWidth metres (square ends). */
export function corridor(line: readonly LngLat[], halfWidthM: number): [number, number][] {
  const left: [number, number][] = [];
  const right: [number, number][] = [];
  const kx = RAD * EARTH_R * Math.cos(line[0]![1] * RAD);
  const ky = RAD * EARTH_R;
  for (let i = 0; i < line.length; i++) {
    const a = line[Math.max(0, i - 1)]!;
    const b = line[Math.min(line.length - 1, i + 1)]!;
    let dx = (b[0] - a[0]) * kx;
    let dy = (b[1] - a[1]) * ky;
    const len = Math.hypot(dx, dy) || 1;
    dx /= len;
    dy /= len;
    const p = line[i]!;
    // Left normal of (dx, dy) is (-dy, dx).
    left.push([p[0] + (-dy * halfWidthM) / kx, p[1] + (dx * halfWidthM) / ky]);
    right.push([p[0] + (dy * halfWidthM) / kx, p[1] + (-dx * halfWidthM) / ky]);
  }
  const ring = [...right, ...left.reverse()].map(([x, y]): [number, number] => [Math.round(x * 1e6) / 1e6, Math.round(y * 1e6) / 1e6]);
  // Shoelace: positive = counter-clockwise (RFC 7946 wants the exterior ring counter-clockwise).
  let area = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i]!;
    const [x2, y2] = ring[(i + 1) % ring.length]!;
    area += x1 * y2 - x2 * y1;
  }
  if (area < 0) ring.reverse();
  ring.push([ring[0]![0], ring[0]![1]]);
  return ring;
}

/** The sites with dates anchored at the local day of `modelStartMs` (07:00 UTC on that day). */
export function constructionSites(modelStartMs: number, tsMs = modelStartMs): ConstructionMeta[] {
  const links = new Map(LINKS.map((l) => [l.id, l] as const));
  const day0 = Math.floor(modelStartMs / DAY_MS) * DAY_MS + 7 * 3_600_000;
  return SITES.map((s) => {
    const link = links.get(s.along.link);
    if (!link) throw new Error(`construction site ${s.id}: unknown link ${s.along.link}`);
    for (const id of s.affectedLinkIds) if (!links.has(id)) throw new Error(`construction site ${s.id}: unknown link ${id}`);
    return {
      id: s.id,
      title: s.title,
      polygon: [corridor(subLine(link.geometry, s.along.from, s.along.to), s.halfWidthM)],
      affectedLinkIds: [...s.affectedLinkIds],
      lanesClosed: s.lanesClosed,
      ...(s.fullClosure ? { fullClosure: true } : {}),
      startMs: day0 + s.startDay * DAY_MS,
      endMs: day0 + s.endDay * DAY_MS,
      description: s.description,
      responsible: s.responsible,
      tsMs,
    };
  });
}

/** Retained meta messages of every site. */
export function constructionMessages(modelStartMs: number, tsMs = modelStartMs): { topic: string; payload: string; qos: 1; retain: true }[] {
  return constructionSites(modelStartMs, tsMs).map((m) => ({ topic: constructionTopics.meta(m.id), payload: JSON.stringify(m), qos: 1, retain: true }));
}
