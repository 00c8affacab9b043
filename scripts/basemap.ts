/**
 * Writes the offline base map of Duisburg into static/basemap/:
 *
 *   boundary.geojson  water.geojson  roads.geojson  rail.geojson  places.geojson  green.geojson
 *   style.json (dark control-room theme)  style-light.json (daylight rooms, same layers)
 *
 *   node scripts/basemap.ts
 *
 * Inner-city roads are exactly the simulator's LINKS (one feature per street segment), so the map
 * and the modelled network cannot drift apart; motorways, arterials, rail, water and parks come
 * from scripts/basemap-data.ts; the city boundary and the Rhine from sim/city/duisburg.ts.
 * Everything is approximate (see the header comments of those files). The styles reference no
 * glyphs, sprites or remote tiles: every source is a GeoJSON file served by our own server, with a
 * root-relative URL the client makes absolute. Labels are drawn by deck.gl, not by MapLibre.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CITY_BOUNDARY, CITY_CENTRE, LINKS, RHINE_CENTRELINE } from '../sim/city/duisburg.ts';
import type { LngLat } from '../sim/city/types.ts';
import {
  ARTERIALS,
  GREEN,
  LAKES,
  MOTORWAYS,
  PLACES,
  RAILWAYS,
  RHINE_WIDTH_M,
  WATER_LINES,
  type EllipseDef,
  type RoadDef,
} from './basemap-data.ts';

const OUT_DIR = fileURLToPath(new URL('../static/basemap/', import.meta.url));

// ---- geometry -----------------------------------------------------------------------------------

const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;

const r5 = (x: number): number => Math.round(x * 1e5) / 1e5;
const round = (p: LngLat): [number, number] => [r5(p[0]), r5(p[1])];

function toLocal(p: LngLat, o: LngLat): [number, number] {
  return [(p[0] - o[0]) * RAD * EARTH_R * Math.cos(o[1] * RAD), (p[1] - o[1]) * RAD * EARTH_R];
}
function fromLocal(x: number, y: number, o: LngLat): LngLat {
  return [o[0] + x / (RAD * EARTH_R * Math.cos(o[1] * RAD)), o[1] + y / (RAD * EARTH_R)];
}

/** Closed ring around a polyline, `widthM` wide (mitred joins, flat ends). */
function buffer(line: readonly LngLat[], widthM: number): LngLat[] {
  const o = line[0]!;
  const pts = line.map((p) => toLocal(p, o));
  const half = widthM / 2;
  const normals: [number, number][] = [];
  for (let i = 1; i < pts.length; i++) {
    const dx = pts[i]![0] - pts[i - 1]![0];
    const dy = pts[i]![1] - pts[i - 1]![1];
    const len = Math.hypot(dx, dy);
    normals.push([-dy / len, dx / len]); // left normal
  }
  const left: LngLat[] = [];
  const right: LngLat[] = [];
  for (let i = 0; i < pts.length; i++) {
    const n0 = normals[Math.max(0, i - 1)]!;
    const n1 = normals[Math.min(normals.length - 1, i)]!;
    let nx = n0[0] + n1[0];
    let ny = n0[1] + n1[1];
    const len = Math.hypot(nx, ny);
    nx /= len;
    ny /= len;
    const cos = nx * n1[0] + ny * n1[1];
    const miter = half / Math.max(cos, 0.5);
    const [x, y] = pts[i]!;
    left.push(fromLocal(x + nx * miter, y + ny * miter, o));
    right.push(fromLocal(x - nx * miter, y - ny * miter, o));
  }
  const ring = [...left, ...right.reverse()];
  ring.push(ring[0]!);
  return ring;
}

function ellipse(e: EllipseDef, n = 36): LngLat[] {
  const rot = (e.rotDeg ?? 0) * RAD;
  const ring: LngLat[] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    const x = e.rxM * Math.cos(t);
    const y = e.ryM * Math.sin(t);
    // clockwise rotation on the map: x' = x cos + y sin, y' = -x sin + y cos
    ring.push(fromLocal(x * Math.cos(rot) + y * Math.sin(rot), -x * Math.sin(rot) + y * Math.cos(rot), e.centre));
  }
  ring.push(ring[0]!);
  return ring;
}

/** Signed area in degrees² (shoelace); > 0 means counter-clockwise. */
function signedArea(ring: readonly LngLat[]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++) a += ring[i - 1]![0] * ring[i]![1] - ring[i]![0] * ring[i - 1]![1];
  return a / 2;
}

/** RFC 7946: exterior rings counter-clockwise, closed, rounded; consecutive duplicates dropped. */
function polygonRing(ring: readonly LngLat[]): [number, number][] {
  const closed = ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? [...ring] : [...ring, ring[0]!];
  const ccw = signedArea(closed) > 0 ? closed : closed.reverse();
  const out: [number, number][] = [];
  for (const p of ccw.map(round)) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

function lineCoords(line: readonly LngLat[]): [number, number][] {
  const out: [number, number][] = [];
  for (const p of line.map(round)) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

// ---- GeoJSON ------------------------------------------------------------------------------------

interface Feature {
  type: 'Feature';
  properties: Record<string, string | number>;
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'LineString'; coordinates: [number, number][] } | { type: 'Polygon'; coordinates: [number, number][][] };
}

const point = (p: LngLat, properties: Feature['properties']): Feature => ({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: round(p) } });
const line = (c: readonly LngLat[], properties: Feature['properties']): Feature => ({ type: 'Feature', properties, geometry: { type: 'LineString', coordinates: lineCoords(c) } });
const polygon = (ring: readonly LngLat[], properties: Feature['properties']): Feature => ({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: [polygonRing(ring)] } });

/** A foreign member (RFC 7946 §6.1) on every collection, since GeoJSON has no comments. */
const NOTE = 'Duisburg base map, generated by scripts/basemap.ts. Approximate geometry drawn from memory: not survey data.';

/** One feature per line: small diffs when the data changes. */
function writeCollection(file: string, features: Feature[]): void {
  const body = features.map((f) => JSON.stringify(f)).join(',\n');
  const note = JSON.stringify(NOTE);
  writeFileSync(OUT_DIR + file, `{"type":"FeatureCollection","note":${note},"features":[\n${body}\n]}\n`);
  console.log(`  ${file}: ${features.length} features`);
}

// ---- layers' data -------------------------------------------------------------------------------

function roadsFromLinks(): Feature[] {
  // Both directions share one centreline; emit each street segment once.
  const seen = new Set<string>();
  const out: Feature[] = [];
  for (const l of LINKS) {
    const key = [l.from, l.to].sort().join('|');
    if (seen.has(key)) continue;
    seen.add(key);
    const [a, b] = [l.from, l.to].sort();
    const geometry = l.from === a ? l.geometry : [...l.geometry].reverse();
    out.push(line(geometry, { name: l.street, class: l.roadClass, ref: '', link: `${a}-${b}`, source: 'sim' }));
  }
  return out;
}

const road = (r: RoadDef): Feature => line(r.coords, { name: r.name, class: r.class, ref: r.ref ?? '', source: 'hand' });

function build(): void {
  mkdirSync(OUT_DIR, { recursive: true });
  console.log(`writing ${OUT_DIR}`);

  writeCollection('boundary.geojson', [polygon(CITY_BOUNDARY, { name: 'Duisburg', kind: 'city' })]);

  writeCollection('water.geojson', [
    polygon(buffer(RHINE_CENTRELINE, RHINE_WIDTH_M), { name: 'Rhein', kind: 'river' }),
    ...WATER_LINES.map((w) => polygon(buffer(w.coords, w.widthM), { name: w.name, kind: w.kind })),
    ...LAKES.map((e) => polygon(ellipse(e), { name: e.name, kind: 'lake' })),
  ]);

  // Draw order inside one layer is file order: minor roads first.
  const rank: Record<string, number> = { tertiary: 0, secondary: 1, primary: 2, trunk: 3, motorway: 4 };
  const roads = [...roadsFromLinks(), ...ARTERIALS.map(road), ...MOTORWAYS.map(road)];
  roads.sort((a, b) => rank[String(a.properties.class)]! - rank[String(b.properties.class)]!);
  writeCollection('roads.geojson', roads);

  writeCollection('rail.geojson', RAILWAYS.map((r) => line(r.coords, { name: r.name, kind: 'rail' })));
  writeCollection('places.geojson', PLACES.map((p) => point(p.pos, { name: p.name, kind: p.kind })));
  writeCollection('green.geojson', GREEN.map((g) => polygon(g.ring, { name: g.name, kind: 'park' })));

  writeFileSync(OUT_DIR + 'style.json', JSON.stringify(style('dark'), null, 2) + '\n');
  writeFileSync(OUT_DIR + 'style-light.json', JSON.stringify(style('light'), null, 2) + '\n');
  console.log('  style.json, style-light.json');
}

// ---- styles -------------------------------------------------------------------------------------

interface Palette {
  background: string;
  city: string;
  green: string;
  water: string;
  boundary: string;
  rail: string;
  tertiary: string;
  secondary: string;
  primary: string;
  trunk: string;
  motorway: string;
  motorwayCasing: string;
}

const PALETTES: Record<'dark' | 'light', Palette> = {
  // Calm, low contrast: nothing on the base map should compete with live data drawn on top.
  dark: {
    background: '#0e1420',
    city: '#111928',
    green: '#12211e',
    water: '#0f2740',
    boundary: '#42526e',
    rail: '#3b4556',
    tertiary: '#242d3b',
    secondary: '#2e3848',
    primary: '#384356',
    trunk: '#454b5a',
    motorway: '#66523e',
    motorwayCasing: '#0a0e16',
  },
  light: {
    background: '#ecebe6',
    city: '#f6f5f1',
    green: '#dce7d1',
    water: '#b4cfe5',
    boundary: '#8b95a8',
    rail: '#9aa0aa',
    tertiary: '#d9dbdf',
    secondary: '#ccd0d6',
    primary: '#bcc1c9',
    trunk: '#d2bf9f',
    motorway: '#e2a862',
    motorwayCasing: '#c4884a',
  },
};

type Stops = [number, number][];
const width = (stops: Stops): unknown[] => ['interpolate', ['exponential', 1.6], ['zoom'], ...stops.flat()];
const byClass = (c: string): unknown[] => ['==', ['get', 'class'], c];

function style(theme: 'dark' | 'light'): Record<string, unknown> {
  const p = PALETTES[theme];
  const src = (file: string) => ({ type: 'geojson', data: `/basemap/${file}` });
  const roadLayer = (cls: string, color: string, stops: Stops, minzoom?: number) => ({
    id: `road-${cls}`,
    type: 'line',
    source: 'roads',
    ...(minzoom !== undefined ? { minzoom } : {}),
    filter: byClass(cls),
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': color, 'line-width': width(stops) },
  });
  return {
    version: 8,
    name: theme === 'dark' ? 'Duisburg control room (dark)' : 'Duisburg control room (light)',
    metadata: {
      'duisburg:generatedBy': 'scripts/basemap.ts (do not edit by hand)',
      'duisburg:note': 'Offline base map: approximate geometry drawn from memory, not survey data. Self-contained: local GeoJSON only, no fonts, icons or remote tiles.',
    },
    center: [CITY_CENTRE[0], CITY_CENTRE[1]],
    zoom: 11,
    sources: {
      boundary: src('boundary.geojson'),
      water: src('water.geojson'),
      green: src('green.geojson'),
      rail: src('rail.geojson'),
      roads: src('roads.geojson'),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': p.background } },
      { id: 'city-fill', type: 'fill', source: 'boundary', paint: { 'fill-color': p.city } },
      { id: 'green', type: 'fill', source: 'green', paint: { 'fill-color': p.green, 'fill-opacity': 0.9 } },
      { id: 'water', type: 'fill', source: 'water', paint: { 'fill-color': p.water } },
      {
        id: 'boundary-line',
        type: 'line',
        source: 'boundary',
        layout: { 'line-join': 'round' },
        paint: { 'line-color': p.boundary, 'line-width': width([[9, 0.8], [14, 1.6]]), 'line-dasharray': [4, 3], 'line-opacity': 0.8 },
      },
      {
        id: 'rail',
        type: 'line',
        source: 'rail',
        paint: { 'line-color': p.rail, 'line-width': width([[9, 0.6], [14, 1.6], [17, 3]]), 'line-dasharray': [3, 2] },
      },
      roadLayer('tertiary', p.tertiary, [[11, 0.3], [13, 1], [16, 4], [18, 9]], 11),
      roadLayer('secondary', p.secondary, [[10, 0.4], [13, 1.4], [16, 5], [18, 11]]),
      roadLayer('primary', p.primary, [[9, 0.5], [13, 2], [16, 7], [18, 14]]),
      roadLayer('trunk', p.trunk, [[9, 0.7], [13, 2.4], [16, 8], [18, 15]]),
      {
        id: 'road-motorway-casing',
        type: 'line',
        source: 'roads',
        filter: byClass('motorway'),
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': p.motorwayCasing, 'line-width': width([[8, 1.4], [12, 3.6], [16, 12], [18, 20]]) },
      },
      roadLayer('motorway', p.motorway, [[8, 0.8], [12, 2.2], [16, 9], [18, 16]]),
    ],
  };
}

build();
