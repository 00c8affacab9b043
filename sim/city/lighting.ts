/**
 * Duisburg's street-lamp inventory as the simulator sees it: ~46,000 lamps fed by ~460 control
 * cabinets (Schaltschränke) of ~50-150 lamps each, grouped by Stadtteil.
 *
 * GENERATED, NOT SURVEYED. Every lamp and cabinet position here is generated:
 * - in the modelled centre, lamps are placed every ~32 m along the modelled road links (LINKS of
 *   duisburg.ts), alternating sides, so they follow the real (approximately drawn) main streets;
 * - elsewhere each cabinet gets a small synthetic street grid around it, inside an approximate
 *   district circle, inside the city boundary, off the Rhine and out of harbours, works and lakes.
 * The district list, centres, radii and weights are approximate (written from memory; the weights
 * roughly follow population and road density). The technology mix (~60 % LED, rest mostly sodium
 * and compact fluorescent) and wattages are typical of a German city mid-way through its LED
 * conversion, not Duisburg's actual register. Same (count, seed) -> same inventory.
 */
import type { LampTechnology } from '../../protocol/lighting.ts';
import { Rng } from '../rng.ts';
import {
  CITY_BOUNDARY,
  CITY_BOUNDS,
  INTERSECTIONS,
  LINKS,
  RHINE_CENTRELINE,
  distanceM,
  pointInRing,
  polylineDistance,
  UNBUILT_AREAS,
} from './duisburg.ts';
import type { LngLat } from './types.ts';

export const DEFAULT_LAMP_COUNT = 46_000;
/** Target lamps per cabinet; actual sizes vary ~50-150 at full scale. */
export const LAMPS_PER_CABINET = 100;
const MIN_CABINET = 50;
const MAX_CABINET = 150;

/** Index of a technology in `TECHNOLOGIES`; stored per lamp as a Uint8. */
export const TECHNOLOGIES: readonly LampTechnology[] = ['LED', 'HPS', 'CFL', 'fluorescent', 'MH'];
export const TECH_LED = 0;
export const TECH_HPS = 1;
export const TECH_CFL = 2;
export const TECH_FLUORESCENT = 3;
export const TECH_MH = 4;

export interface Cabinet {
  /** 'SK0001' ... */
  id: string;
  district: string;
  lon: number;
  lat: number;
  /** Index of the cabinet's first lamp; its lamps are contiguous. */
  firstLamp: number;
  lampCount: number;
  /** Main-road cabinet along the modelled network (higher wattages). */
  mainRoad: boolean;
}

/** Struct of arrays: lamp i of the whole city is at index i of every array. */
export interface LampInventory {
  cabinets: Cabinet[];
  lampIds: string[];
  lon: Float64Array;
  lat: Float64Array;
  nominalW: Float32Array;
  /** Index into TECHNOLOGIES. */
  tech: Uint8Array;
  /** Index into `cabinets`. */
  cabinet: Uint16Array;
}

interface District {
  name: string;
  centre: LngLat;
  radiusM: number;
  /** Relative share of the lamps (population and road density). */
  weight: number;
  bank: 'E' | 'W';
}

/** Stadtteile with approximate centres (from memory, ~200-500 m) and weights. */
const DISTRICTS: District[] = [
  // Mitte (the modelled centre: lamps along LINKS first, the rest generated)
  { name: 'Altstadt', centre: [6.7625, 51.4355], radiusM: 550, weight: 16, bank: 'E' },
  { name: 'Dellviertel', centre: [6.766, 51.4262], radiusM: 650, weight: 18, bank: 'E' },
  { name: 'Neudorf-Nord', centre: [6.789, 51.432], radiusM: 750, weight: 18, bank: 'E' },
  { name: 'Neudorf-Süd', centre: [6.789, 51.4185], radiusM: 700, weight: 14, bank: 'E' },
  { name: 'Duissern', centre: [6.792, 51.4435], radiusM: 650, weight: 12, bank: 'E' },
  { name: 'Kaßlerfeld', centre: [6.7585, 51.445], radiusM: 500, weight: 6, bank: 'E' },
  { name: 'Hochfeld', centre: [6.7535, 51.414], radiusM: 650, weight: 12, bank: 'E' },
  { name: 'Neuenkamp', centre: [6.744, 51.4425], radiusM: 550, weight: 6, bank: 'E' },
  { name: 'Wanheimerort', centre: [6.7615, 51.4025], radiusM: 800, weight: 14, bank: 'E' },
  // Süd
  { name: 'Buchholz', centre: [6.766, 51.386], radiusM: 900, weight: 14, bank: 'E' },
  { name: 'Wedau', centre: [6.797, 51.398], radiusM: 500, weight: 5, bank: 'E' },
  { name: 'Bissingheim', centre: [6.813, 51.3995], radiusM: 450, weight: 4, bank: 'E' },
  { name: 'Wanheim-Angerhausen', centre: [6.746, 51.392], radiusM: 800, weight: 9, bank: 'E' },
  { name: 'Großenbaum', centre: [6.787, 51.37], radiusM: 800, weight: 10, bank: 'E' },
  { name: 'Rahm', centre: [6.796, 51.356], radiusM: 650, weight: 6, bank: 'E' },
  { name: 'Huckingen', centre: [6.752, 51.372], radiusM: 900, weight: 11, bank: 'E' },
  { name: 'Hüttenheim', centre: [6.727, 51.366], radiusM: 500, weight: 4, bank: 'E' },
  { name: 'Ungelsheim', centre: [6.738, 51.36], radiusM: 450, weight: 4, bank: 'E' },
  { name: 'Mündelheim', centre: [6.705, 51.353], radiusM: 650, weight: 5, bank: 'E' },
  { name: 'Serm', centre: [6.735, 51.342], radiusM: 500, weight: 2, bank: 'E' },
  // Meiderich/Beeck
  { name: 'Mittelmeiderich', centre: [6.775, 51.466], radiusM: 900, weight: 16, bank: 'E' },
  { name: 'Untermeiderich', centre: [6.76, 51.47], radiusM: 550, weight: 6, bank: 'E' },
  { name: 'Obermeiderich', centre: [6.797, 51.472], radiusM: 800, weight: 9, bank: 'E' },
  { name: 'Beeck', centre: [6.742, 51.479], radiusM: 750, weight: 8, bank: 'E' },
  { name: 'Beeckerwerth', centre: [6.722, 51.486], radiusM: 450, weight: 3, bank: 'E' },
  { name: 'Laar', centre: [6.733, 51.4665], radiusM: 550, weight: 5, bank: 'E' },
  { name: 'Bruckhausen', centre: [6.745, 51.4905], radiusM: 450, weight: 3, bank: 'E' },
  // Hamborn
  { name: 'Alt-Hamborn', centre: [6.768, 51.492], radiusM: 850, weight: 14, bank: 'E' },
  { name: 'Marxloh', centre: [6.763, 51.503], radiusM: 850, weight: 14, bank: 'E' },
  { name: 'Obermarxloh', centre: [6.781, 51.505], radiusM: 750, weight: 8, bank: 'E' },
  { name: 'Neumühl', centre: [6.793, 51.495], radiusM: 850, weight: 11, bank: 'E' },
  { name: 'Röttgersbach', centre: [6.781, 51.517], radiusM: 750, weight: 8, bank: 'E' },
  // Walsum
  { name: 'Aldenrade', centre: [6.73, 51.523], radiusM: 900, weight: 12, bank: 'E' },
  { name: 'Vierlinden', centre: [6.748, 51.518], radiusM: 850, weight: 10, bank: 'E' },
  { name: 'Wehofen', centre: [6.757, 51.532], radiusM: 700, weight: 5, bank: 'E' },
  { name: 'Alt-Walsum', centre: [6.711, 51.532], radiusM: 600, weight: 4, bank: 'E' },
  { name: 'Overbruch', centre: [6.722, 51.543], radiusM: 700, weight: 4, bank: 'E' },
  { name: 'Fahrn', centre: [6.74, 51.507], radiusM: 600, weight: 5, bank: 'E' },
  // Ruhrort and the left bank
  { name: 'Ruhrort', centre: [6.7325, 51.4585], radiusM: 400, weight: 4, bank: 'E' },
  { name: 'Homberg', centre: [6.697, 51.4565], radiusM: 800, weight: 9, bank: 'W' },
  { name: 'Hochheide', centre: [6.678, 51.449], radiusM: 800, weight: 9, bank: 'W' },
  { name: 'Baerl', centre: [6.686, 51.497], radiusM: 900, weight: 5, bank: 'W' },
  { name: 'Hochemmerich', centre: [6.706, 51.404], radiusM: 800, weight: 10, bank: 'W' },
  { name: 'Rheinhausen-Mitte', centre: [6.716, 51.3985], radiusM: 550, weight: 6, bank: 'W' },
  { name: 'Bergheim', centre: [6.676, 51.389], radiusM: 900, weight: 10, bank: 'W' },
  { name: 'Friemersheim', centre: [6.697, 51.384], radiusM: 650, weight: 6, bank: 'W' },
  { name: 'Rumeln-Kaldenhausen', centre: [6.652, 51.392], radiusM: 1000, weight: 10, bank: 'W' },
];

/** Lamps may stand closer to a park or harbour edge than a junction may: 50 m inside the areas. */
const LAMP_EDGE_M = 50;

const MIN_RHINE_DISTANCE_M = 250;
const STREET_SPACING_M = 32;
const MAIN_ROAD_SPACING_M = 30;

const EARTH_R = 6371008.8;
const RAD = Math.PI / 180;

function offset(p: LngLat, eastM: number, northM: number): LngLat {
  return [p[0] + eastM / (RAD * EARTH_R * Math.cos(p[1] * RAD)), p[1] + northM / (RAD * EARTH_R)];
}

const round5 = (x: number) => Math.round(x * 1e5) / 1e5;

function usable(p: LngLat, bank: 'E' | 'W' | null): boolean {
  if (p[0] < CITY_BOUNDS[0][0] || p[0] > CITY_BOUNDS[1][0] || p[1] < CITY_BOUNDS[0][1] || p[1] > CITY_BOUNDS[1][1]) return false;
  if (!pointInRing(p, CITY_BOUNDARY)) return false;
  const rhine = polylineDistance(p, RHINE_CENTRELINE);
  if (rhine.distanceM < MIN_RHINE_DISTANCE_M) return false;
  if (bank !== null && (rhine.side > 0 ? 'W' : 'E') !== bank) return false;
  for (const z of UNBUILT_AREAS) if (distanceM(p, z.centre) < z.radiusM - LAMP_EDGE_M) return false;
  return true;
}

/** Largest-remainder split of `total` by weights. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((s, q) => s + q, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

/** Split n lamps into cabinets of ~100 (50-150 when n allows). */
function cabinetSizes(n: number, rng: Rng): number[] {
  if (n <= 0) return [];
  const k = Math.max(1, Math.round(n / LAMPS_PER_CABINET));
  const w = Array.from({ length: k }, () => 0.6 + 0.8 * rng.next());
  const sizes = apportion(n, w);
  // Pull sizes into [MIN, MAX] where the total allows, moving lamps between neighbours.
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 0; i < k; i++) {
      const j = (i + 1) % k;
      if (sizes[i]! > MAX_CABINET) {
        const d = sizes[i]! - MAX_CABINET;
        sizes[i]! -= d;
        sizes[j]! += d;
      } else if (sizes[i]! < MIN_CABINET && k > 1 && sizes[j]! > MIN_CABINET) {
        const d = Math.min(MIN_CABINET - sizes[i]!, sizes[j]! - MIN_CABINET);
        sizes[i]! += d;
        sizes[j]! -= d;
      }
    }
  }
  return sizes;
}

interface Draft {
  district: string;
  pos: LngLat;
  lamps: LngLat[];
  mainRoad: boolean;
}

/** Smallest distance between the end lamps of two runs of lamps. */
function gapM(a: readonly LngLat[], b: readonly LngLat[]): number {
  const ea = [a[0]!, a[a.length - 1]!];
  const eb = [b[0]!, b[b.length - 1]!];
  let best = Infinity;
  for (const p of ea) for (const q of eb) best = Math.min(best, distanceM(p, q));
  return best;
}

/**
 * Lamps along the modelled network of the centre (one run per undirected link), grouped into
 * main-road cabinets of ~100 lamps; charged to the districts' quotas.
 */
function networkCabinets(quota: Map<string, number>): Draft[] {
  const districtOf = new Map(INTERSECTIONS.map((x) => [x.id, x.district] as const));
  // The TLS layer calls the station area 'Mitte' (the Stadtbezirk); charge it to the Altstadt's quota.
  const quotaKey = (d: string) => (quota.has(d) ? d : 'Altstadt');
  const runs: Draft[] = [];
  for (const link of LINKS) {
    if (link.from > link.to) continue; // one of the two directions
    const district = districtOf.get(link.from) ?? 'Altstadt';
    const lamps: LngLat[] = [];
    const g = link.geometry;
    let nextAt = MAIN_ROAD_SPACING_M / 2; // distance along the link of the next lamp
    let s0 = 0;
    let side = 1;
    for (let i = 1; i < g.length; i++) {
      const a = g[i - 1]!;
      const b = g[i]!;
      const len = distanceM(a, b);
      if (len < 1) continue;
      const ex = ((b[0] - a[0]) * RAD * EARTH_R * Math.cos(a[1] * RAD)) / len;
      const ny = ((b[1] - a[1]) * RAD * EARTH_R) / len;
      for (; nextAt < s0 + len; nextAt += MAIN_ROAD_SPACING_M) {
        const d = nextAt - s0;
        const onAxis = offset(a, ex * d, ny * d);
        // Staggered on both sides of the carriageway, ~9 m off the centreline.
        const p = offset(onAxis, -ny * 9 * side, ex * 9 * side);
        side = -side;
        lamps.push([round5(p[0]), round5(p[1])]);
      }
      s0 += len;
    }
    if (lamps.length > 0) runs.push({ district, pos: lamps[0]!, lamps, mainRoad: true });
  }
  // Links of one street follow each other in LINKS: a run joins the district's open cabinet while
  // that stays small and the run starts near it.
  const groups: Draft[] = [];
  const open = new Map<string, Draft>();
  for (const r of runs) {
    const cur = open.get(r.district);
    if (cur && cur.lamps.length + r.lamps.length <= LAMPS_PER_CABINET + 20 && gapM(cur.lamps, r.lamps) < 700) {
      cur.lamps.push(...r.lamps);
      continue;
    }
    const next: Draft = { ...r, lamps: [...r.lamps] };
    open.set(r.district, next);
    groups.push(next);
  }
  // Split the rare oversized group; fold small ones into a near neighbour of the district, or drop
  // them (their quota goes to generated cabinets).
  let out: Draft[] = [];
  for (const g of groups) for (let i = 0; i < g.lamps.length; i += MAX_CABINET) out.push({ ...g, lamps: g.lamps.slice(i, i + MAX_CABINET) });
  for (let k = out.length - 1; k >= 0; k--) {
    const g = out[k]!;
    if (g.lamps.length >= MIN_CABINET) continue;
    let host: Draft | null = null;
    let best = 1200;
    for (const h of out) {
      if (h === g || h.district !== g.district || h.lamps.length + g.lamps.length > MAX_CABINET) continue;
      const d = gapM(h.lamps, g.lamps);
      if (d < best) {
        best = d;
        host = h;
      }
    }
    if (host) host.lamps.push(...g.lamps);
    out.splice(k, 1);
  }
  // Charge the quotas; a district whose quota is smaller than its network keeps what fits.
  out = out.flatMap((g) => {
    const key = quotaKey(g.district);
    const left = quota.get(key) ?? 0;
    const take = Math.min(left, g.lamps.length);
    if (take < MIN_CABINET) return [];
    quota.set(key, left - take);
    const lamps = g.lamps.slice(0, take);
    const mid = lamps[Math.floor(lamps.length / 2)]!;
    return [{ ...g, lamps, pos: [round5(mid[0] + 0.00012), round5(mid[1] + 0.00008)] as LngLat }];
  });
  return out;
}

/** A synthetic street grid around a cabinet: parallel and crossing streets, lamps ~32 m apart. */
function gridLamps(centre: LngLat, n: number, bank: 'E' | 'W', rng: Rng): LngLat[] {
  const theta = rng.next() * Math.PI; // grid orientation
  const u: [number, number] = [Math.sin(theta), Math.cos(theta)];
  const v: [number, number] = [-u[1], u[0]];
  const spacingStreets = 90 + 40 * rng.next();
  const out: LngLat[] = [];
  // Streets in order of distance from the cabinet: 0, +1, -1, +2, -2 ... alternating directions.
  for (let ring = 0; out.length < n && ring < 14; ring++) {
    for (const sgn of ring === 0 ? [1] : [1, -1]) {
      for (const dir of [0, 1]) {
        if (out.length >= n) break;
        const along = dir === 0 ? u : v;
        const across = dir === 0 ? v : u;
        const off = sgn * ring * spacingStreets;
        const halfLen = 150 + 100 * rng.next() + 40 * ring;
        const phase = rng.next() * STREET_SPACING_M;
        for (let d = -halfLen + phase; d <= halfLen && out.length < n; d += STREET_SPACING_M) {
          const jitter = (rng.next() - 0.5) * 4;
          const e = along[0] * (d + jitter) + across[0] * (off + 6);
          const no = along[1] * (d + jitter) + across[1] * (off + 6);
          const o = offset(centre, e, no);
          const p: LngLat = [round5(o[0]), round5(o[1])];
          if (!usable(p, bank)) continue;
          out.push(p);
        }
      }
    }
  }
  // Dense fallback (should not happen at sensible sizes): a spiral around the cabinet.
  for (let k = 0; out.length < n && k < 100_000; k++) {
    const r = 20 + 4 * Math.sqrt(k) * 10;
    const a = k * 2.39996;
    const o = offset(centre, r * Math.cos(a), r * Math.sin(a));
    const p: LngLat = [round5(o[0]), round5(o[1])];
    if (usable(p, null)) out.push(p);
  }
  return out;
}

function pickTech(primary: number, rng: Rng): number {
  if (rng.next() < 0.85) return primary;
  const x = rng.next();
  return x < 0.45 ? TECH_LED : x < 0.75 ? TECH_HPS : x < 0.92 ? TECH_CFL : x < 0.97 ? TECH_FLUORESCENT : TECH_MH;
}

function primaryTech(rng: Rng): number {
  const x = rng.next();
  return x < 0.58 ? TECH_LED : x < 0.86 ? TECH_HPS : x < 0.95 ? TECH_CFL : x < 0.98 ? TECH_FLUORESCENT : TECH_MH;
}

const WATTS: Record<number, { res: number[]; main: number[] }> = {
  [TECH_LED]: { res: [19, 24, 28, 36, 40], main: [56, 70, 84, 105] },
  [TECH_HPS]: { res: [50, 70], main: [100, 150] },
  [TECH_CFL]: { res: [36, 42, 57], main: [57] },
  [TECH_FLUORESCENT]: { res: [36, 58], main: [58] },
  [TECH_MH]: { res: [45, 70], main: [100, 150] },
};

/**
 * Generates the city's lamp inventory: `count` lamps (default 46,000) over ~count/100 cabinets.
 * Costs ~0.2-0.5 s for the full city; call once.
 */
export function generateLampInventory(opts: { count?: number; seed?: number } = {}): LampInventory {
  const count = opts.count ?? DEFAULT_LAMP_COUNT;
  if (!Number.isInteger(count) || count < 1) throw new Error(`lamp count must be a positive integer, got ${count}`);
  const rng = new Rng((opts.seed ?? 1) ^ 0x5eed1a);
  const quotaList = apportion(count, DISTRICTS.map((d) => d.weight));
  const quota = new Map(DISTRICTS.map((d, i) => [d.name, quotaList[i]!] as const));

  const drafts: Draft[] = networkCabinets(quota);
  const placedCabinets: LngLat[] = drafts.map((d) => d.pos);

  DISTRICTS.forEach((d) => {
    const n = quota.get(d.name)!;
    for (const size of cabinetSizes(n, rng)) {
      // Cabinet position: inside the district, usable, and apart from the other cabinets if possible.
      let pos: LngLat | null = null;
      for (let attempt = 0; attempt < 400 && pos === null; attempt++) {
        const minSep = attempt < 150 ? 300 : attempt < 300 ? 180 : 0;
        const grow = 1 + Math.min(0.5, attempt / 400);
        const r = d.radiusM * grow * Math.sqrt(rng.next());
        const phi = 2 * Math.PI * rng.next();
        const o = offset(d.centre, r * Math.sin(phi), r * Math.cos(phi));
        const p: LngLat = [round5(o[0]), round5(o[1])];
        if (!usable(p, d.bank)) continue;
        if (minSep > 0 && placedCabinets.some((q) => Math.abs(q[1] - p[1]) < 0.003 && distanceM(p, q) < minSep)) continue;
        pos = p;
      }
      pos ??= [round5(d.centre[0]), round5(d.centre[1])];
      placedCabinets.push(pos);
      drafts.push({ district: d.name, pos, lamps: gridLamps(pos, size, d.bank, rng), mainRoad: false });
    }
  });

  const n = drafts.reduce((s, d) => s + d.lamps.length, 0);
  const inv: LampInventory = {
    cabinets: [],
    lampIds: new Array<string>(n),
    lon: new Float64Array(n),
    lat: new Float64Array(n),
    nominalW: new Float32Array(n),
    tech: new Uint8Array(n),
    cabinet: new Uint16Array(n),
  };
  if (drafts.length > 65_535) throw new Error('too many cabinets for Uint16 indices');
  let i = 0;
  drafts.forEach((d, c) => {
    const id = `SK${String(c + 1).padStart(4, '0')}`;
    const primary = primaryTech(rng);
    inv.cabinets.push({ id, district: d.district, lon: d.pos[0], lat: d.pos[1], firstLamp: i, lampCount: d.lamps.length, mainRoad: d.mainRoad });
    d.lamps.forEach((p, k) => {
      const tech = pickTech(primary, rng);
      const choices = d.mainRoad ? WATTS[tech]!.main : WATTS[tech]!.res;
      inv.lampIds[i] = `${id}-${String(k + 1).padStart(3, '0')}`;
      inv.lon[i] = p[0];
      inv.lat[i] = p[1];
      inv.tech[i] = tech;
      inv.nominalW[i] = choices[Math.floor(rng.next() * choices.length)]!;
      inv.cabinet[i] = c;
      i++;
    });
  });
  return inv;
}
