/**
 * Duisburg as the simulator sees it: signalised intersections of the inner city and its main
 * corridors, the directed road links between them, and a generated outer ring that fills the rest
 * of the city so the control room has a realistic number of controllers (~550).
 *
 * ACCURACY: every coordinate in this file was written down from memory of Duisburg's geography
 * (no survey data, no OSM extract, no internet access when it was authored). Positions are
 * approximate: the aim is ~50-100 m for the well-known central junctions (Hauptbahnhof,
 * Portsmouthplatz, Innenhafen/Schwanentor), but some street courses in Dellviertel, Hochfeld,
 * Neudorf and Duissern are reconstructions and can be off by a few hundred metres or cross where
 * the real streets do not. Do not use any of this for anything but the simulation and the map
 * backdrop; verify against OpenStreetMap before a real controller is ever mapped to an id here.
 * Junction names use real Duisburg street names; controller ids are our own (Duisburg's real
 * controller numbers are not public). Königstraße is a pedestrian zone: nothing here drives on it.
 */
import { Rng } from '../rng.ts';
import type { Approach, Intersection, Link, LngLat, RoadClass } from './types.ts';

// ---- geography --------------------------------------------------------------------------------

/** Duisburg Hauptbahnhof (station building on the west side of the tracks, facing Portsmouthplatz). */
export const CITY_CENTRE: LngLat = [6.7756, 51.4297];

/** [[minLon, minLat], [maxLon, maxLat]] of the city of Duisburg (approximate, a little generous). */
export const CITY_BOUNDS: readonly [LngLat, LngLat] = [
  [6.62, 51.33],
  [6.835, 51.565],
];

/**
 * Centreline of the Rhine through Duisburg, upstream (south, Kaiserswerth) to downstream (north,
 * Walsum/Orsoy). Approximate; the river is ~300-400 m wide. Ordered south -> north, so the west
 * bank (Rheinhausen, Homberg, Baerl) is on the left of the line's direction.
 */
export const RHINE_CENTRELINE: readonly LngLat[] = [
  [6.742, 51.318],
  [6.73, 51.328],
  [6.715, 51.336],
  [6.698, 51.342],
  [6.682, 51.348],
  [6.67, 51.355], // Uerdingen bridge (Krefeld), apex of the Mündelheim bend
  [6.672, 51.362],
  [6.682, 51.368],
  [6.697, 51.374],
  [6.712, 51.381], // Friemersheim (W) / Hüttenheim steelworks (E)
  [6.722, 51.389],
  [6.729, 51.398], // logport (W) / Wanheim-Angerhausen (E)
  [6.734, 51.407],
  [6.7365, 51.4155], // Brücke der Solidarität (Rheinhausen - Hochfeld)
  [6.739, 51.423],
  [6.74, 51.43],
  [6.737, 51.437], // mouth of the Außenhafen / Innenhafen
  [6.73, 51.443], // A40 bridge Neuenkamp
  [6.722, 51.4505], // Ruhr mouth
  [6.717, 51.457], // Friedrich-Ebert-Brücke Ruhrort - Homberg
  [6.715, 51.465],
  [6.716, 51.475],
  [6.712, 51.487], // A42 bridge Beeckerwerth
  [6.703, 51.498],
  [6.695, 51.51],
  [6.692, 51.522],
  [6.695, 51.535], // Walsum (E) / Orsoy (W)
  [6.7, 51.548],
  [6.707, 51.56],
  [6.712, 51.572],
];

/** Land border of the city, clockwise from the Rhine at the northern tip (Walsum) round the east. */
const EAST_BORDER: readonly LngLat[] = [
  [6.712, 51.557],
  [6.725, 51.558],
  [6.74, 51.554],
  [6.752, 51.546],
  [6.758, 51.537],
  [6.768, 51.53],
  [6.78, 51.526],
  [6.792, 51.52],
  [6.8, 51.512],
  [6.804, 51.503],
  [6.806, 51.493],
  [6.81, 51.484],
  [6.806, 51.476],
  [6.815, 51.468],
  [6.826, 51.46],
  [6.824, 51.452],
  [6.83, 51.444],
  [6.828, 51.432],
  [6.826, 51.42],
  [6.823, 51.41],
  [6.828, 51.4],
  [6.831, 51.39],
  [6.824, 51.381],
  [6.83, 51.37],
  [6.822, 51.36],
  [6.812, 51.352],
  [6.8, 51.345],
  [6.785, 51.341],
  [6.77, 51.338],
  [6.755, 51.334],
  [6.74, 51.3325],
  [6.726, 51.3335],
];

/** Border west of the Rhine (Rheinhausen, Homberg, Baerl), from Krefeld in the south to Orsoy. */
const WEST_BORDER: readonly LngLat[] = [
  [6.685, 51.3765],
  [6.67, 51.3775],
  [6.655, 51.3765],
  [6.64, 51.378],
  [6.63, 51.385],
  [6.626, 51.395],
  [6.629, 51.404],
  [6.639, 51.41],
  [6.648, 51.416],
  [6.652, 51.426],
  [6.657, 51.435],
  [6.658, 51.445],
  [6.655, 51.455],
  [6.658, 51.463],
  [6.652, 51.472],
  [6.647, 51.483],
  [6.651, 51.494],
  [6.661, 51.505],
  [6.674, 51.512],
  [6.686, 51.516],
];

/** Latitudes where the city border leaves / rejoins the Rhine (it follows the river between them). */
const RHINE_BORDER_SOUTH = { from: 51.3345, to: 51.3755 } as const; // Mündelheim bend (Krefeld opposite)
const RHINE_BORDER_NORTH = { from: 51.5165, to: 51.556 } as const; // Walsum (Rheinberg-Orsoy opposite)

/** The part of a south->north polyline between two latitudes (end points interpolated). */
export function polylineBetweenLats(line: readonly LngLat[], latA: number, latB: number): LngLat[] {
  const lo = Math.min(latA, latB);
  const hi = Math.max(latA, latB);
  const at = (lat: number): LngLat => {
    for (let i = 1; i < line.length; i++) {
      const a = line[i - 1]!;
      const b = line[i]!;
      if (lat >= a[1] && lat <= b[1]) {
        const t = (lat - a[1]) / (b[1] - a[1]);
        return [a[0] + t * (b[0] - a[0]), lat];
      }
    }
    throw new Error(`latitude ${lat} outside the polyline`);
  };
  const out: LngLat[] = [at(lo), ...line.filter((p) => p[1] > lo && p[1] < hi), at(hi)];
  return latA <= latB ? out : out.reverse();
}

/**
 * City boundary of Duisburg as one closed ring (clockwise, first point repeated at the end). The
 * Rhine is the border along the Mündelheim bend and in Walsum; elsewhere the city spans both banks.
 * Approximate (hand-drawn from memory, ~0.5-1 km detail), but it has the right shape and area.
 */
export const CITY_BOUNDARY: readonly LngLat[] = (() => {
  const ring: LngLat[] = [
    ...polylineBetweenLats(RHINE_CENTRELINE, RHINE_BORDER_NORTH.to, RHINE_BORDER_NORTH.to).slice(0, 1),
    ...EAST_BORDER,
    ...polylineBetweenLats(RHINE_CENTRELINE, RHINE_BORDER_SOUTH.from, RHINE_BORDER_SOUTH.to),
    ...WEST_BORDER,
    ...polylineBetweenLats(RHINE_CENTRELINE, RHINE_BORDER_NORTH.from, RHINE_BORDER_NORTH.to),
  ];
  return ring.map((p): LngLat => [round5(p[0]), round5(p[1])]);
})();

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

// ---- small geodesy helpers (local equirectangular; fine at city scale) --------------------------

const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;

/** Metres east/north of `origin`. */
function toLocal(p: LngLat, origin: LngLat): [number, number] {
  return [(p[0] - origin[0]) * RAD * EARTH_R * Math.cos(origin[1] * RAD), (p[1] - origin[1]) * RAD * EARTH_R];
}

export function distanceM(a: LngLat, b: LngLat): number {
  const [x, y] = toLocal(b, a);
  return Math.hypot(x, y);
}

/** Initial bearing from a to b, degrees clockwise from north, in [0, 360). */
export function bearingDeg(a: LngLat, b: LngLat): number {
  const [x, y] = toLocal(b, a);
  const d = Math.atan2(x, y) / RAD;
  return (d + 360) % 360;
}

/** Distance from p to a polyline, and which side of it p lies on (+1 left, -1 right, 0 on it). */
export function polylineDistance(p: LngLat, line: readonly LngLat[]): { distanceM: number; side: number } {
  let best = Infinity;
  let side = 0;
  for (let i = 1; i < line.length; i++) {
    const [ax, ay] = toLocal(line[i - 1]!, p);
    const [bx, by] = toLocal(line[i]!, p);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
    const cx = ax + t * dx;
    const cy = ay + t * dy;
    const d = Math.hypot(cx, cy);
    if (d < best) {
      best = d;
      // cross(segment, point - a): p is at the origin, so point - a = (-ax, -ay)
      side = Math.sign(dx * -ay - dy * -ax);
    }
  }
  return { distanceM: best, side };
}

/** Even-odd point in polygon test (ring of [lon, lat]). */
export function pointInRing(p: LngLat, ring: readonly LngLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** 'n', 'e', 's' or 'w': the side traffic travelling with `bearing` comes from. */
function comesFrom(bearing: number): string {
  const from = (bearing + 180) % 360;
  return ['n', 'e', 's', 'w'][Math.round(from / 90) % 4]!;
}

// ---- the modelled inner-city network ------------------------------------------------------------

interface NodeSpec {
  id: string;
  name: string;
  pos: LngLat;
  district: string;
  /** Approaches that are not fed by a modelled link (side streets, motorway ramps, car parks). */
  extra?: { street: string; bearingDeg: number; lanes: number }[];
}

/**
 * Signalised junctions. K001-K005 are the central sites around the Hauptbahnhof used by the first
 * demo. Bearings in `extra` are the direction of travel towards the stop line.
 */
const NODES: NodeSpec[] = [
  // Ring round the Hauptbahnhof
  { id: 'K001', name: 'Mercatorstraße / Friedrich-Wilhelm-Straße / Kardinal-Galen-Straße', pos: [6.7729, 51.4291], district: 'Mitte' },
  { id: 'K002', name: 'Mercatorstraße / Landfermannstraße', pos: [6.7727, 51.4322], district: 'Mitte' },
  { id: 'K003', name: 'Mercatorstraße / Mülheimer Straße / Kuhlenwall', pos: [6.7723, 51.4352], district: 'Mitte' },
  { id: 'K004', name: 'Friedrich-Wilhelm-Straße / Düsseldorfer Straße', pos: [6.7702, 51.4299], district: 'Dellviertel' },
  {
    id: 'K005',
    name: 'Mercatorstraße / Portsmouthplatz (Hauptbahnhof)',
    pos: [6.7728, 51.4305],
    district: 'Mitte',
    extra: [{ street: 'Portsmouthplatz', bearingDeg: 270, lanes: 1 }],
  },
  {
    id: 'K006',
    name: 'Mülheimer Straße / A59 (AS Duisburg-Duissern)',
    pos: [6.7742, 51.43545],
    district: 'Mitte',
    extra: [
      { street: 'A59 Ausfahrt Duisburg-Duissern (aus Süden)', bearingDeg: 0, lanes: 2 },
      { street: 'A59 Ausfahrt Duisburg-Duissern (aus Norden)', bearingDeg: 180, lanes: 1 },
    ],
  },
  { id: 'K007', name: 'Mülheimer Straße / Am Buchenbaum', pos: [6.779, 51.4358], district: 'Neudorf-Nord' },
  { id: 'K008', name: 'Neudorfer Straße / Koloniestraße / Am Buchenbaum (Hbf Ost)', pos: [6.779, 51.4296], district: 'Neudorf-Nord' },
  // Theaterviertel and the Kuhlenwall (north-east edge of the old town)
  { id: 'K009', name: 'Mercatorstraße / Mainstraße', pos: [6.7725, 51.4338], district: 'Mitte' },
  { id: 'K010', name: 'Landfermannstraße / Saarstraße', pos: [6.769, 51.4333], district: 'Mitte' },
  { id: 'K011', name: 'Mainstraße / Saarstraße', pos: [6.769, 51.4348], district: 'Mitte' },
  { id: 'K012', name: 'Kuhlenwall / Saarstraße', pos: [6.7692, 51.4365], district: 'Altstadt' },
  { id: 'K013', name: 'Landfermannstraße / Kuhlenwall', pos: [6.7658, 51.4343], district: 'Altstadt' },
  { id: 'K014', name: 'Kuhlenwall / Mainstraße', pos: [6.766, 51.4357], district: 'Altstadt' },
  // Kardinal-Galen-Straße along the A59 south of the station
  {
    id: 'K015',
    name: 'Kardinal-Galen-Straße / A59 (AS Duisburg-Zentrum)',
    pos: [6.7733, 51.4255],
    district: 'Dellviertel',
    extra: [{ street: 'A59 Ausfahrt Duisburg-Zentrum', bearingDeg: 290, lanes: 2 }],
  },
  { id: 'K016', name: 'Kardinal-Galen-Straße / Claubergstraße', pos: [6.77315, 51.4268], district: 'Dellviertel' },
  { id: 'K017', name: 'Kardinal-Galen-Straße / Musfeldstraße', pos: [6.7735, 51.4235], district: 'Dellviertel' },
  { id: 'K018', name: 'Kardinal-Galen-Straße / Heerstraße', pos: [6.7733, 51.42], district: 'Dellviertel' },
  {
    id: 'K019',
    name: 'Heerstraße / A59 (AS Duisburg-Hochfeld)',
    pos: [6.7748, 51.42005],
    district: 'Dellviertel',
    extra: [
      { street: 'A59 Ausfahrt Duisburg-Hochfeld (aus Süden)', bearingDeg: 0, lanes: 1 },
      { street: 'A59 Ausfahrt Duisburg-Hochfeld (aus Norden)', bearingDeg: 180, lanes: 1 },
    ],
  },
  {
    id: 'K020',
    name: 'Koloniestraße / Sternbuschweg / Heerstraße',
    pos: [6.7808, 51.4205],
    district: 'Neudorf-Süd',
    extra: [{ street: 'Wedauer Straße', bearingDeg: 340, lanes: 1 }],
  },
  {
    id: 'K021',
    name: 'Koloniestraße / Gneisenaustraße',
    pos: [6.7796, 51.425],
    district: 'Neudorf-Süd',
    extra: [{ street: 'Gneisenaustraße', bearingDeg: 270, lanes: 1 }],
  },
  // Dellviertel
  { id: 'K022', name: 'Düsseldorfer Straße / Claubergstraße', pos: [6.7706, 51.4268], district: 'Dellviertel' },
  { id: 'K023', name: 'Düsseldorfer Straße / Musfeldstraße', pos: [6.771, 51.4235], district: 'Dellviertel' },
  { id: 'K024', name: 'Düsseldorfer Straße / Heerstraße', pos: [6.7714, 51.42], district: 'Dellviertel' },
  { id: 'K025', name: 'Friedrich-Wilhelm-Straße / Wanheimer Straße', pos: [6.765, 51.431], district: 'Dellviertel' },
  { id: 'K026', name: 'Friedrich-Wilhelm-Straße / Steinsche Gasse / Universitätsstraße', pos: [6.7612, 51.4318], district: 'Altstadt' },
  { id: 'K027', name: 'Wanheimer Straße / Claubergstraße', pos: [6.7645, 51.4268], district: 'Dellviertel' },
  { id: 'K028', name: 'Wanheimer Straße / Musfeldstraße', pos: [6.7642, 51.4235], district: 'Dellviertel' },
  { id: 'K029', name: 'Wanheimer Straße / Heerstraße', pos: [6.7638, 51.4198], district: 'Hochfeld' },
  { id: 'K030', name: 'Wanheimer Straße / Rheinhauser Straße', pos: [6.7615, 51.416], district: 'Hochfeld' },
  { id: 'K031', name: 'Rheinhauser Straße / Paulusstraße', pos: [6.755, 51.416], district: 'Hochfeld' },
  { id: 'K032', name: 'Heerstraße / Paulusstraße', pos: [6.756, 51.4195], district: 'Hochfeld' },
  { id: 'K033', name: 'Plessingstraße / Heerstraße', pos: [6.759, 51.4196], district: 'Hochfeld' },
  { id: 'K034', name: 'Plessingstraße / Musfeldstraße', pos: [6.7585, 51.4238], district: 'Dellviertel' },
  { id: 'K035', name: 'Plessingstraße / Claubergstraße', pos: [6.7582, 51.427], district: 'Dellviertel' },
  { id: 'K036', name: 'Universitätsstraße / Plessingstraße', pos: [6.7578, 51.4325], district: 'Dellviertel' },
  // Altstadt and Innenhafen
  { id: 'K037', name: 'Universitätsstraße / Philosophenweg (Marientor)', pos: [6.754, 51.4368], district: 'Altstadt' },
  { id: 'K038', name: 'Steinsche Gasse / Sonnenwall / Münzstraße', pos: [6.7608, 51.434], district: 'Altstadt' },
  { id: 'K039', name: 'Sonnenwall / Schwanenstraße', pos: [6.7605, 51.4358], district: 'Altstadt' },
  { id: 'K040', name: 'Schwanenstraße / Philosophenweg (Schwanentor Süd)', pos: [6.7608, 51.4376], district: 'Altstadt' },
  {
    id: 'K041',
    name: 'Schwanentor / Ruhrorter Straße / Schifferstraße',
    pos: [6.7612, 51.4392],
    district: 'Kaßlerfeld',
    extra: [{ street: 'Schifferstraße', bearingDeg: 265, lanes: 1 }],
  },
  {
    id: 'K042',
    name: 'Ruhrorter Straße / Am Unteren Werth',
    pos: [6.76, 51.4428],
    district: 'Kaßlerfeld',
    extra: [{ street: 'Am Unteren Werth', bearingDeg: 260, lanes: 1 }],
  },
  {
    id: 'K043',
    name: 'Ruhrorter Straße / Karl-Lehr-Straße',
    pos: [6.758, 51.4472],
    district: 'Kaßlerfeld',
    extra: [
      { street: 'Ruhrorter Straße (Karl-Lehr-Brücke)', bearingDeg: 160, lanes: 2 },
      { street: 'Karl-Lehr-Straße', bearingDeg: 255, lanes: 1 },
    ],
  },
  // Neudorf-Nord and Duissern, east of the tracks
  { id: 'K044', name: 'Mülheimer Straße / Oranienstraße', pos: [6.783, 51.436], district: 'Duissern' },
  { id: 'K045', name: 'Mülheimer Straße / Kammerstraße', pos: [6.787, 51.4363], district: 'Neudorf-Nord' },
  { id: 'K046', name: 'Mülheimer Straße / Lotharstraße', pos: [6.7935, 51.4368], district: 'Neudorf-Nord' },
  { id: 'K047', name: 'Mülheimer Straße / Forsthausweg (Zoo/Uni)', pos: [6.799, 51.4372], district: 'Neudorf-Nord' },
  { id: 'K048', name: 'Oranienstraße / Falkstraße', pos: [6.7827, 51.4392], district: 'Duissern' },
  { id: 'K049', name: 'Falkstraße / Kammerstraße', pos: [6.7873, 51.4395], district: 'Duissern' },
  { id: 'K050', name: 'Neudorfer Straße / Kammerstraße', pos: [6.7865, 51.4288], district: 'Neudorf-Nord' },
  { id: 'K051', name: 'Neudorfer Straße / Lotharstraße', pos: [6.7938, 51.4277], district: 'Neudorf-Nord' },
  { id: 'K052', name: 'Lotharstraße / Sternbuschweg', pos: [6.7945, 51.421], district: 'Neudorf-Süd' },
  { id: 'K053', name: 'Sternbuschweg / Forsthausweg', pos: [6.7995, 51.4215], district: 'Neudorf-Süd' },
  // Kalkweg (Wanheimerort - Sportpark) and the B8 south
  {
    id: 'K054',
    name: 'Kalkweg / Margaretenstraße (MSV-Arena)',
    pos: [6.7815, 51.4092],
    district: 'Neudorf-Süd',
    extra: [{ street: 'Margaretenstraße', bearingDeg: 5, lanes: 1 }],
  },
  { id: 'K055', name: 'Düsseldorfer Straße / Kalkweg', pos: [6.7712, 51.4085], district: 'Wanheimerort' },
  {
    id: 'K056',
    name: 'Kalkweg / A59 (AS Duisburg-Wanheimerort)',
    pos: [6.774, 51.4086],
    district: 'Wanheimerort',
    extra: [
      { street: 'A59 Ausfahrt Duisburg-Wanheimerort (aus Süden)', bearingDeg: 0, lanes: 1 },
      { street: 'A59 Ausfahrt Duisburg-Wanheimerort (aus Norden)', bearingDeg: 180, lanes: 1 },
    ],
  },
  {
    id: 'K057',
    name: 'Wanheimer Straße / Kalkweg',
    pos: [6.764, 51.4082],
    district: 'Wanheimerort',
    extra: [{ street: 'Wanheimer Straße', bearingDeg: 5, lanes: 1 }],
  },
  {
    id: 'K058',
    name: 'Düsseldorfer Straße / Sittardsberger Allee',
    pos: [6.77, 51.392],
    district: 'Buchholz',
    extra: [
      { street: 'Düsseldorfer Straße', bearingDeg: 0, lanes: 2 },
      { street: 'Sittardsberger Allee', bearingDeg: 85, lanes: 1 },
      { street: 'Sittardsberger Allee', bearingDeg: 265, lanes: 1 },
    ],
  },
  {
    id: 'K059',
    name: 'Landfermannstraße / Neckarstraße (Opernplatz)',
    pos: [6.7708, 51.4328],
    district: 'Mitte',
    extra: [{ street: 'Neckarstraße', bearingDeg: 175, lanes: 1 }],
  },
  {
    id: 'K060',
    name: 'Rheinhauser Straße / Brückenkopf Brücke der Solidarität',
    pos: [6.744, 51.4158],
    district: 'Hochfeld',
    extra: [{ street: 'Brücke der Solidarität', bearingDeg: 85, lanes: 2 }],
  },
  {
    id: 'K061',
    name: 'Mülheimer Straße / Zoo Duisburg',
    pos: [6.806, 51.4385],
    district: 'Neudorf-Nord',
    extra: [
      { street: 'Mülheimer Straße', bearingDeg: 265, lanes: 2 },
      { street: 'Zufahrt Zoo-Parkplatz', bearingDeg: 180, lanes: 1 },
    ],
  },
];

interface CorridorSpec {
  street: string;
  roadClass: RoadClass;
  /** Lanes per direction. */
  lanes: number;
  speedLimitKmh: number;
  /** Intersection ids in driving order, with shape points ([lon, lat]) between them. */
  path: (string | LngLat)[];
}

/** Streets as chains of junctions; each consecutive pair of junctions gives one link per direction. */
const CORRIDORS: CorridorSpec[] = [
  { street: 'Mercatorstraße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K001', 'K005', 'K002', 'K009', 'K003'] },
  { street: 'Kardinal-Galen-Straße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K001', 'K016', 'K015', 'K017', 'K018'] },
  { street: 'Friedrich-Wilhelm-Straße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K001', 'K004', 'K025', 'K026'] },
  {
    street: 'Mülheimer Straße',
    roadClass: 'primary',
    lanes: 2,
    speedLimitKmh: 50,
    path: ['K003', 'K006', [6.7765, 51.4356], 'K007', 'K044', 'K045', 'K046', 'K047', [6.8025, 51.4378], 'K061'],
  },
  { street: 'Düsseldorfer Straße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K004', 'K022', 'K023', 'K024', [6.7714, 51.414], 'K055', [6.7708, 51.4], 'K058'] },
  { street: 'Am Buchenbaum', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K008', [6.7791, 51.4328], 'K007'] },
  { street: 'Koloniestraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K008', 'K021', 'K020'] },
  { street: 'Neudorfer Straße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K008', 'K050', 'K051'] },
  { street: 'Kammerstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K050', 'K045', 'K049'] },
  { street: 'Oranienstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K044', 'K048'] },
  { street: 'Falkstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K048', 'K049'] },
  { street: 'Lotharstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K046', 'K051', 'K052'] },
  { street: 'Sternbuschweg', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K020', 'K052', 'K053'] },
  { street: 'Forsthausweg', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K047', [6.7993, 51.43], 'K053'] },
  {
    street: 'Heerstraße',
    roadClass: 'secondary',
    lanes: 1,
    speedLimitKmh: 50,
    path: ['K020', [6.7775, 51.4202], 'K019', 'K018', 'K024', 'K029', 'K033', 'K032'],
  },
  { street: 'Wanheimer Straße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K025', 'K027', 'K028', 'K029', 'K030', [6.7628, 51.412], 'K057'] },
  { street: 'Claubergstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K016', 'K022', 'K027', 'K035'] },
  { street: 'Musfeldstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K017', 'K023', 'K028', 'K034'] },
  { street: 'Plessingstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K036', 'K035', 'K034', 'K033'] },
  { street: 'Universitätsstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K026', 'K036', [6.7558, 51.4345], 'K037'] },
  { street: 'Steinsche Gasse', roadClass: 'secondary', lanes: 1, speedLimitKmh: 30, path: ['K026', 'K038'] },
  { street: 'Sonnenwall', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K038', 'K039'] },
  { street: 'Schwanenstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K039', 'K040'] },
  { street: 'Schwanentor', roadClass: 'secondary', lanes: 1, speedLimitKmh: 30, path: ['K040', 'K041'] },
  { street: 'Ruhrorter Straße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K041', 'K042', [6.7592, 51.445], 'K043'] },
  { street: 'Philosophenweg', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K040', [6.758, 51.4374], [6.7555, 51.4371], 'K037'] },
  { street: 'Landfermannstraße', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K002', 'K059', 'K010', 'K013'] },
  { street: 'Mainstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K009', 'K011', 'K014'] },
  { street: 'Saarstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K010', 'K011', 'K012'] },
  { street: 'Kuhlenwall', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K013', 'K014', [6.7672, 51.4365], 'K012', [6.7708, 51.4361], 'K003'] },
  { street: 'Rheinhauser Straße', roadClass: 'primary', lanes: 2, speedLimitKmh: 50, path: ['K030', 'K031', 'K060'] },
  { street: 'Paulusstraße', roadClass: 'tertiary', lanes: 1, speedLimitKmh: 30, path: ['K032', 'K031'] },
  { street: 'Kalkweg', roadClass: 'secondary', lanes: 1, speedLimitKmh: 50, path: ['K057', 'K055', 'K056', [6.779, 51.409], 'K054'] },
];

function buildLinks(): Link[] {
  const ids = new Set(NODES.map((n) => n.id));
  const pos = new Map(NODES.map((n) => [n.id, n.pos] as const));
  const links: Link[] = [];
  for (const c of CORRIDORS) {
    let from: string | null = null;
    let shape: LngLat[] = [];
    for (const step of c.path) {
      if (typeof step !== 'string') {
        shape.push(step);
        continue;
      }
      if (!ids.has(step)) throw new Error(`corridor ${c.street}: unknown intersection ${step}`);
      if (from !== null) {
        const geometry: LngLat[] = [pos.get(from)!, ...shape, pos.get(step)!];
        const base = { street: c.street, roadClass: c.roadClass, lanes: c.lanes, speedLimitKmh: c.speedLimitKmh };
        links.push({ id: `${from}-${step}`, ...base, from, to: step, geometry });
        links.push({ id: `${step}-${from}`, ...base, from: step, to: from, geometry: [...geometry].reverse() });
      }
      from = step;
      shape = [];
    }
  }
  return links;
}

/** Directed road links between the modelled intersections (one per direction of travel). */
export const LINKS: Link[] = buildLinks();

function buildIntersections(): Intersection[] {
  return NODES.map((n) => {
    const raw: Omit<Approach, 'id'>[] = [];
    for (const l of LINKS) {
      if (l.to !== n.id) continue;
      const g = l.geometry;
      raw.push({ street: l.street, bearingDeg: Math.round(bearingDeg(g[g.length - 2]!, g[g.length - 1]!)) % 360, lanes: l.lanes, fromLink: l.id });
    }
    for (const e of n.extra ?? []) raw.push({ street: e.street, bearingDeg: e.bearingDeg, lanes: e.lanes });
    const used = new Set<string>();
    const approaches: Approach[] = raw.map((a) => {
      const base = comesFrom(a.bearingDeg);
      let id = base;
      for (let k = 2; used.has(id); k++) id = `${base}${k}`;
      used.add(id);
      return { id, ...a };
    });
    return { id: n.id, name: n.name, pos: n.pos, district: n.district, approaches };
  });
}

/** The modelled, real (if approximately placed) signalised intersections. */
export const INTERSECTIONS: Intersection[] = buildIntersections();

// ---- generated outer ring -------------------------------------------------------------------------

/** INTERSECTIONS plus a generated ring of this size gives the ~550 sites of the full demo. */
export const TOTAL_SITES = 550;
export const DEFAULT_OUTER_RING_COUNT = TOTAL_SITES - INTERSECTIONS.length;

interface Area {
  district: string;
  centre: LngLat;
  radiusM: number;
  /** Relative share of generated sites (roughly population / road density). */
  weight: number;
  /** Bank of the Rhine: 'E' (right bank, most of the city) or 'W' (Homberg, Baerl, Rheinhausen). */
  bank: 'E' | 'W';
}

/** Plausible Stadtteil centres outside the modelled inner city (approximate). */
const AREAS: Area[] = [
  // Walsum
  { district: 'Aldenrade', centre: [6.73, 51.523], radiusM: 900, weight: 12, bank: 'E' },
  { district: 'Vierlinden', centre: [6.748, 51.518], radiusM: 800, weight: 9, bank: 'E' },
  { district: 'Wehofen', centre: [6.757, 51.532], radiusM: 700, weight: 5, bank: 'E' },
  { district: 'Alt-Walsum', centre: [6.708, 51.532], radiusM: 600, weight: 5, bank: 'E' },
  { district: 'Overbruch', centre: [6.722, 51.543], radiusM: 700, weight: 5, bank: 'E' },
  { district: 'Fahrn', centre: [6.74, 51.508], radiusM: 600, weight: 5, bank: 'E' },
  // Hamborn
  { district: 'Marxloh', centre: [6.763, 51.503], radiusM: 800, weight: 13, bank: 'E' },
  { district: 'Alt-Hamborn', centre: [6.768, 51.492], radiusM: 800, weight: 13, bank: 'E' },
  { district: 'Obermarxloh', centre: [6.781, 51.505], radiusM: 700, weight: 7, bank: 'E' },
  { district: 'Neumühl', centre: [6.793, 51.495], radiusM: 800, weight: 9, bank: 'E' },
  { district: 'Röttgersbach', centre: [6.781, 51.517], radiusM: 700, weight: 7, bank: 'E' },
  // Meiderich/Beeck
  { district: 'Mittelmeiderich', centre: [6.775, 51.466], radiusM: 800, weight: 13, bank: 'E' },
  { district: 'Untermeiderich', centre: [6.76, 51.47], radiusM: 500, weight: 5, bank: 'E' },
  { district: 'Obermeiderich', centre: [6.797, 51.472], radiusM: 700, weight: 7, bank: 'E' },
  { district: 'Beeck', centre: [6.742, 51.478], radiusM: 700, weight: 7, bank: 'E' },
  { district: 'Laar', centre: [6.733, 51.4665], radiusM: 500, weight: 5, bank: 'E' },
  // Homberg/Ruhrort/Baerl
  { district: 'Ruhrort', centre: [6.7325, 51.4585], radiusM: 350, weight: 4, bank: 'E' },
  { district: 'Homberg', centre: [6.697, 51.4565], radiusM: 700, weight: 8, bank: 'W' },
  { district: 'Hochheide', centre: [6.678, 51.449], radiusM: 700, weight: 8, bank: 'W' },
  { district: 'Essenberg', centre: [6.706, 51.44], radiusM: 500, weight: 4, bank: 'W' },
  { district: 'Baerl', centre: [6.686, 51.497], radiusM: 800, weight: 5, bank: 'W' },
  // Rheinhausen
  { district: 'Hochemmerich', centre: [6.706, 51.404], radiusM: 700, weight: 8, bank: 'W' },
  { district: 'Rheinhausen-Mitte', centre: [6.716, 51.3985], radiusM: 500, weight: 5, bank: 'W' },
  { district: 'Bergheim', centre: [6.676, 51.389], radiusM: 800, weight: 8, bank: 'W' },
  { district: 'Friemersheim', centre: [6.697, 51.384], radiusM: 600, weight: 5, bank: 'W' },
  { district: 'Rumeln-Kaldenhausen', centre: [6.652, 51.392], radiusM: 900, weight: 8, bank: 'W' },
  { district: 'Oestrum', centre: [6.686, 51.41], radiusM: 500, weight: 4, bank: 'W' },
  // Mitte outside the modelled core
  { district: 'Neuenkamp', centre: [6.742, 51.4435], radiusM: 500, weight: 4, bank: 'E' },
  { district: 'Wanheimerort', centre: [6.758, 51.402], radiusM: 700, weight: 8, bank: 'E' },
  { district: 'Hochfeld', centre: [6.752, 51.41], radiusM: 400, weight: 3, bank: 'E' },
  { district: 'Duissern', centre: [6.795, 51.443], radiusM: 400, weight: 3, bank: 'E' },
  // Süd
  { district: 'Buchholz', centre: [6.765, 51.386], radiusM: 800, weight: 10, bank: 'E' },
  { district: 'Wedau', centre: [6.797, 51.398], radiusM: 450, weight: 4, bank: 'E' },
  { district: 'Bissingheim', centre: [6.813, 51.399], radiusM: 400, weight: 3, bank: 'E' },
  { district: 'Wanheim-Angerhausen', centre: [6.745, 51.392], radiusM: 700, weight: 6, bank: 'E' },
  { district: 'Großenbaum', centre: [6.788, 51.37], radiusM: 700, weight: 7, bank: 'E' },
  { district: 'Rahm', centre: [6.796, 51.356], radiusM: 600, weight: 5, bank: 'E' },
  { district: 'Huckingen', centre: [6.752, 51.372], radiusM: 800, weight: 8, bank: 'E' },
  { district: 'Hüttenheim', centre: [6.726, 51.365], radiusM: 450, weight: 3, bank: 'E' },
  { district: 'Ungelsheim', centre: [6.737, 51.36], radiusM: 400, weight: 3, bank: 'E' },
  { district: 'Mündelheim', centre: [6.704, 51.353], radiusM: 600, weight: 4, bank: 'E' },
  { district: 'Serm', centre: [6.735, 51.342], radiusM: 450, weight: 2, bank: 'E' },
];

/** Land without streets: harbour basins, works, lakes and parks (centre, radius m). Approximate. */
export const UNBUILT_AREAS: readonly { centre: LngLat; radiusM: number }[] = [
  { centre: [6.758, 51.4585], radiusM: 800 }, // Ruhrort harbour basins
  { centre: [6.785, 51.4605], radiusM: 450 }, // Kaiserhafen
  { centre: [6.785, 51.482], radiusM: 550 }, // Landschaftspark Nord
  { centre: [6.733, 51.497], radiusM: 800 }, // steelworks Bruckhausen/Schwelgern
  { centre: [6.708, 51.376], radiusM: 650 }, // HKM steelworks Hüttenheim
  { centre: [6.72, 51.393], radiusM: 450 }, // logport
  { centre: [6.803, 51.384], radiusM: 900 }, // Sechs-Seen-Platte
  { centre: [6.789, 51.405], radiusM: 600 }, // Sportpark Wedau
  { centre: [6.815, 51.418], radiusM: 900 }, // Stadtwald
];

const MIN_SPACING_GENERATED_M = 90;
const MIN_SPACING_TO_REAL_M = 150;
const MIN_RHINE_DISTANCE_M = 350;

/**
 * A deterministic, generated outer ring of `count` intersections over the rest of the city
 * (Walsum, Hamborn, Meiderich/Beeck, Ruhrort, Homberg, Baerl, Rheinhausen, Süd and outer Mitte).
 * These are not real sites: they are plausible positions around approximate district centres,
 * kept inside the city boundary, on the right bank of the Rhine and off it, out of harbours,
 * works, lakes and parks. Same (count, seed) -> same output.
 */
export function generateOuterRing(count: number, seed: number): Intersection[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`count must be a non-negative integer, got ${count}`);
  const rng = new Rng(seed);
  const totalWeight = AREAS.reduce((s, a) => s + a.weight, 0);
  // Largest-remainder allocation of `count` over the areas.
  const exact = AREAS.map((a) => (count * a.weight) / totalWeight);
  const quota = exact.map(Math.floor);
  let left = count - quota.reduce((s, q) => s + q, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    quota[i]!++;
  }

  const placed: LngLat[] = [];
  const out: Intersection[] = [];
  const perDistrict = new Map<string, number>();
  const ok = (p: LngLat, area: Area): boolean => {
    if (p[0] < CITY_BOUNDS[0][0] || p[0] > CITY_BOUNDS[1][0] || p[1] < CITY_BOUNDS[0][1] || p[1] > CITY_BOUNDS[1][1]) return false;
    if (!pointInRing(p, CITY_BOUNDARY)) return false;
    const rhine = polylineDistance(p, RHINE_CENTRELINE);
    if (rhine.distanceM < MIN_RHINE_DISTANCE_M) return false;
    if ((rhine.side > 0 ? 'W' : 'E') !== area.bank) return false;
    if (UNBUILT_AREAS.some((z) => distanceM(p, z.centre) < z.radiusM)) return false;
    if (INTERSECTIONS.some((x) => distanceM(p, x.pos) < MIN_SPACING_TO_REAL_M)) return false;
    return !placed.some((q) => distanceM(p, q) < MIN_SPACING_GENERATED_M);
  };

  // Round-robin over the areas so that a crowded area cannot starve the others of attempts.
  const remaining = [...quota];
  let pending = count;
  for (let round = 0; pending > 0; round++) {
    if (round > 400) throw new Error(`generateOuterRing: could only place ${count - pending} of ${count} sites`);
    AREAS.forEach((area, i) => {
      if (remaining[i]! <= 0) return;
      // After a while, widen the area a little (at most 30 %) so a full area can still place its quota.
      const radius = area.radiusM * (1 + Math.min(0.3, round / 100));
      for (let attempt = 0; attempt < 40; attempt++) {
        const r = radius * Math.sqrt(rng.next());
        const phi = 2 * Math.PI * rng.next();
        const dLat = (r * Math.cos(phi)) / (RAD * EARTH_R);
        const dLon = (r * Math.sin(phi)) / (RAD * EARTH_R * Math.cos(area.centre[1] * RAD));
        const p: LngLat = [round5(area.centre[0] + dLon), round5(area.centre[1] + dLat)];
        if (!ok(p, area)) continue;
        placed.push(p);
        remaining[i]!--;
        pending--;
        const n = (perDistrict.get(area.district) ?? 0) + 1;
        perDistrict.set(area.district, n);
        out.push(makeGenerated(out.length, area.district, n, p, rng));
        break;
      }
    });
  }
  return out;
}

function makeGenerated(index: number, district: string, n: number, pos: LngLat, rng: Rng): Intersection {
  const id = `K${1001 + index}`;
  const theta = 90 * rng.next(); // orientation of the local street grid
  const arms = rng.next() < 0.3 ? 3 : 4;
  const skip = arms === 3 ? Math.floor(rng.next() * 4) : -1;
  const majorLanes = rng.next() < 0.45 ? 2 : 1;
  const used = new Set<string>();
  const approaches: Approach[] = [];
  for (let k = 0; k < 4; k++) {
    if (k === skip) continue;
    const armDir = theta + 90 * k + (rng.next() - 0.5) * 16; // where the arm points, seen from the junction
    const bearing = Math.round((armDir + 180 + 360) % 360) % 360; // traffic on it drives towards the junction
    const major = k % 2 === 0;
    const base = comesFrom(bearing);
    let aid = base;
    for (let j = 2; used.has(aid); j++) aid = `${base}${j}`;
    used.add(aid);
    approaches.push({ id: aid, street: major ? 'Hauptachse' : 'Querstraße', bearingDeg: bearing, lanes: major ? majorLanes : 1 });
  }
  return { id, name: `${district}, generierter Knoten ${n}`, pos, district, approaches, generated: true };
}
