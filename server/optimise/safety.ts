/**
 * The hub-side safety layer: every strategy's output passes here before anything is published
 * (issue 8, "a safety layer between every strategy and the controllers"). The controller's own
 * signal-safety layer checks again (sim/devices/controller.ts, and every real controller's
 * Signalsicherung); this one makes sure the hub never even ASKS for something unsafe.
 *
 * Stage requests (StageCommand.greens), against the controller's reported state (TlsState):
 * - schema and spec: known groups, no duplicates, no two conflicting groups (validateStage);
 * - minimum green (RiLSA 2015 Mindestfreigabezeit): a group that has been green for less than its
 *   minimum stays requested; requested groups conflicting with it are dropped;
 * - maximum red (issue 8 fairness: spec maxRedSec, default 120 s for vehicle groups): a group red
 *   for longer than maxRed − lead is requested, where lead covers the worst case to get it green
 *   (twice a conflicting minimum green just started plus the intergreen into it: another overdue
 *   group may have to go first), so the controller can
 *   honour the limit; conflicting requested groups are dropped;
 * - intergreen / amber / red-amber are the controller's to time (it carries the request out second
 *   by second); the hub does not shorten them because it never commands a signal state, only a goal.
 * Plans: validatePlan (conflicts, intergreens, min green, min red, max cycle) plus the hub's default
 * vehicle max red.
 *
 * Pure given its inputs: the tracking is a function of the TlsStates observed, times from their tsMs.
 */
import { validatePlan, validateStage, type SignalPlan, type TlsState, type Violation } from '../../protocol/signal.ts';
import { bit, type CompiledSpec } from './stages.ts';

export interface StageVerdict {
  /** The greens that may be requested (null: nothing may be sent; keep the controller's watchdog). */
  greens: string[] | null;
  /** True when the output differs from the strategy's request (repaired or refused). */
  intervened: boolean;
  reasons: string[];
}

export interface PlanVerdict {
  ok: boolean;
  violations: Violation[];
}

const NEVER = -1e15;

/**
 * The hub's view of one controller's greens, from its TlsStates, and the gate stage requests pass.
 * One per intersection.
 */
export class SafetyGate {
  readonly cs: CompiledSpec;
  /** Model time (s) of the newest state observed. */
  nowSec = Number.NaN;
  /** Second each group's current green started (NaN while not green). */
  readonly greenSince: Float64Array;
  /** Second each group's last green ended (first red second); NEVER if unknown. */
  readonly redSince: Float64Array;
  readonly green: Uint8Array;
  /** Lead per group: worst-case seconds from "requested" to "green" (see the file comment). */
  readonly lead: Int32Array;
  #lastTsMs = -1;

  constructor(cs: CompiledSpec) {
    this.cs = cs;
    const G = cs.G;
    this.greenSince = new Float64Array(G).fill(Number.NaN);
    this.redSince = new Float64Array(G).fill(NEVER);
    this.green = new Uint8Array(G);
    this.lead = new Int32Array(G);
    for (let g = 0; g < G; g++) {
      // Twice the worst single wait: another overdue group conflicting with g may go first.
      let l = 0;
      for (let c = 0; c < G; c++) {
        const i = cs.ig[c * G + g]!;
        if (i >= 0) l = Math.max(l, cs.minGreen[c]! + i);
      }
      this.lead[g] = 2 * l + cs.redAmber[g]! + 2;
    }
  }

  /** Tracks a controller state (older or repeated states are ignored). */
  observe(s: TlsState): void {
    if (s.tsMs <= this.#lastTsMs) return;
    const first = this.#lastTsMs < 0;
    this.#lastTsMs = s.tsMs;
    const t = Math.floor(s.tsMs / 1000);
    this.nowSec = t;
    const cs = this.cs;
    for (let g = 0; g < cs.G; g++) {
      const st = s.groups[cs.ids[g]!];
      const isGreen = st === 'green' ? 1 : 0;
      if (isGreen && !this.green[g]) this.greenSince[g] = first ? t - cs.minGreen[g]! : t; // unknown start: assume min green served
      if (!isGreen && this.green[g]) this.redSince[g] = t;
      if (!isGreen && first) this.redSince[g] = t; // unknown history: red from now
      if (!isGreen) this.greenSince[g] = Number.NaN;
      this.green[g] = isGreen;
    }
  }

  /** Seconds green so far (0 when not green). */
  greenSec(g: number): number {
    return this.green[g] ? this.nowSec - this.greenSince[g]! + 1 : 0;
  }

  /** Seconds red so far (0 when green; large when never seen green). */
  redSec(g: number): number {
    return this.green[g] ? 0 : this.nowSec - this.redSince[g]!;
  }

  /** True while a green group may not end yet. */
  inMinGreen(g: number): boolean {
    return this.green[g] === 1 && this.greenSec(g) < this.cs.minGreen[g]!;
  }

  /** True when a red group must be served now to stay within its max red. */
  overdue(g: number): boolean {
    const mr = this.cs.maxRed[g]!;
    return mr > 0 && !this.green[g] && this.redSec(g) >= mr - this.lead[g]!;
  }

  /** Passes a strategy's stage request (any value) through the gate. */
  stage(requested: unknown): StageVerdict {
    const cs = this.cs;
    const G = cs.G;
    const reasons: string[] = [];
    if (Number.isNaN(this.nowSec)) return { greens: null, intervened: true, reasons: ['no controller state observed yet'] };
    if (!Array.isArray(requested) || requested.length === 0 || requested.length > 32 || !requested.every((x) => typeof x === 'string')) {
      return { greens: null, intervened: true, reasons: ['request is not a non-empty list of group ids'] };
    }
    const v = validateStage(cs.spec, requested as string[]);
    if (v.length) return { greens: null, intervened: true, reasons: v.map((x) => `${x.code}: ${x.message}`) };
    let want = 0;
    for (const id of requested as string[]) want |= bit(cs.index.get(id)!);
    want >>>= 0;
    // 0. A controller that reports conflicting greens is faulty: command nothing (its own
    //    signal monitoring must switch it off; the hub does not build on an impossible state).
    for (let g = 0; g < G; g++) {
      if (!this.green[g]) continue;
      for (let h = g + 1; h < G; h++) {
        if (this.green[h] && cs.conflictMask[g]! & bit(h)) return { greens: null, intervened: true, reasons: [`controller reports conflicting greens ${cs.ids[g]} and ${cs.ids[h]}`] };
      }
    }
    // 1. Minimum greens are kept.
    let keep = 0;
    for (let g = 0; g < G; g++) if (this.inMinGreen(g)) keep |= bit(g);
    keep >>>= 0;
    let out = keep;
    // 2. Overdue groups, most overdue first, where compatible with what is kept.
    const overdue: number[] = [];
    for (let g = 0; g < G; g++) if (this.overdue(g)) overdue.push(g);
    overdue.sort((a, b) => this.redSec(b) - cs.maxRed[b]! - (this.redSec(a) - cs.maxRed[a]!) || a - b);
    for (const g of overdue) {
      if (out & bit(g)) continue;
      if ((cs.conflictMask[g]! & out) === 0) {
        out = (out | bit(g)) >>> 0;
        if (!(want & bit(g))) reasons.push(`max red: ${cs.ids[g]} red ${this.redSec(g)} s, served`);
      }
    }
    // 3. What was asked for, where compatible.
    for (let g = 0; g < G; g++) {
      if (!(want & bit(g)) || out & bit(g)) continue;
      if ((cs.conflictMask[g]! & out) === 0) out = (out | bit(g)) >>> 0;
      else reasons.push(`${cs.ids[g]} dropped: conflicts with a group in minimum green or overdue`);
    }
    for (let g = 0; g < G; g++) if (keep & bit(g) && !(want & bit(g))) reasons.push(`min green: ${cs.ids[g]} green ${this.greenSec(g)} s < ${cs.minGreen[g]} s, held`);
    const greens: string[] = [];
    for (let g = 0; g < G; g++) if (out & bit(g)) greens.push(cs.ids[g]!);
    if (greens.length === 0) return { greens: null, intervened: true, reasons: [...reasons, 'nothing left to request'] };
    return { greens, intervened: out !== want, reasons };
  }
}

/** A plan's check before it may be commanded: validatePlan plus the hub's default vehicle max red. */
export function checkPlan(cs: CompiledSpec, plan: unknown): PlanVerdict {
  const p = plan as SignalPlan;
  const shapeOk =
    p !== null &&
    typeof p === 'object' &&
    typeof p.planId === 'string' &&
    Number.isInteger(p.cycleSec) &&
    p.cycleSec >= 1 &&
    p.cycleSec <= 3600 &&
    Number.isInteger(p.offsetSec) &&
    Array.isArray(p.greens) &&
    p.greens.length <= 128 &&
    p.greens.every((w) => w !== null && typeof w === 'object' && typeof w.groupId === 'string' && Number.isInteger(w.startSec) && Number.isInteger(w.endSec));
  if (!shapeOk) return { ok: false, violations: [{ code: 'BAD_WINDOW', message: 'not a signal plan (schema)' }] };
  const maxRedSpec = {
    ...cs.spec,
    signalGroups: cs.spec.signalGroups.map((g, i) => (g.maxRedSec === undefined && cs.maxRed[i]! > 0 ? { ...g, maxRedSec: cs.maxRed[i]! } : g)),
  };
  const violations = validatePlan(maxRedSpec, p);
  return { ok: violations.length === 0, violations };
}
