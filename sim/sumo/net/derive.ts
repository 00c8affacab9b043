/**
 * From a SUMO network to our controller contract, per traffic light (tlLogic):
 *
 * - Signal groups: the tlLogic's links (`<connection tl linkIndex>`) that show the same state
 *   (green / amber / red-amber / red / off, 'G' and 'g' both green) in every phase of the program form
 *   one group (RiLSA "Signalgruppe": the movements one signal head shows). Crossing links -> pedestrian
 *   groups, tram-only lanes -> tram groups, everything else -> vehicle groups. Links whose state never
 *   changes (always off 'O', always red, always green bypasses) are not signal groups: the bridge
 *   keeps their SUMO character as it is.
 * - Conflicts (feindliche Signalgruppen): two groups conflict when a link of one is a foe of a link of
 *   the other in the junction's right-of-way matrix (`<request foes>`) AND the program never shows the
 *   two green together. Foes that the program does show green together are movements that merely
 *   yield — SUMO gives the yielding one 'g' (minor green), e.g. a permissive left turn against the
 *   opposing through traffic, or a right turn across a green pedestrian crossing. RiLSA 2015 calls
 *   them "bedingt verträglich" (conditionally compatible): they are allowed together and are not
 *   conflicts. Foes the program always separates in time are treated as true conflicts, even where the
 *   right-of-way matrix would let one yield (a protected-only left turn stays protected).
 * - Intergreens t_z = t_ü + t_r − t_e (RiLSA 2015, 2.5) from the junction geometry: clearing path =
 *   the internal lanes of the clearing link up to the first crossing with the entering link's path.
 *   They are capped by what the network's own fixed-time program gives between the two groups (the
 *   installation's approved programme is the authority on its intergreens; SUMO programs rarely have
 *   all-red), and never below the clearing group's amber (validateSpec).
 * - Amber = the program's yellow after a green; red-amber = its 'u' before a green (0 in most SUMO
 *   programs); minimum green = RiLSA 5 s for vehicles, crossing time/2 at 1.2 m/s for pedestrians,
 *   never above the shortest green of the program.
 * - Fixed-time plan: the program's phases laid out on the cycle (whole seconds), green windows per
 *   group; offset relative to SUMO time 0 (the bridge maps it onto the epoch).
 * - Approaches: incoming edges with controlled vehicle links: bearing at the stop line, lanes, street,
 *   upstream installation (when the edge starts at another signalised junction), length, speed limit,
 *   geometry. Detectors: one lane-area detector per incoming vehicle lane (sim/sumo/detectors.ts).
 */
import {
  validatePlan,
  validateSpec,
  type ControllerSpec,
  type SignalGroup,
  type SignalPlan,
  type TlsMeta,
  type Violation,
} from '../../../protocol/index.ts';
import { bearingDeg, firstCrossing, polylineLengthM, projectionOf, type Projection } from './geo.ts';
import { sanitiseIds } from './ids.ts';
import { readNet, type NetConnection, type NetEdge, type NetLane, type NetTlLogic, type Pt, type RawNet } from './parse.ts';

export type LinkKind = 'vehicle' | 'pedestrian' | 'tram';

/** State classes of SUMO link characters (SUMO docs "Traffic Lights", signal state definitions). */
export const CLS_RED = 0;
export const CLS_RED_AMBER = 1;
export const CLS_GREEN = 2;
export const CLS_AMBER = 3;
export const CLS_OFF = 4;

export function charClass(c: string): number {
  switch (c) {
    case 'G':
    case 'g':
      return CLS_GREEN;
    case 'y':
    case 'Y':
      return CLS_AMBER;
    case 'u':
      return CLS_RED_AMBER;
    case 'o':
    case 'O':
      return CLS_OFF;
    default: // 'r', 's' (right turn on red after stopping: a red signal)
      return CLS_RED;
  }
}

export interface SumoLink {
  index: number;
  kind: LinkKind;
  fromEdge: string;
  fromLane: string;
  toEdge: string;
  dir: string;
  junction: string | null;
  /** Index in the junction's request matrix, −1 when unknown. */
  request: number;
  /** Path through the junction (internal lanes / the crossing). */
  path: Pt[];
}

export interface SumoApproach {
  /** Our approach id (compass letters of where the traffic comes from: n, ne, ..., nb). */
  id: string;
  edge: string;
  /** Vehicle lane ids, rightmost first; detector k+1 sits on laneIds[k]. */
  laneIds: string[];
  laneLengthM: number[];
  meta: TlsMeta['approaches'][number];
}

export interface SumoDetector {
  /** Our detector id (DetectorReport), `${tlsId}-${approachId}${lane}`. */
  id: string;
  /** SUMO lane-area detector id. */
  sumoId: string;
  laneId: string;
  posM: number;
  endPosM: number;
}

export interface SumoSignal {
  /** SUMO traffic light id. */
  tlId: string;
  /** Our device id (sanitised). */
  id: string;
  name: string;
  lon: number;
  lat: number;
  programId: string;
  /** SUMO's offset attribute of the program. */
  programOffsetSec: number;
  spec: ControllerSpec;
  /** The program as our plan; offsetSec relative to SUMO time 0 (epochPlan maps it onto the epoch). */
  plan: SignalPlan;
  /** Phases of the program (durations rounded to whole seconds). */
  phases: { durationSec: number; state: string }[];
  links: SumoLink[];
  /** Group index of every link (index into spec.signalGroups), −1 for links kept static. */
  linkGroup: Int16Array;
  /** The SUMO character a static link always shows (from the program); '' for grouped links. */
  staticChar: string[];
  /** Per link, the links it must yield to (junction `response`), for 'G' vs 'g'. */
  yieldsTo: number[][];
  approaches: SumoApproach[];
  detectors: SumoDetector[];
  /** What could not be derived cleanly (non-integer phase durations, capped intergreens, ...). */
  warnings: string[];
  /** validatePlan(spec, plan) of the derived program: empty unless the network's program is unsafe by our rules. */
  planViolations: Violation[];
}

export interface SumoNetwork {
  path: string;
  projection: Projection['kind'];
  /** Network x/y -> [lon, lat] (transit positions). */
  toLonLat: Projection['toLonLat'];
  signals: SumoSignal[];
  /** SUMO tl id -> our device id. */
  idMap: Map<string, string>;
  /** Signals skipped entirely, with the reason. */
  skipped: { tlId: string; reason: string }[];
}

export interface DeriveOptions {
  /** Where networks without a projection are placed, [lon, lat]. */
  origin?: [number, number];
  /** Detector zone length from the stop line upstream, m (cameras/radars of a real intersection). */
  detectorLengthM?: number;
}

// ---- RiLSA constants ------------------------------------------------------------------------------

/** Minimum green of vehicle groups (RiLSA 2015). */
const VEHICLE_MIN_GREEN_SEC = 5;
/** Pedestrian clearing speed (RiLSA: 1.2 m/s). */
const V_PED_MS = 1.2;
/** Clearing speeds (RiLSA): 10 m/s straight on, 7 m/s turning. */
const V_CLEAR_STRAIGHT_MS = 10;
const V_CLEAR_TURN_MS = 7;
/** Entering speed of vehicles starting at the stop line (RiLSA: 40 km/h as an upper bound). */
const V_ENTER_MS = 40 / 3.6;
/** Clearing vehicle length (RiLSA: 6 m for cars; trams: a 30 m unit). */
const L_CAR_M = 6;
const L_TRAM_M = 30;
/** Passing time t_ü when the program has no amber for the group (VwV-StVO: 3 s at 50 km/h). */
const T_PASS_DEFAULT_SEC = 3;
export const DETECTOR_LENGTH_M = 150;
const MAX_GROUPS = 32;
const MAX_APPROACHES = 16;
const MAX_DETECTORS = 64;

const TRAM_CLASSES = new Set(['tram', 'rail_urban', 'rail', 'rail_electric', 'light_rail', 'cable_car', 'subway']);
const NON_MOTOR = new Set(['pedestrian', 'bicycle']);

function laneKind(l: NetLane | undefined): LinkKind | 'non-motor' {
  if (!l?.allow) return 'vehicle';
  const cls = l.allow.split(/\s+/).filter(Boolean);
  if (cls.length && cls.every((c) => TRAM_CLASSES.has(c))) return 'tram';
  if (cls.length && cls.every((c) => NON_MOTOR.has(c))) return 'non-motor';
  return 'vehicle';
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Bit k of a SUMO request bit string (rightmost character = link 0). */
function bit(s: string, k: number): boolean {
  const i = s.length - 1 - k;
  return i >= 0 && s.charCodeAt(i) === 49; // '1'
}

const COMPASS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'];

/** Reads a net file and derives every signal. */
export async function loadSumoNetwork(path: string, opts: DeriveOptions = {}): Promise<SumoNetwork> {
  return deriveSignals(await readNet(path), path, opts);
}

export function deriveSignals(net: RawNet, path: string, opts: DeriveOptions = {}): SumoNetwork {
  const proj = projectionOf(net.location, opts.origin);
  const laneById = new Map<string, NetLane>();
  const edgeOfLane = new Map<string, NetEdge>();
  for (const e of net.edges.values()) {
    for (const l of e.lanes) {
      laneById.set(l.id, l);
      edgeOfLane.set(l.id, e);
    }
  }
  // Internal lane -> (junction, request index), from the junctions' intLanes (index = request index).
  const reqOfLane = new Map<string, [string, number]>();
  for (const j of net.junctions.values()) j.intLanes.forEach((l, k) => reqOfLane.set(l, [j.id, k]));

  const byTl = new Map<string, NetConnection[]>();
  for (const c of net.tlConnections) {
    let l = byTl.get(c.tl!);
    if (!l) byTl.set(c.tl!, (l = []));
    l.push(c);
  }
  // Junction -> tl, for the upstream installation of an approach.
  const tlOfJunction = new Map<string, string>();
  for (const c of net.tlConnections) {
    const e = net.edges.get(c.from);
    if (e && !e.fn) tlOfJunction.set(e.to, c.tl!);
  }

  const tlIds = [...net.tlLogics.keys()].filter((id) => byTl.has(id));
  const idMap = sanitiseIds(tlIds);
  const signals: SumoSignal[] = [];
  const skipped: SumoNetwork['skipped'] = [];
  for (const tlId of tlIds) {
    try {
      const s = deriveOne(net.tlLogics.get(tlId)!, byTl.get(tlId)!, { net, proj, laneById, edgeOfLane, reqOfLane, tlOfJunction, idMap, detectorLengthM: opts.detectorLengthM ?? DETECTOR_LENGTH_M });
      if (typeof s === 'string') skipped.push({ tlId, reason: s });
      else signals.push(s);
    } catch (e) {
      skipped.push({ tlId, reason: (e as Error).message });
    }
  }
  for (const id of net.tlLogics.keys()) if (!byTl.has(id)) skipped.push({ tlId: id, reason: 'no controlled connections' });
  return { path, projection: proj.kind, toLonLat: proj.toLonLat, signals, idMap, skipped };
}

interface Ctx {
  net: RawNet;
  proj: Projection;
  laneById: Map<string, NetLane>;
  edgeOfLane: Map<string, NetEdge>;
  reqOfLane: Map<string, [string, number]>;
  tlOfJunction: Map<string, string>;
  idMap: Map<string, string>;
  detectorLengthM: number;
}

function deriveOne(tl: NetTlLogic, conns: NetConnection[], ctx: Ctx): SumoSignal | string {
  const { net, proj, laneById } = ctx;
  const warnings: string[] = [];
  const id = ctx.idMap.get(tl.id)!;
  if (tl.phases.length === 0) return 'program has no phases';
  const L = tl.phases[0]!.state.length;
  if (tl.phases.some((p) => p.state.length !== L)) return 'phases have state strings of different lengths';
  if (tl.type !== 'static') warnings.push(`program type ${tl.type}: read as its fixed-time default durations`);

  // Whole-second phases (RiLSA / OCIT-O resolution).
  const phases = tl.phases.map((p) => {
    const d = Math.max(1, Math.round(p.durationSec));
    if (Math.abs(d - p.durationSec) > 1e-6) warnings.push(`phase duration ${p.durationSec} s rounded to ${d} s`);
    return { durationSec: d, state: p.state };
  });
  const C = phases.reduce((s, p) => s + p.durationSec, 0);

  // ---- links
  const linkConns: NetConnection[][] = Array.from({ length: L }, () => []);
  for (const c of conns) if (c.linkIndex >= 0 && c.linkIndex < L) linkConns[c.linkIndex]!.push(c);
  const links: SumoLink[] = linkConns.map((cs, index) => {
    const c = cs[0];
    if (!c) return { index, kind: 'vehicle', fromEdge: '', fromLane: '', toEdge: '', dir: '', junction: null, request: -1, path: [] };
    const toEdge = net.edges.get(c.to);
    const fromEdge = net.edges.get(c.from);
    const pedestrian = toEdge?.fn === 'crossing' || fromEdge?.fn === 'walkingarea';
    const fromLane = `${c.from}_${c.fromLane}`;
    let junction: string | null = null;
    let request = -1;
    let path: Pt[] = [];
    if (pedestrian) {
      const cl = `${c.to}_${c.toLane}`;
      path = laneById.get(cl)?.shape ?? [];
      const r = ctx.reqOfLane.get(cl);
      if (r) [junction, request] = r;
    } else {
      // Follow the via chain (an internal junction splits left turns into two internal lanes); the
      // lane listed in the junction's intLanes carries the request index.
      let lane = c.via;
      for (let guard = 0; lane && guard < 8; guard++) {
        path = path.concat(laneById.get(lane)?.shape ?? []);
        const r = ctx.reqOfLane.get(lane);
        if (r) [junction, request] = r;
        lane = ctx.net.internalNext.get(lane) ?? null;
      }
    }
    const lk = laneKind(laneById.get(fromLane));
    return { index, kind: pedestrian ? 'pedestrian' : lk === 'tram' ? 'tram' : 'vehicle', fromEdge: c.from, fromLane, toEdge: c.to, dir: c.dir, junction, request, path };
  });

  // ---- groups: links with the same state class in every phase
  const seqOf = (k: number) => phases.map((p) => charClass(p.state[k]!)).join('');
  const groupKeys = new Map<string, number>();
  const groupLinks: number[][] = [];
  const groupKind: LinkKind[] = [];
  const linkGroup = new Int16Array(L).fill(-1);
  const staticChar: string[] = new Array(L).fill('');
  for (let k = 0; k < L; k++) {
    const seq = seqOf(k);
    const changes = /[^0]/.test(seq) && new Set(seq).size > 1 && seq.includes(String(CLS_GREEN));
    if (!changes || linkConns[k]!.length === 0) {
      staticChar[k] = phases[0]!.state[k]!;
      continue;
    }
    const key = `${links[k]!.kind}|${seq}`;
    let g = groupKeys.get(key);
    if (g === undefined) {
      g = groupLinks.length;
      groupKeys.set(key, g);
      groupLinks.push([]);
      groupKind.push(links[k]!.kind);
    }
    groupLinks[g]!.push(k);
    linkGroup[k] = g;
  }
  const G = groupLinks.length;
  if (G === 0) return 'no link changes state in the program';
  if (G > MAX_GROUPS) return `${G} signal groups, more than the ${MAX_GROUPS} a controller spec allows`;

  // Group ids: K (Kfz), F (Fußgänger), S (Straßenbahn), numbered in link order.
  const counters = { vehicle: 0, pedestrian: 0, tram: 0 };
  const prefix = { vehicle: 'K', pedestrian: 'F', tram: 'S' } as const;
  const groupIds = groupKind.map((kind) => `${prefix[kind]}${++counters[kind]}`);

  // ---- green masks per group over the cycle
  const cls = (g: number, p: number) => charClass(phases[p]!.state[groupLinks[g]![0]!]!);
  const phaseAt = new Int32Array(C);
  {
    let t = 0;
    phases.forEach((p, i) => {
      for (let k = 0; k < p.durationSec; k++) phaseAt[t++] = i;
    });
  }
  const shownGreen = groupLinks.map((_, g) => Uint8Array.from(phaseAt, (p) => (cls(g, p) === CLS_GREEN ? 1 : 0)));
  const classAt = (g: number, t: number) => cls(g, phaseAt[mod(t, C)]!);
  // A yellow directly followed by green again, without a second of red (SUMO's 'G y G' where a
  // permissive movement becomes protected, often across the cycle wrap), is not a signal change our
  // rules allow (VwV-StVO zu § 37: at least 1 s red before the next green; validatePlan MIN_RED). The
  // plan counts such a yellow as green, so the group keeps its real amber; conflicts are still judged
  // on what SUMO shows, and the folded plan must pass validatePlan (CONFLICT) like any other.
  const green = shownGreen.map((m, g) => {
    const f = m.slice();
    if (!m.includes(1) || !m.includes(0)) return f;
    const start = m.indexOf(1);
    for (let k = 1; k <= C; k++) {
      const t = (start + k) % C;
      if (m[t] || !m[mod(t - 1, C)]) continue;
      // t: first second after a green; look at the gap to the next green.
      let len = 0;
      let red = false;
      while (len < C && !m[(t + len) % C]) {
        if (classAt(g, t + len) !== CLS_AMBER) red = true;
        len++;
      }
      if (!red && len < C) {
        for (let j = 0; j < len; j++) f[(t + j) % C] = 1;
        warnings.push(`group ${groupIds[g]}: ${len} s yellow directly followed by green again; counted as green in the plan`);
      }
    }
    return f;
  });

  // ---- conflicts
  const req = (l: SumoLink) => (l.junction ? net.junctions.get(l.junction)?.requests[l.request] : undefined);
  const foe = (a: SumoLink, b: SumoLink) => {
    if (!a.junction || a.junction !== b.junction) return false;
    const ra = req(a);
    const rb = req(b);
    return (ra ? bit(ra.foes, b.request) : false) || (rb ? bit(rb.foes, a.request) : false);
  };
  const together = (g: number, h: number) => shownGreen[g]!.some((v, t) => v === 1 && shownGreen[h]![t] === 1);
  const conflict: boolean[][] = Array.from({ length: G }, () => new Array(G).fill(false));
  for (let g = 0; g < G; g++) {
    for (let h = g + 1; h < G; h++) {
      if (together(g, h)) continue; // conditionally compatible at most (RiLSA "bedingt verträglich")
      let f = false;
      for (const a of groupLinks[g]!) {
        for (const b of groupLinks[h]!) if (foe(links[a]!, links[b]!)) f = true;
      }
      conflict[g]![h] = conflict[h]![g] = f;
    }
  }

  // ---- amber, red-amber, minimum green from the program
  const runs = (g: number) => {
    const m = green[g]!;
    const out: { start: number; len: number }[] = [];
    for (let t = 0; t < C; t++) {
      if (m[t] && !m[mod(t - 1, C)]) {
        let len = 0;
        while (len < C && m[(t + len) % C]) len++;
        out.push({ start: t, len });
      }
    }
    return out;
  };
  const groupRuns = groupLinks.map((_, g) => runs(g));
  const amber = new Int32Array(G);
  const redAmber = new Int32Array(G);
  const minGreen = new Int32Array(G);
  for (let g = 0; g < G; g++) {
    let am = Infinity;
    let ra = Infinity;
    let shortest = Infinity;
    for (const r of groupRuns[g]!) {
      shortest = Math.min(shortest, r.len);
      let y = 0;
      while (y < C && classAt(g, r.start + r.len + y) === CLS_AMBER) y++;
      am = Math.min(am, y);
      let u = 0;
      while (u < C && classAt(g, r.start - 1 - u) === CLS_RED_AMBER) u++;
      ra = Math.min(ra, u);
    }
    redAmber[g] = Math.min(2, ra === Infinity ? 0 : ra);
    amber[g] = Math.min(10, am === Infinity ? 0 : am);
    if (groupKind[g] === 'pedestrian') {
      const crossM = Math.max(0, ...groupLinks[g]!.map((k) => polylineLengthM(links[k]!.path)));
      minGreen[g] = Math.max(VEHICLE_MIN_GREEN_SEC, Math.ceil(crossM / 2 / V_PED_MS));
    } else minGreen[g] = VEHICLE_MIN_GREEN_SEC;
    minGreen[g] = Math.max(1, Math.min(minGreen[g]!, shortest === Infinity ? 1 : shortest, 300));
  }

  // ---- intergreens (RiLSA t_z = t_ü + t_r − t_e), capped by the program's own transition
  const ig = new Int32Array(G * G).fill(-1);
  for (let c = 0; c < G; c++) {
    for (let e = 0; e < G; e++) {
      if (c === e || !conflict[c]![e]) continue;
      let tz = 0;
      for (const ka of groupLinks[c]!) {
        for (const kb of groupLinks[e]!) {
          const a = links[ka]!;
          const b = links[kb]!;
          if (!foe(a, b)) continue;
          tz = Math.max(tz, rilsaIntergreen(a, b, amber[c]!));
        }
      }
      tz = Math.max(tz, amber[c]!, groupKind[c] === 'pedestrian' ? 1 : 0);
      // The program's own intergreen c -> e: for every start of green of e, the seconds since c's green.
      let programGap = Infinity;
      for (const r of groupRuns[e]!) {
        let gap = 0;
        while (gap < C && !green[c]![mod(r.start - 1 - gap, C)]) gap++;
        programGap = Math.min(programGap, gap);
      }
      if (programGap < tz) {
        const capped = Math.max(amber[c]!, programGap);
        if (capped < tz) warnings.push(`intergreen ${groupIds[c]}->${groupIds[e]}: geometry gives ${tz} s, the program ${programGap} s; using ${capped} s`);
        tz = capped;
      }
      ig[c * G + e] = Math.min(120, tz);
    }
  }

  // ---- approaches and detectors
  const approachEdges: string[] = [];
  for (const l of links) {
    if (l.kind === 'pedestrian' || !l.fromEdge) continue;
    if (!approachEdges.includes(l.fromEdge)) approachEdges.push(l.fromEdge);
  }
  // Keep the junctions' incoming order (counter-clockwise in SUMO), stable and readable.
  const approaches: SumoApproach[] = [];
  const usedApIds = new Set<string>();
  for (const edgeId of approachEdges.slice(0, MAX_APPROACHES)) {
    const e = net.edges.get(edgeId);
    if (!e) continue;
    const laneIds = [...new Set(links.filter((l) => l.fromEdge === edgeId && l.kind !== 'pedestrian').map((l) => l.fromLane))].sort(
      (x, y) => (laneById.get(x)?.index ?? 0) - (laneById.get(y)?.index ?? 0),
    );
    if (laneIds.length === 0) continue;
    const ref = laneById.get(laneIds[0]!)!;
    const shape = ref.shape;
    const b = shape.length >= 2 ? bearingDeg(shape[shape.length - 2]!, shape[shape.length - 1]!) : 0;
    const from = COMPASS[Math.round(mod(b + 180, 360) / 45) % 8]!;
    let apId = from;
    for (let s = 0; usedApIds.has(apId); s++) apId = from + String.fromCharCode(98 + s); // nb, nc, ...
    usedApIds.add(apId);
    const upTl = ctx.tlOfJunction.get(e.from);
    const upstream =
      upTl && upTl !== tl.id && ctx.idMap.has(upTl) && ref.lengthM > 0
        ? {
            tlsId: ctx.idMap.get(upTl)!,
            lengthM: Math.min(20_000, Math.max(1, Math.round(ref.lengthM))),
            speedLimitKmh: Math.min(130, Math.max(1, Math.round(ref.speedMs * 3.6))),
            ...(shape.length >= 2 ? { geometry: thin(shape, 200).map(([x, y]) => proj.toLonLat(x, y)) } : {}),
          }
        : undefined;
    approaches.push({
      id: apId,
      edge: edgeId,
      laneIds: laneIds.slice(0, 12),
      laneLengthM: laneIds.slice(0, 12).map((l) => laneById.get(l)?.lengthM ?? 0),
      meta: { id: apId, street: (e.name || e.id).slice(0, 200), bearingDeg: b, lanes: Math.min(12, laneIds.length), ...(upstream ? { upstream } : {}) },
    });
  }
  if (approachEdges.length > MAX_APPROACHES) warnings.push(`${approachEdges.length} approaches; the first ${MAX_APPROACHES} are announced`);
  const detectors: SumoDetector[] = [];
  for (const ap of approaches) {
    ap.laneIds.forEach((laneId, k) => {
      if (detectors.length >= MAX_DETECTORS) return;
      const len = ap.laneLengthM[k]!;
      detectors.push({ id: `${id}-${ap.id}${k + 1}`, sumoId: `bridge_e2_${laneId}`, laneId, posM: Math.max(0, round2(len - ctx.detectorLengthM)), endPosM: round2(len) });
    });
  }

  // ---- spec and plan
  const apOfEdge = new Map(approaches.map((a) => [a.edge, a.id] as const));
  const signalGroups: SignalGroup[] = groupIds.map((gid, g) => {
    const aps = new Set<string>();
    for (const k of groupLinks[g]!) {
      const l = links[k]!;
      if (l.kind === 'pedestrian') {
        for (const ce of net.edges.get(l.toEdge)?.crossingEdges ?? []) {
          const a = apOfEdge.get(ce);
          if (a) aps.add(a);
        }
      } else {
        const a = apOfEdge.get(l.fromEdge);
        if (a) aps.add(a);
      }
    }
    return {
      id: gid,
      kind: groupKind[g]!,
      approachIds: [...aps].slice(0, 16),
      minGreenSec: minGreen[g]!,
      amberSec: amber[g]!,
      redAmberSec: redAmber[g]!,
    };
  });
  const spec: ControllerSpec = { signalGroups, conflicts: [], intergreenSec: [], maxCycleSec: Math.min(3600, Math.max(120, C)) };
  for (let c = 0; c < G; c++) {
    for (let e = 0; e < G; e++) {
      if (ig[c * G + e]! < 0) continue;
      if (c < e) spec.conflicts.push([groupIds[c]!, groupIds[e]!]);
      spec.intergreenSec.push({ from: groupIds[c]!, to: groupIds[e]!, sec: ig[c * G + e]! });
    }
  }
  const greens: SignalPlan['greens'] = [];
  groupRuns.forEach((rs, g) => {
    for (const r of rs) {
      const end = r.start + r.len;
      greens.push({ groupId: groupIds[g]!, startSec: r.start, endSec: end === C ? C : end % C });
    }
  });
  const plan: SignalPlan = { planId: `sumo-${tl.programId}`.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 64), cycleSec: C, offsetSec: mod(tl.offsetSec, C), greens };
  const specViolations = validateSpec(spec);
  if (specViolations.length) return `derived spec invalid: ${specViolations.map((v) => v.message).join('; ')}`;
  const planViolations = validatePlan(spec, plan);
  for (const v of planViolations) warnings.push(`program violates ${v.code}: ${v.message}`);

  // ---- yields (for 'G' vs 'g' when the bridge sets states itself)
  const yieldsTo: number[][] = links.map((a) => {
    const r = req(a);
    if (!r) return [];
    const out: number[] = [];
    for (const b of links) if (b !== a && b.junction === a.junction && bit(r.response, b.request)) out.push(b.index);
    return out;
  });

  // ---- position and name
  const junctionIds = [...new Set(links.map((l) => (l.fromEdge ? net.edges.get(l.fromEdge)?.to : undefined)).filter((j): j is string => !!j && !j.startsWith(':')))];
  const pts = junctionIds.map((j) => net.junctionPos.get(j)).filter((p): p is Pt => !!p);
  const cx = pts.reduce((s, p) => s + p[0], 0) / Math.max(1, pts.length);
  const cy = pts.reduce((s, p) => s + p[1], 0) / Math.max(1, pts.length);
  const [lon, lat] = proj.toLonLat(cx, cy);
  const streets = [...new Set(approaches.map((a) => net.edges.get(a.edge)?.name).filter((n): n is string => !!n))];
  const name = (streets.length ? streets.join(' / ') : `SUMO ${tl.id}`).slice(0, 200);

  return {
    tlId: tl.id,
    id,
    name,
    lon,
    lat,
    programId: tl.programId,
    programOffsetSec: tl.offsetSec,
    spec,
    plan,
    phases,
    links,
    linkGroup,
    staticChar,
    yieldsTo,
    approaches,
    detectors,
    warnings,
    planViolations,
  };
}

/**
 * RiLSA 2015 intergreen for one clearing link a and one entering link b that are foes:
 * t_z = t_ü + t_r − t_e with t_ü the passing time during amber (pedestrians: 0), t_r the clearing
 * time from the stop line past the conflict point plus the vehicle length, t_e the entering time from
 * the stop line to the conflict point (pedestrians entering: 0, they are at the conflict point at once).
 */
export function rilsaIntergreen(a: SumoLink, b: SumoLink, amberSec: number): number {
  const la = polylineLengthM(a.path);
  const lb = polylineLengthM(b.path);
  const x = firstCrossing(a.path, b.path);
  // No crossing of the centre lines: a merge (both into the same edge) at the end of both paths.
  let sa = x ? x.alongA : la;
  const sb = x ? x.alongB : b.toEdge === a.toEdge ? lb : 0;
  if (a.kind === 'pedestrian') {
    // Pedestrians may be anywhere on the crossing and walk either way: the longer remaining part.
    sa = Math.max(sa, la - sa);
    const te = b.kind === 'pedestrian' ? 0 : sb / V_ENTER_MS;
    return Math.ceil(sa / V_PED_MS - te);
  }
  const tPass = amberSec > 0 ? amberSec : T_PASS_DEFAULT_SEC;
  const vClear = a.dir === 's' ? V_CLEAR_STRAIGHT_MS : V_CLEAR_TURN_MS;
  const tr = (sa + (a.kind === 'tram' ? L_TRAM_M : L_CAR_M)) / vClear;
  const te = b.kind === 'pedestrian' ? 0 : sb / V_ENTER_MS;
  return Math.ceil(tPass + tr - te);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** At most n points, keeping the first and last. */
function thin(p: Pt[], n: number): Pt[] {
  if (p.length <= n) return p;
  const out: Pt[] = [];
  for (let i = 0; i < n; i++) out.push(p[Math.round((i * (p.length - 1)) / (n - 1))]!);
  return out;
}

/**
 * The program as our plan in the epoch time base. SUMO runs a program at cycle position
 * (t − offset) mod C at simulation time t (checked against SUMO 1.15's SaveTLSStates output, see
 * net.test.ts); our plans are at cycle second (epoch − offsetSec) mod C (protocol/signal.ts). With SUMO
 * time 0 mapped to epoch second E0 the plan offset is (E0 + offset) mod C.
 */
export function epochPlan(s: Pick<SumoSignal, 'plan' | 'programOffsetSec'>, epochAtSimZeroSec: number): SignalPlan {
  return { ...s.plan, offsetSec: mod(epochAtSimZeroSec + s.programOffsetSec, s.plan.cycleSec) };
}
