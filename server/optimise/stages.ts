/**
 * A controller spec in the form the optimiser works with: per-group arrays, the intergreen matrix,
 * and the stages (Phasen) derivable from it.
 *
 * Stages are the MAXIMAL conflict-free sets of signal groups (maximal cliques of the compatibility
 * graph; Bron & Kerbosch 1973, "Algorithm 457: finding all cliques of an undirected graph", with
 * Tomita pivoting). Max-pressure (Varaiya 2013) chooses among exactly these: a non-maximal set is
 * never better, since adding a compatible group adds service at no cost.
 */
import type { ControllerSpec } from '../../protocol/signal.ts';

/** Default longest red of a vehicle group when its spec gives none (issue 8 fairness rule), s. */
export const DEFAULT_VEHICLE_MAX_RED_SEC = 120;
/** At most this many stages are kept (bounded work per second; real junctions have < 10). */
export const MAX_STAGES = 64;

export interface CompiledSpec {
  spec: ControllerSpec;
  G: number;
  ids: string[];
  index: Map<string, number>;
  vehicle: Uint8Array;
  minGreen: Int32Array;
  amber: Int32Array;
  redAmber: Int32Array;
  /** Longest red (incl. red-amber) per group, s (spec, or the default for vehicle-like groups; 0 = none). */
  maxRed: Int32Array;
  /** Intergreen clearing c -> entering e at c*G+e, −1 if compatible. */
  ig: Int32Array;
  /** Conflict bitmask per group. */
  conflictMask: Uint32Array;
  /** Stages as group bitmasks (maximal conflict-free sets), deterministic order. */
  stages: Uint32Array;
  /** Approach ids served by each group (vehicle/tram groups; pedestrians have none that queue). */
  groupApproaches: string[][];
}

export const bit = (g: number) => (1 << g) >>> 0;

export function groupsOfMask(mask: number, G: number): number[] {
  const out: number[] = [];
  for (let g = 0; g < G; g++) if (mask & bit(g)) out.push(g);
  return out;
}

/** Maximal conflict-free group sets of a spec (as bitmasks), sorted by size desc, then mask. */
export function deriveStages(spec: ControllerSpec): number[] {
  const G = spec.signalGroups.length;
  const index = new Map(spec.signalGroups.map((g, i) => [g.id, i] as const));
  const conflict = new Uint32Array(G);
  for (const [a, b] of spec.conflicts) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined || i === j) continue;
    conflict[i]! |= bit(j);
    conflict[j]! |= bit(i);
  }
  const all = G >= 32 ? 0xffffffff : (2 ** G - 1) >>> 0;
  const compat = Array.from({ length: G }, (_, g) => (all & ~conflict[g]! & ~bit(g)) >>> 0);
  const out: number[] = [];
  const popcount = (x: number) => {
    let n = 0;
    for (; x; x &= x - 1) n++;
    return n;
  };
  // Bron–Kerbosch with pivoting over bitmasks.
  const bk = (R: number, P: number, X: number) => {
    if (out.length >= MAX_STAGES) return;
    if (P === 0 && X === 0) {
      out.push(R >>> 0);
      return;
    }
    let pivot = -1;
    let best = -1;
    const PX = (P | X) >>> 0;
    for (let u = 0; u < G; u++) {
      if (!(PX & bit(u))) continue;
      const n = popcount((P & compat[u]!) >>> 0);
      if (n > best) {
        best = n;
        pivot = u;
      }
    }
    let cand = (P & ~(pivot >= 0 ? compat[pivot]! : 0)) >>> 0;
    for (let v = 0; v < G; v++) {
      if (!(cand & bit(v))) continue;
      bk((R | bit(v)) >>> 0, (P & compat[v]!) >>> 0, (X & compat[v]!) >>> 0);
      P = (P & ~bit(v)) >>> 0;
      X = (X | bit(v)) >>> 0;
      cand = (cand & ~bit(v)) >>> 0;
    }
  };
  bk(0, all, 0);
  return out.sort((a, b) => popcount(b) - popcount(a) || a - b);
}

export function compileSpec(spec: ControllerSpec, vehicleMaxRedSec = DEFAULT_VEHICLE_MAX_RED_SEC): CompiledSpec {
  const groups = spec.signalGroups;
  const G = groups.length;
  const index = new Map(groups.map((g, i) => [g.id, i] as const));
  const ig = new Int32Array(G * G).fill(-1);
  for (const e of spec.intergreenSec) {
    const c = index.get(e.from);
    const n = index.get(e.to);
    if (c !== undefined && n !== undefined) ig[c * G + n] = e.sec;
  }
  const conflictMask = new Uint32Array(G);
  for (const [a, b] of spec.conflicts) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined) continue;
    conflictMask[i]! |= bit(j);
    conflictMask[j]! |= bit(i);
    // A conflict without an intergreen entry still needs clearing time: the amber at least.
    if (ig[i * G + j]! < 0) ig[i * G + j] = Math.max(groups[i]!.amberSec, 1);
    if (ig[j * G + i]! < 0) ig[j * G + i] = Math.max(groups[j]!.amberSec, 1);
  }
  return {
    spec,
    G,
    ids: groups.map((g) => g.id),
    index,
    vehicle: Uint8Array.from(groups, (g) => (g.kind === 'pedestrian' ? 0 : 1)),
    minGreen: Int32Array.from(groups, (g) => g.minGreenSec),
    amber: Int32Array.from(groups, (g) => g.amberSec),
    redAmber: Int32Array.from(groups, (g) => g.redAmberSec),
    maxRed: Int32Array.from(groups, (g) => g.maxRedSec ?? (g.kind === 'pedestrian' ? 0 : vehicleMaxRedSec)),
    ig,
    conflictMask,
    stages: Uint32Array.from(deriveStages(spec)),
    groupApproaches: groups.map((g) => (g.kind === 'pedestrian' ? [] : [...g.approachIds])),
  };
}
