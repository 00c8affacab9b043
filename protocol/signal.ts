/**
 * Signal control: the contract between a signal controller (or the simulator) and the hub.
 *
 * Pure: zod schemas, their types, topic builders and the plan checks. No I/O, no clock.
 *
 * Notions follow NTCIP 1202 (signal groups, conflicts, phases/plans, detector volume/occupancy)
 * and OCIT-O (Signalgruppe, Signalprogramm, Umlaufzeit, Versatzzeit), and the German guideline
 * RiLSA — Richtlinien für Lichtsignalanlagen, FGSV, Ausgabe 2015 (FGSV-Nr. 321) — with the
 * transition times of the VwV-StVO zu § 37:
 *
 * - Amber (Gelb) after every vehicle green: 3 s at 50 km/h, 4 s at 60 km/h, 5 s at 70 km/h.
 * - Red-amber (Rot-Gelb) before every vehicle green: 1 s, never longer than 2 s.
 * - Pedestrian signals have no amber and no red-amber (green -> red; the pedestrians still on the
 *   crossing are protected by the intergreen time, their clearance time).
 * - Intergreen time (Zwischenzeit) t_z = t_ü + t_r − t_e (RiLSA 2015, section 2.5): counted from
 *   the END OF GREEN of the clearing group to the START OF GREEN of the entering group, so it
 *   INCLUDES the clearing group's amber and the entering group's red-amber. It is defined for every
 *   ordered pair of conflicting groups and is not symmetric.
 * - At least 1 s of all-red before a group gets green again (VwV-StVO: "Alles-Rot-Zeit von
 *   mindestens 1 s" on a return into the same phase), so the sequence green -> amber -> red ->
 *   red-amber -> green is always shown in full.
 *
 * A fixed-time plan (Festzeitprogramm) is given RiLSA-style as a signal timing diagram
 * (Signalzeitenplan): cycle time, offset, and per group the green windows within the cycle.
 * All times are whole seconds (the resolution of RiLSA signal timing diagrams and of OCIT-O
 * fixed-time programmes).
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();
/** Signal group ids are short and topic-safe, e.g. 'K1', 'F3' (Fußgänger), 'S1' (Straßenbahn). */
export const GROUP_ID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const groupId = z.string().regex(GROUP_ID_RE, 'group id must match [A-Za-z0-9_-]{1,32}');
const sec = z.number().int().nonnegative();

// ---- signal groups and controller ------------------------------------------------------------

export const SIGNAL_GROUP_KINDS = ['vehicle', 'pedestrian', 'tram'] as const;

/** One signal group (NTCIP 1202 "signal group", OCIT-O "Signalgruppe"). */
export const SignalGroup = z.object({
  id: groupId,
  kind: z.enum(SIGNAL_GROUP_KINDS),
  /** Approaches (ids from the installation's meta) whose traffic this group controls. */
  approachIds: z.array(deviceId).max(16),
  /** Minimum green (Mindestfreigabezeit); RiLSA: 5 s for vehicles, pedestrians by crossing length. */
  minGreenSec: z.number().int().min(1).max(300),
  /** Amber after green: 3 s for vehicles at 50 km/h (VwV-StVO zu § 37); 0 for pedestrians. */
  amberSec: z.number().int().min(0).max(10),
  /** Red-amber before green: 1 s for vehicles in Germany, at most 2 s; 0 for pedestrians. */
  redAmberSec: z.number().int().min(0).max(2),
  /** Longest red (incl. red-amber) this group may be shown; e.g. a pedestrian waiting-time limit. */
  maxRedSec: z.number().int().min(1).max(3600).optional(),
});
export type SignalGroup = z.infer<typeof SignalGroup>;

export const IntergreenEntry = z.object({
  /** Clearing group (its green ends). */
  from: groupId,
  /** Entering group (its green starts). */
  to: groupId,
  /** End of green of `from` to start of green of `to`, amber included (RiLSA t_z). */
  sec: z.number().int().min(0).max(120),
});
export type IntergreenEntry = z.infer<typeof IntergreenEntry>;

/** What a controller is: its groups, which may never be green together, and its intergreens. */
export const ControllerSpec = z.object({
  signalGroups: z.array(SignalGroup).min(1).max(32),
  /** Unordered pairs of group ids that may never be green at the same time (feindliche Signalgruppen). */
  conflicts: z.array(z.tuple([groupId, groupId])).max(512),
  /** Intergreen matrix (Zwischenzeitenmatrix): one entry per ORDERED conflicting pair. */
  intergreenSec: z.array(IntergreenEntry).max(1024),
  /** Longest cycle this installation accepts; RiLSA recommends at most 90-120 s in urban networks. */
  maxCycleSec: z.number().int().min(10).max(3600).default(120),
});
export type ControllerSpec = z.infer<typeof ControllerSpec>;

// ---- plans --------------------------------------------------------------------------------------

/** A green window of one group. Green during cycle seconds [startSec, endSec); wraps when endSec < startSec. */
export const GreenWindow = z.object({
  groupId,
  startSec: sec,
  /** Exclusive; endSec === cycleSec is the same as 0 (the window ends with the cycle). */
  endSec: sec,
});
export type GreenWindow = z.infer<typeof GreenWindow>;

/** A fixed-time plan (Festzeitsignalprogramm) as a RiLSA signal timing diagram. */
export const SignalPlan = z.object({
  planId: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'plan id must match [A-Za-z0-9_.:-]{1,64}'),
  /** Cycle time (Umlaufzeit), s. */
  cycleSec: z.number().int().min(1).max(3600),
  /**
   * Offset (Versatzzeit), s: cycle second 0 of this plan is at model/UTC time t with
   * (t − offsetSec) mod cycleSec = 0, t in whole seconds since the Unix epoch. All controllers
   * share that time base, so offsets coordinate neighbouring installations (green waves).
   */
  offsetSec: sec,
  greens: z.array(GreenWindow).max(128),
});
export type SignalPlan = z.infer<typeof SignalPlan>;

// ---- live state ---------------------------------------------------------------------------------

export const SIGNAL_GROUP_STATES = ['red', 'redAmber', 'green', 'amber', 'off', 'flashingAmber'] as const;
export const SignalGroupState = z.enum(SIGNAL_GROUP_STATES);
export type SignalGroupState = z.infer<typeof SignalGroupState>;
/** Numeric codes (index into SIGNAL_GROUP_STATES) for compact tables. */
export const STATE_CODE = { red: 0, redAmber: 1, green: 2, amber: 3, off: 4, flashingAmber: 5 } as const;

/**
 * 'fixed': the installation's own plan; 'external': a fixed-time plan commanded by the hub;
 * 'adaptive': following the hub's second-by-second stage requests (StageCommand);
 * 'flashing' / 'off': out of service.
 */
export const CONTROLLER_MODES = ['fixed', 'external', 'adaptive', 'flashing', 'off'] as const;
export const ControllerMode = z.enum(CONTROLLER_MODES);
export type ControllerMode = z.infer<typeof ControllerMode>;

/** `city/v1/tls/{id}/state`, every second: what every signal group shows. */
export const TlsState = z.object({
  tsMs,
  planId: z.string().max(64),
  /** Length of the running plan's cycle, s. */
  cycleSec: z.number().int().min(1).max(3600),
  /** Cycle second of the running plan, 0 .. cycleSec−1 (OCIT-O "Umlaufsekunde", TX). */
  cycleSecond: z.number().int().min(0).max(3599),
  /** 'fixed': the installation's own plan; 'external': a plan commanded by the hub. */
  mode: ControllerMode,
  groups: z.record(groupId, SignalGroupState),
  /** A commanded plan waiting for the next cycle boundary. */
  pendingPlanId: z.string().max(64).optional(),
});
export type TlsState = z.infer<typeof TlsState>;

// ---- commands -----------------------------------------------------------------------------------

const cmdId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'command id must match [A-Za-z0-9_.:-]{1,64}');

/** `city/v1/tls/{id}/cmd`, hub -> device, QoS 1: run this plan from the next cycle boundary. */
export const PlanCommand = z.object({
  cmdId,
  tsMs,
  plan: SignalPlan,
  /** Operator or optimiser that issued it, for the audit trail. */
  issuedBy: z.string().min(1).max(100),
});
export type PlanCommand = z.infer<typeof PlanCommand>;

export const AckReason = z.object({ code: z.string().min(1).max(40), message: z.string().max(500) });
export type AckReason = z.infer<typeof AckReason>;

/** `city/v1/tls/{id}/ack`, device -> hub, QoS 1: the answer to one PlanCommand. */
export const PlanAck = z.object({
  cmdId,
  tsMs,
  accepted: z.boolean(),
  /** Empty when accepted; otherwise every reason (Violation codes, or SCHEMA / NOT_IN_SERVICE). */
  reasons: z.array(AckReason).max(200),
});
export type PlanAck = z.infer<typeof PlanAck>;

/**
 * `city/v1/tls/{id}/stage`, hub -> device, QoS 1: adaptive control (OCIT-O "Phasenanforderung",
 * the stage request of VS-PLUS-like controllers). The hub says which groups it wants green NOW; the
 * controller's own signal-safety layer gets there: it ends the greens not requested only after their
 * minimum green, shows amber, waits the intergreen of every conflicting pair and red-amber, then
 * starts the requested greens. A request is never a licence to skip any of that.
 *
 * The hub repeats the request every second while it wants it. When `validUntilMs` passes without a
 * newer request (hub down, broker down, optimiser stopped), the controller falls back to its own
 * fixed-time plan by itself (watchdog) — a stale optimiser never freezes an intersection.
 * Answered with a PlanAck on the ack channel (same cmdId rules as PlanCommand).
 */
export const StageCommand = z.object({
  cmdId,
  tsMs,
  /** Groups wanted green; pairwise conflict-free (else refused with CONFLICT). Others go red. */
  greens: z.array(groupId).min(1).max(32),
  /** Watchdog: fall back to the own plan after this time unless a newer request arrived. */
  validUntilMs: tsMs,
  /** Operator or optimiser that issued it, for the audit trail. */
  issuedBy: z.string().min(1).max(100),
});
export type StageCommand = z.infer<typeof StageCommand>;

/** Longest watchdog a StageCommand may ask for: the controller clamps validUntilMs to tsMs + this. */
export const STAGE_MAX_VALID_MS = 10_000;

/**
 * Checks a stage request against the spec: every group known, no two conflicting groups together.
 * Timing (minimum green, intergreen, amber, red-amber) is the controller's safety layer's job when
 * it carries the request out, second by second. Pure; empty = acceptable.
 */
export function validateStage(spec: ControllerSpec, greens: readonly string[]): Violation[] {
  const out: Violation[] = [];
  const known = new Set(spec.signalGroups.map((g) => g.id));
  const seen = new Set<string>();
  for (const id of greens) {
    if (!known.has(id)) out.push({ code: 'UNKNOWN_GROUP', message: `stage requests unknown group ${id}`, groupIds: [id] });
    if (seen.has(id)) out.push({ code: 'BAD_WINDOW', message: `stage lists group ${id} twice`, groupIds: [id] });
    seen.add(id);
  }
  for (const [a, b] of spec.conflicts) {
    if (seen.has(a) && seen.has(b)) out.push({ code: 'CONFLICT', message: `stage requests conflicting groups ${a} and ${b} together`, groupIds: [a, b] });
  }
  return out;
}

/** What a controller announces about its signalling (to be carried in its retained meta message). */
export const TlsMetaSignal = z.object({
  spec: ControllerSpec,
  /** The installation's own default fixed-time plan. */
  plan: SignalPlan,
});
export type TlsMetaSignal = z.infer<typeof TlsMetaSignal>;

/**
 * `city/v1/tls/{id}/truth` — SIMULATOR ONLY. Ground truth no real device can measure: delay, stops
 * and emissions of the simulated traffic, per aggregation interval, so that a signal optimiser can be
 * judged. A real installation never publishes this channel; the hub must never fuse it into what
 * operators see as measurements.
 */
export const TlsTruth = z.object({
  tsMs,
  /** Model seconds covered, ending at tsMs. */
  intervalSec: z.number().positive().max(3600),
  simulated: z.literal(true),
  /** Total vehicle delay in the interval (queueing at the stop line + slow running on the feeding link), veh·s. */
  delayVehS: z.number().nonnegative(),
  /** Vehicles that had to stop. */
  stops: z.number().nonnegative(),
  /** Vehicles that passed the stop lines. */
  throughputVeh: z.number().nonnegative(),
  /** Estimated extra CO2 from idling and stops, g. */
  co2G: z.number().nonnegative(),
  /** Estimated extra NOx from idling and stops, g. */
  noxG: z.number().nonnegative(),
  approaches: z
    .array(
      z.object({
        id: deviceId,
        /** At tsMs. */
        queueVeh: z.number().nonnegative(),
        queueM: z.number().nonnegative(),
        delayVehS: z.number().nonnegative(),
        stops: z.number().nonnegative(),
        throughputVeh: z.number().nonnegative(),
        arrivalsVeh: z.number().nonnegative(),
      }),
    )
    .max(16),
});
export type TlsTruth = z.infer<typeof TlsTruth>;

// ---- topics -------------------------------------------------------------------------------------

/** Topics of signal control; `tlsMeta`/`tlsDetectors` stay in ./topics.ts. */
export const signalTopics = {
  /** Device -> hub, QoS 0, not retained: TlsState every second. */
  state: (id: string) => `${TOPIC_ROOT}/tls/${id}/state`,
  /** Hub -> device, QoS 1, not retained: PlanCommand. */
  cmd: (id: string) => `${TOPIC_ROOT}/tls/${id}/cmd`,
  /** Hub -> device, QoS 1, not retained: StageCommand (adaptive control, about once a second). */
  stage: (id: string) => `${TOPIC_ROOT}/tls/${id}/stage`,
  /** Device -> hub, QoS 1, not retained: PlanAck. */
  ack: (id: string) => `${TOPIC_ROOT}/tls/${id}/ack`,
  /** SIMULATOR ONLY, sim -> hub/evaluator, QoS 0: TlsTruth. Not sent by real devices. */
  truth: (id: string) => `${TOPIC_ROOT}/tls/${id}/truth`,
} as const;

export const SIGNAL_QOS = { state: 0, cmd: 1, stage: 1, ack: 1, truth: 0 } as const;

/** What a controller (or the simulator for all of its controllers) subscribes to. */
export const CONTROLLER_CMD_SUBSCRIPTION = `${TOPIC_ROOT}/tls/+/cmd` as const;
/** The stage requests a controller subscribes to (adaptive control). */
export const CONTROLLER_STAGE_SUBSCRIPTION = `${TOPIC_ROOT}/tls/+/stage` as const;

// ---- plan validation ----------------------------------------------------------------------------

export const VIOLATION_CODES = [
  'BAD_SPEC',
  'BAD_CYCLE',
  'MAX_CYCLE',
  'BAD_OFFSET',
  'UNKNOWN_GROUP',
  'BAD_WINDOW',
  'NO_GREEN',
  'MIN_GREEN',
  'MIN_RED',
  'MAX_RED',
  'CONFLICT',
  'INTERGREEN',
] as const;
export type ViolationCode = (typeof VIOLATION_CODES)[number];

export interface Violation {
  code: ViolationCode;
  message: string;
  /** Groups concerned (for INTERGREEN: [clearing, entering]). */
  groupIds?: string[];
  /** Cycle second where it happens (start of the offending green, first conflicting second, ...). */
  atSec?: number;
}

/** Plans above this cycle are not examined second by second (a schema-valid plan never is). */
const MAX_EXAMINED_CYCLE = 3600;

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** Checks the spec itself: ids unique, conflicts and intergreens consistent (RiLSA: t_z ≥ amber). */
export function validateSpec(spec: ControllerSpec): Violation[] {
  const out: Violation[] = [];
  const bad = (message: string, groupIds?: string[]) => out.push({ code: 'BAD_SPEC', message, ...(groupIds ? { groupIds } : {}) });
  const groups = new Map<string, SignalGroup>();
  for (const g of spec.signalGroups) {
    if (groups.has(g.id)) bad(`signal group ${g.id} is defined twice`, [g.id]);
    groups.set(g.id, g);
  }
  const conflict = new Set<string>();
  for (const [a, b] of spec.conflicts) {
    if (!groups.has(a) || !groups.has(b)) {
      bad(`conflict ${a}/${b} names an unknown group`, [a, b]);
      continue;
    }
    if (a === b) bad(`group ${a} conflicts with itself`, [a]);
    conflict.add(`${a}\u0000${b}`);
    conflict.add(`${b}\u0000${a}`);
  }
  const ig = new Map<string, number>();
  for (const e of spec.intergreenSec) {
    if (!groups.has(e.from) || !groups.has(e.to)) {
      bad(`intergreen ${e.from}->${e.to} names an unknown group`, [e.from, e.to]);
      continue;
    }
    const k = `${e.from}\u0000${e.to}`;
    if (ig.has(k)) bad(`intergreen ${e.from}->${e.to} is given twice`, [e.from, e.to]);
    ig.set(k, e.sec);
    if (!conflict.has(k)) bad(`intergreen ${e.from}->${e.to} for groups that do not conflict`, [e.from, e.to]);
    const from = groups.get(e.from)!;
    // RiLSA: the intergreen is counted from the end of green and includes the amber.
    if (e.sec < from.amberSec) bad(`intergreen ${e.from}->${e.to} (${e.sec} s) is shorter than the amber of ${e.from} (${from.amberSec} s)`, [e.from, e.to]);
  }
  for (const k of conflict) {
    if (!ig.has(k)) {
      const [a, b] = k.split('\u0000') as [string, string];
      bad(`no intergreen ${a}->${b} for conflicting groups`, [a, b]);
    }
  }
  return out;
}

/** Intergreen lookup of a (valid) spec: from -> to -> s. */
export function intergreenMap(spec: ControllerSpec): Map<string, Map<string, number>> {
  const m = new Map<string, Map<string, number>>();
  for (const e of spec.intergreenSec) {
    let row = m.get(e.from);
    if (!row) m.set(e.from, (row = new Map()));
    row.set(e.to, e.sec);
  }
  return m;
}

interface Run {
  /** First green second. */
  start: number;
  /** Length in seconds. */
  len: number;
}

/** Maximal green runs of a circular mask; a mask green all cycle long is one run with len = C. */
function runsOf(mask: Uint8Array): Run[] {
  const C = mask.length;
  let first = -1;
  for (let t = 0; t < C; t++) {
    if (mask[t] && !mask[mod(t - 1, C)]) {
      first = t;
      break;
    }
  }
  if (first < 0) return mask[0] ? [{ start: 0, len: C }] : [];
  const runs: Run[] = [];
  for (let k = 0; k < C; ) {
    const t = (first + k) % C;
    if (mask[t] && !mask[mod(t - 1, C)]) {
      let len = 0;
      while (len < C && mask[(t + len) % C]) len++;
      runs.push({ start: t, len });
      k += len;
    } else k++;
  }
  return runs;
}

/** Green masks per group (index order of spec.signalGroups) and the window violations. */
function greenMasks(spec: ControllerSpec, plan: SignalPlan, C: number, out: Violation[] | null): Uint8Array[] {
  const index = new Map(spec.signalGroups.map((g, i) => [g.id, i] as const));
  const masks = spec.signalGroups.map(() => new Uint8Array(C));
  plan.greens.forEach((w, wi) => {
    const gi = index.get(w.groupId);
    if (gi === undefined) {
      out?.push({ code: 'UNKNOWN_GROUP', message: `green window ${wi} is for unknown group ${w.groupId}`, groupIds: [w.groupId] });
      return;
    }
    const okBounds =
      Number.isInteger(w.startSec) && Number.isInteger(w.endSec) && w.startSec >= 0 && w.startSec < C && w.endSec >= 0 && w.endSec <= C;
    if (!okBounds) {
      out?.push({ code: 'BAD_WINDOW', message: `green window ${wi} of ${w.groupId} (${w.startSec}-${w.endSec}) is not inside the cycle 0-${C}`, groupIds: [w.groupId] });
      return;
    }
    const len = mod(w.endSec - w.startSec, C);
    if (len === 0) {
      out?.push({ code: 'BAD_WINDOW', message: `green window ${wi} of ${w.groupId} is empty (start = end)`, groupIds: [w.groupId], atSec: w.startSec });
      return;
    }
    const m = masks[gi]!;
    for (let k = 0; k < len; k++) {
      if (m[(w.startSec + k) % C]) {
        out?.push({ code: 'BAD_WINDOW', message: `green window ${wi} of ${w.groupId} overlaps another window of the same group`, groupIds: [w.groupId], atSec: (w.startSec + k) % C });
        return;
      }
    }
    for (let k = 0; k < len; k++) m[(w.startSec + k) % C] = 1;
  });
  return masks;
}

/**
 * Checks a fixed-time plan against the controller's spec. Pure and total: never throws, returns
 * every violation found (empty = the controller may run it). Checks (RiLSA 2015 / VwV-StVO):
 *
 * - BAD_SPEC: the spec itself is inconsistent (nothing else is checked then);
 * - BAD_CYCLE / MAX_CYCLE: cycle not a positive integer / longer than spec.maxCycleSec;
 * - BAD_OFFSET: offset outside 0 .. cycle−1;
 * - UNKNOWN_GROUP: a window for a group the controller does not have;
 * - BAD_WINDOW: a window outside the cycle, empty, or overlapping another window of its group;
 * - NO_GREEN: a group without green in the cycle (every group must be served every cycle);
 * - MIN_GREEN: a green shorter than the group's minimum green;
 * - MIN_RED: between two greens of one group less than amber + red-amber + 1 s all-red;
 * - MAX_RED: a group red (incl. red-amber: the gap between greens minus the amber) longer than maxRedSec;
 * - CONFLICT: two conflicting groups green in the same second (reported once per pair);
 * - INTERGREEN: a conflicting group starts green less than the intergreen after the end of green
 *   of the clearing group (once per clearing group and start of green).
 */
export function validatePlan(spec: ControllerSpec, plan: SignalPlan): Violation[] {
  const specErr = validateSpec(spec);
  if (specErr.length) return specErr;
  const out: Violation[] = [];
  const C = plan.cycleSec;
  if (!Number.isInteger(C) || C < 1) return [{ code: 'BAD_CYCLE', message: `cycle ${C} s is not a positive whole number of seconds` }];
  if (C > spec.maxCycleSec) out.push({ code: 'MAX_CYCLE', message: `cycle ${C} s is longer than the ${spec.maxCycleSec} s this installation allows` });
  if (C > MAX_EXAMINED_CYCLE) return out;
  if (!Number.isInteger(plan.offsetSec) || plan.offsetSec < 0 || plan.offsetSec >= C) {
    out.push({ code: 'BAD_OFFSET', message: `offset ${plan.offsetSec} s is not within 0-${C - 1}` });
  }
  const masks = greenMasks(spec, plan, C, out);
  const groups = spec.signalGroups;
  const runs = masks.map(runsOf);

  groups.forEach((g, i) => {
    const r = runs[i]!;
    if (r.length === 0) {
      out.push({ code: 'NO_GREEN', message: `group ${g.id} gets no green in the cycle`, groupIds: [g.id] });
      return;
    }
    for (const run of r) {
      if (run.len < g.minGreenSec) {
        out.push({ code: 'MIN_GREEN', message: `green of ${g.id} at ${run.start} s lasts ${run.len} s, minimum is ${g.minGreenSec} s`, groupIds: [g.id], atSec: run.start });
      }
    }
    if (r.length === 1 && r[0]!.len === C) return; // green all cycle: never red
    for (let k = 0; k < r.length; k++) {
      const end = (r[k]!.start + r[k]!.len) % C;
      const next = r[(k + 1) % r.length]!.start;
      const gap = mod(next - end, C) || C;
      const minGap = g.amberSec + g.redAmberSec + 1;
      if (gap < minGap) {
        out.push({ code: 'MIN_RED', message: `group ${g.id} is not green for only ${gap} s before ${next} s; needs ${minGap} s (amber, 1 s red, red-amber)`, groupIds: [g.id], atSec: next });
      }
      if (g.maxRedSec !== undefined && gap - g.amberSec > g.maxRedSec) {
        out.push({ code: 'MAX_RED', message: `group ${g.id} is red for ${gap - g.amberSec} s before ${next} s; at most ${g.maxRedSec} s allowed`, groupIds: [g.id], atSec: next });
      }
    }
  });

  const index = new Map(groups.map((g, i) => [g.id, i] as const));
  const seen = new Set<string>();
  for (const [a, b] of spec.conflicts) {
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ma = masks[index.get(a)!]!;
    const mb = masks[index.get(b)!]!;
    let first = -1;
    let n = 0;
    for (let t = 0; t < C; t++) {
      if (ma[t] && mb[t]) {
        if (first < 0) first = t;
        n++;
      }
    }
    if (n > 0) out.push({ code: 'CONFLICT', message: `conflicting groups ${a} and ${b} are green together for ${n} s from ${first} s`, groupIds: [a, b], atSec: first });
  }

  for (const e of spec.intergreenSec) {
    const ma = masks[index.get(e.from)!]!;
    const ib = index.get(e.to)!;
    if (!ma.some((x) => x === 1)) continue;
    for (const run of runs[ib]!) {
      if (run.len === C) continue;
      const s = run.start;
      if (ma[s]) continue; // both green: reported as CONFLICT
      // Time from the clearing group's last end of green to this start of green.
      let gap = 1;
      while (gap <= C && !ma[mod(s - gap, C)]) gap++;
      gap -= 1; // seconds without green of `from` before s
      if (gap < e.sec) {
        out.push({
          code: 'INTERGREEN',
          message: `${e.to} starts green at ${s} s only ${gap} s after the end of green of ${e.from}; intergreen is ${e.sec} s`,
          groupIds: [e.from, e.to],
          atSec: s,
        });
      }
    }
  }
  return out;
}

// ---- states from a plan -------------------------------------------------------------------------

export interface CompiledPlan {
  groupIds: string[];
  cycleSec: number;
  /** STATE_CODE per (cycle second, group): states[t * groupIds.length + g]. */
  states: Uint8Array;
  /** 1 where the group is green: green[t * groupIds.length + g]. */
  green: Uint8Array;
}

/**
 * The state table of a plan: green in its windows, amber for amberSec after every end of green,
 * red-amber for redAmberSec before every start of green, red otherwise (green wins over amber, amber
 * over red-amber, so even an invalid plan gives a table). Unknown groups and bad windows are ignored.
 */
export function compilePlan(spec: ControllerSpec, plan: SignalPlan): CompiledPlan {
  const C = Number.isInteger(plan.cycleSec) && plan.cycleSec >= 1 ? Math.min(plan.cycleSec, MAX_EXAMINED_CYCLE) : 1;
  const G = spec.signalGroups.length;
  const masks = greenMasks(spec, plan, C, null);
  const states = new Uint8Array(C * G);
  const green = new Uint8Array(C * G);
  spec.signalGroups.forEach((g, gi) => {
    const m = masks[gi]!;
    const col = new Uint8Array(C); // STATE_CODE.red = 0
    for (const run of runsOf(m)) {
      if (run.len === C) break;
      const end = run.start + run.len;
      for (let k = 1; k <= g.redAmberSec; k++) {
        const t = mod(run.start - k, C);
        if (!m[t]) col[t] = STATE_CODE.redAmber;
      }
      for (let k = 0; k < g.amberSec; k++) {
        const t = mod(end + k, C);
        if (!m[t]) col[t] = STATE_CODE.amber;
      }
    }
    for (let t = 0; t < C; t++) {
      if (m[t]) col[t] = STATE_CODE.green;
      states[t * G + gi] = col[t]!;
      green[t * G + gi] = m[t]!;
    }
  });
  return { groupIds: spec.signalGroups.map((g) => g.id), cycleSec: C, states, green };
}

/** Per group red / redAmber / green / amber at a cycle second (any integer; taken modulo the cycle). */
export function groupStatesAt(spec: ControllerSpec, plan: SignalPlan, cycleSecond: number): Record<string, SignalGroupState> {
  const c = compilePlan(spec, plan);
  const t = mod(Math.floor(cycleSecond), c.cycleSec);
  const G = c.groupIds.length;
  const out: Record<string, SignalGroupState> = {};
  for (let g = 0; g < G; g++) out[c.groupIds[g]!] = SIGNAL_GROUP_STATES[c.states[t * G + g]!]!;
  return out;
}

/** Cycle second of a plan at a time (whole seconds since the Unix epoch; the common time base). */
export function cycleSecondAt(plan: Pick<SignalPlan, 'cycleSec' | 'offsetSec'>, epochSec: number): number {
  return mod(Math.floor(epochSec) - plan.offsetSec, plan.cycleSec);
}
