/**
 * Signal-safety layer of one SUMO traffic light, as the bridge runs it (the "Signalsicherung" of a
 * real controller; same rules as sim/devices/controller.ts SignalController, re-implemented here over
 * SUMO's link state strings because that class is tied to the built-in traffic model):
 *
 * - a green never ends before the group's minimum green;
 * - after every green the group shows its amber, then at least 1 s red (VwV-StVO zu § 37) before its
 *   red-amber and next green;
 * - a green never starts before the intergreen after the end of green of every conflicting group
 *   has passed (RiLSA 2015 t_z, counted from the end of green to the start of green, red-amber
 *   included), and never while a conflicting group is green or in red-amber;
 * - commanded plans (PlanCommand) are validated (validatePlan) and switched in at the running plan's
 *   next cycle boundary; stage requests (StageCommand) are validated (validateStage) and followed at
 *   once through the rules above; their watchdog (validUntilMs, clamped to STAGE_MAX_VALID_MS) returns
 *   the signal to its own fixed-time plan.
 *
 * While the installation runs its own plan and the layer has never taken over, SUMO runs its
 * program untouched ('passthrough': the bridge then only observes, so a bridge without commands is
 * exactly the network's fixed-time control). Once a command is carried out the layer decides every
 * second and the bridge sets SUMO's state string (`setRedYellowGreenState`). Back on the own plan, it
 * hands control back to SUMO's program when the groups have shown exactly the program's states for a
 * whole safety window (longest intergreen / minimum green / amber+all-red), so every rule that looks
 * back in time sees the same history in both.
 *
 * Pure: no I/O, time is given (model second t and the epoch it maps to).
 */
import {
  PlanCommand,
  STAGE_MAX_VALID_MS,
  StageCommand,
  compilePlan,
  cycleSecondAt,
  validatePlan,
  validateStage,
  type AckReason,
  type CompiledPlan,
  type ControllerMode,
  type PlanAck,
  type SignalGroupState,
  type SignalPlan,
  type TlsState,
} from '../../protocol/signal.ts';
import { CLS_AMBER, CLS_GREEN, CLS_OFF, CLS_RED, CLS_RED_AMBER, charClass, epochPlan, type SumoSignal } from './net/derive.ts';

const CLS_NAMES: SignalGroupState[] = ['red', 'redAmber', 'green', 'amber', 'off'];
const NEVER = -1e9;
const CMD_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

interface Running {
  plan: SignalPlan;
  compiled: CompiledPlan;
  mode: ControllerMode;
}

export class SignalSafety {
  readonly signal: SumoSignal;
  /** Epoch second of SUMO time 0 (the bridge's time base). */
  readonly epochAtSimZeroSec: number;
  readonly defaultPlan: SignalPlan;
  /** True while SUMO runs its own program (the bridge must not set states). */
  passthrough = true;
  /** Counters for the bridge's log/metrics. */
  readonly stats = { plansAccepted: 0, stagesAccepted: 0, refused: 0, watchdog: 0, handbacks: 0 };

  readonly #G: number;
  readonly #minGreen: Int32Array;
  readonly #amber: Int32Array;
  readonly #redAmber: Int32Array;
  /** ig[from * G + to], −1 = no conflict. */
  readonly #ig: Int32Array;
  readonly #conflicts: Int32Array[];
  /** Per group, at the last decided second: 1 green. */
  readonly #green: Uint8Array;
  /** Seconds the current green has lasted (incl. the last decided second). */
  readonly #run: Int32Array;
  /** First second without green after the last green. */
  readonly #lastEnd: Float64Array;
  /** Remaining red-amber seconds before a committed green (0 = none). */
  readonly #raLeft: Int32Array;
  /** Class shown per group at the last decided second. */
  readonly cls: Uint8Array;
  #t = NEVER;
  #running: Running;
  #pending: Running | null = null;
  #stage: { greens: Uint8Array; validUntilMs: number } | null = null;
  /** Consecutive seconds our classes equalled the program's (for the handback). */
  #matched = 0;
  readonly #window: number;
  readonly #acks = new Map<string, PlanAck>();
  /** Link characters of the state string being built (reused). */
  readonly #chars: string[];
  /** Red character per link: 's' where the program uses right-turn-on-red, else 'r'. */
  readonly #redChar: string[];
  /** A link of every group (all links of a group show the same class). */
  readonly #firstLink: Int32Array;
  /** Set by decide() in the second control went back to SUMO's program (the bridge repositions it). */
  justHandedBack = false;

  constructor(signal: SumoSignal, epochAtSimZeroSec: number) {
    this.signal = signal;
    this.epochAtSimZeroSec = epochAtSimZeroSec;
    const spec = signal.spec;
    const groups = spec.signalGroups;
    const G = (this.#G = groups.length);
    this.#minGreen = Int32Array.from(groups, (g) => g.minGreenSec);
    this.#amber = Int32Array.from(groups, (g) => g.amberSec);
    this.#redAmber = Int32Array.from(groups, (g) => g.redAmberSec);
    const gi = new Map(groups.map((g, i) => [g.id, i] as const));
    this.#ig = new Int32Array(G * G).fill(-1);
    for (const e of spec.intergreenSec) this.#ig[gi.get(e.from)! * G + gi.get(e.to)!] = e.sec;
    this.#conflicts = groups.map((_, g) => Int32Array.from(groups.map((__, h) => h).filter((h) => this.#ig[h * G + g]! >= 0)));
    this.#green = new Uint8Array(G);
    this.#run = new Int32Array(G);
    this.#lastEnd = new Float64Array(G).fill(NEVER);
    this.#raLeft = new Int32Array(G);
    this.cls = new Uint8Array(G);
    this.defaultPlan = epochPlan(signal, epochAtSimZeroSec);
    this.#running = { plan: this.defaultPlan, compiled: compilePlan(spec, this.defaultPlan), mode: 'fixed' };
    let w = 1;
    for (let g = 0; g < G; g++) w = Math.max(w, this.#minGreen[g]!, this.#amber[g]! + this.#redAmber[g]! + 1);
    for (const e of spec.intergreenSec) w = Math.max(w, e.sec);
    this.#window = w + 1;
    this.#chars = new Array(signal.links.length).fill('r');
    this.#firstLink = Int32Array.from(groups, (_, g) => signal.linkGroup.indexOf(g));
    this.#redChar = signal.links.map((_, k) => (signal.phases.some((p) => p.state[k] === 's') ? 's' : 'r'));
  }

  get mode(): ControllerMode {
    return this.#stage ? 'adaptive' : this.#running.mode;
  }

  get plan(): SignalPlan {
    return this.#running.plan;
  }

  get pendingPlan(): SignalPlan | null {
    return this.#pending?.plan ?? null;
  }

  /** Model second last decided/observed. */
  get t(): number {
    return this.#t;
  }

  // ---- commands -----------------------------------------------------------------------------------

  #known(raw: unknown, tsMs: number): PlanAck | null {
    const id = (raw as { cmdId?: unknown } | null)?.cmdId;
    const a = typeof id === 'string' ? this.#acks.get(id) : undefined;
    return a ? { ...a, tsMs } : null;
  }

  #ack(raw: unknown, tsMs: number, reasons: AckReason[]): PlanAck {
    const rawId = (raw as { cmdId?: unknown } | null)?.cmdId;
    const cmdId = typeof rawId === 'string' && CMD_ID_RE.test(rawId) ? rawId : 'invalid';
    const ack: PlanAck = { cmdId, tsMs, accepted: reasons.length === 0, reasons: reasons.slice(0, 200) };
    if (!ack.accepted) this.stats.refused++;
    if (cmdId !== 'invalid') {
      this.#acks.set(cmdId, ack);
      if (this.#acks.size > 256) this.#acks.delete(this.#acks.keys().next().value!);
    }
    return ack;
  }

  /** A PlanCommand payload (already JSON-parsed). Accepted plans run from the next cycle boundary. */
  planCommand(raw: unknown, nowMs: number): PlanAck {
    const known = this.#known(raw, nowMs);
    if (known) return known;
    const parsed = PlanCommand.safeParse(raw);
    if (!parsed.success) return this.#ack(raw, nowMs, schemaReasons(parsed.error.issues));
    const reasons = validatePlan(this.signal.spec, parsed.data.plan).map((v) => ({ code: v.code, message: v.message.slice(0, 500) }));
    const ack = this.#ack(raw, nowMs, reasons);
    if (ack.accepted) {
      this.#pending = { plan: parsed.data.plan, compiled: compilePlan(this.signal.spec, parsed.data.plan), mode: 'external' };
      this.stats.plansAccepted++;
    }
    return ack;
  }

  /** A StageCommand payload. Accepted requests are followed from the next second on. */
  stageCommand(raw: unknown, nowMs: number): PlanAck {
    const known = this.#known(raw, nowMs);
    if (known) return known;
    const parsed = StageCommand.safeParse(raw);
    if (!parsed.success) return this.#ack(raw, nowMs, schemaReasons(parsed.error.issues));
    const reasons: AckReason[] = validateStage(this.signal.spec, parsed.data.greens).map((v) => ({ code: v.code, message: v.message.slice(0, 500) }));
    if (parsed.data.validUntilMs <= nowMs) reasons.push({ code: 'EXPIRED', message: `validUntilMs ${parsed.data.validUntilMs} is not after the controller time ${nowMs}` });
    const ack = this.#ack(raw, nowMs, reasons);
    if (ack.accepted) {
      const greens = new Uint8Array(this.#G);
      const ids = this.signal.spec.signalGroups.map((g) => g.id);
      for (const id of parsed.data.greens) greens[ids.indexOf(id)] = 1;
      // Watchdog: never longer than STAGE_MAX_VALID_MS from the command's own timestamp.
      const until = Math.min(parsed.data.validUntilMs, parsed.data.tsMs + STAGE_MAX_VALID_MS, nowMs + STAGE_MAX_VALID_MS);
      this.#stage = { greens, validUntilMs: until };
      this.#pending = null;
      this.stats.stagesAccepted++;
    }
    return ack;
  }

  // ---- stepping -------------------------------------------------------------------------------------

  /**
   * Passthrough: SUMO showed `state` at model second t (its own program). Tracks the group history so
   * a takeover continues from the truth.
   */
  observe(t: number, state: string): void {
    // The second of a handback was already decided (and tracked) by decide(): the same states.
    if (t <= this.#t) return;
    const G = this.#G;
    for (let g = 0; g < G; g++) {
      const c = charClass(state[this.#firstLink[g]!] ?? 'r');
      this.#track(g, t, c === CLS_GREEN);
      this.cls[g] = c === CLS_OFF ? CLS_RED : c;
    }
    this.#t = t;
  }

  #track(g: number, t: number, green: boolean): void {
    if (green) {
      this.#run[g] = this.#green[g] ? this.#run[g]! + 1 : 1;
      this.#green[g] = 1;
    } else {
      if (this.#green[g]) this.#lastEnd[g] = t;
      this.#green[g] = 0;
      this.#run[g] = 0;
    }
  }

  /**
   * Decides second t and returns the SUMO state string to set now (it governs SUMO's step t -> t+1),
   * or null while SUMO's own program runs (passthrough; then call observe(t, state)). When it returns
   * null with `justHandedBack`, the bridge puts SUMO's program back at programPositionAt(t).
   */
  decide(t: number): string | null {
    this.justHandedBack = false;
    const nowMs = (this.epochAtSimZeroSec + t) * 1000;
    // Watchdog of the stage request.
    if (this.#stage && nowMs > this.#stage.validUntilMs) {
      this.#stage = null;
      this.stats.watchdog++;
      if (this.#running.mode !== 'fixed') this.#running = { plan: this.defaultPlan, compiled: compilePlan(this.signal.spec, this.defaultPlan), mode: 'fixed' };
    }
    // Plan switch at the running plan's cycle boundary (OCIT-O: programme change at TX = 0).
    const epochSec = this.epochAtSimZeroSec + t;
    if (this.#pending && !this.#stage && cycleSecondAt(this.#running.plan, epochSec) === 0) {
      this.#running = this.#pending;
      this.#pending = null;
      this.passthrough = false;
    }
    if (this.#stage) this.passthrough = false;
    if (this.passthrough) return null;

    const G = this.#G;
    const want = this.#want(epochSec);
    const green = this.#green;
    const cls = this.cls;
    // 1. Ends (held for the minimum green).
    for (let g = 0; g < G; g++) {
      if (green[g] && !want[g] && this.#run[g]! >= this.#minGreen[g]!) this.#track(g, t, false);
      else if (green[g]) this.#track(g, t, true);
    }
    // 2. Committed red-ambers run down into green.
    for (let g = 0; g < G; g++) {
      if (this.#raLeft[g]! > 0) {
        this.#raLeft[g]!--;
        if (this.#raLeft[g] === 0) this.#track(g, t, true);
      }
    }
    // 3. Starts: intergreens from every conflicting group, all-red of the group itself.
    for (let g = 0; g < G; g++) {
      if (green[g] || this.#raLeft[g]! > 0 || !want[g]) continue;
      const ra = this.#redAmber[g]!;
      const start = t + ra;
      if (t - this.#lastEnd[g]! < this.#amber[g]! + 1) continue;
      let ok = true;
      const cf = this.#conflicts[g]!;
      for (let i = 0; i < cf.length; i++) {
        const h = cf[i]!;
        if (green[h] || this.#raLeft[h]! > 0 || start - this.#lastEnd[h]! < this.#ig[h * G + g]!) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (ra > 0) this.#raLeft[g] = ra;
      else this.#track(g, t, true);
    }
    // 4. What every group shows.
    for (let g = 0; g < G; g++) {
      if (green[g]) cls[g] = CLS_GREEN;
      else if (this.#raLeft[g]! > 0) cls[g] = CLS_RED_AMBER;
      else if (t - this.#lastEnd[g]! < this.#amber[g]!) cls[g] = CLS_AMBER;
      else cls[g] = CLS_RED;
    }
    this.#t = t;
    // Handback to SUMO's own program once we show exactly it for a whole safety window.
    if (!this.#stage && !this.#pending && this.#running.mode === 'fixed') {
      const cs = cycleSecondAt(this.defaultPlan, epochSec);
      const phase = this.#phaseAt(cs);
      let same = true;
      for (let g = 0; g < G && same; g++) {
        const pc = charClass(phase.state[this.#firstLink[g]!]!);
        if ((pc === CLS_OFF ? CLS_RED : pc) !== cls[g]) same = false;
      }
      this.#matched = same ? this.#matched + 1 : 0;
      if (this.#matched >= this.#window) {
        this.passthrough = true;
        this.justHandedBack = true;
        this.#matched = 0;
        this.stats.handbacks++;
        return null;
      }
    } else this.#matched = 0;
    return this.stateString();
  }

  /** The program phase (index, remaining seconds) at a cycle second of the default plan. */
  #phaseAt(cs: number): { index: number; state: string; remainingSec: number } {
    let t = 0;
    const ph = this.signal.phases;
    for (let i = 0; i < ph.length; i++) {
      if (cs < t + ph[i]!.durationSec) return { index: i, state: ph[i]!.state, remainingSec: t + ph[i]!.durationSec - cs };
      t += ph[i]!.durationSec;
    }
    return { index: 0, state: ph[0]!.state, remainingSec: ph[0]!.durationSec };
  }

  /** Where SUMO's program must be put when control is handed back at model second t. */
  programPositionAt(t: number): { index: number; remainingSec: number } {
    const p = this.#phaseAt(cycleSecondAt(this.defaultPlan, this.epochAtSimZeroSec + t));
    return { index: p.index, remainingSec: p.remainingSec };
  }

  #wantBuf: Uint8Array | null = null;
  #want(epochSec: number): Uint8Array {
    const G = this.#G;
    const w = (this.#wantBuf ??= new Uint8Array(G));
    if (this.#stage) {
      w.set(this.#stage.greens);
      return w;
    }
    const c = this.#running.compiled;
    const base = cycleSecondAt(this.#running.plan, epochSec) * G;
    for (let g = 0; g < G; g++) w[g] = c.green[base + g]!;
    return w;
  }

  /**
   * SUMO's link state string for the classes decided: 'G' for a green link that yields to no green
   * link (junction `response`), 'g' otherwise (SUMO: minor green, vehicles yield); 'y' amber,
   * 'u' red-amber, 'r' (or 's' where the program uses right-turn-on-red) red; links outside every
   * group keep the character the program gives them.
   */
  stateString(): string {
    const s = this.signal;
    const chars = this.#chars;
    const L = s.links.length;
    for (let k = 0; k < L; k++) {
      const g = s.linkGroup[k]!;
      if (g < 0) chars[k] = s.staticChar[k]!;
      else {
        const c = this.cls[g]!;
        chars[k] = c === CLS_GREEN ? 'G' : c === CLS_AMBER ? 'y' : c === CLS_RED_AMBER ? 'u' : this.#redChar[k]!;
      }
    }
    for (let k = 0; k < L; k++) {
      if (chars[k] !== 'G') continue;
      for (const j of s.yieldsTo[k]!) {
        const cj = chars[j]!;
        if (cj === 'G' || cj === 'g') {
          chars[k] = 'g';
          break;
        }
      }
    }
    return chars.join('');
  }

  // ---- messages -----------------------------------------------------------------------------------------

  /** TlsState of the last observed/decided second, group states from SUMO's state string `sumoState`. */
  state(tsMs: number, sumoState: string): TlsState {
    const groups: Record<string, SignalGroupState> = {};
    const ids = this.signal.spec.signalGroups;
    for (let g = 0; g < ids.length; g++) groups[ids[g]!.id] = CLS_NAMES[charClass(sumoState[this.#firstLink[g]!] ?? 'r')]!;
    const p = this.#running.plan;
    const pending = this.#pending?.plan;
    return {
      tsMs,
      planId: p.planId,
      cycleSec: p.cycleSec,
      cycleSecond: cycleSecondAt(p, Math.floor(tsMs / 1000)),
      mode: this.mode,
      groups,
      ...(pending ? { pendingPlanId: pending.planId } : {}),
    };
  }
}

function schemaReasons(issues: readonly { path: PropertyKey[]; message: string }[]): AckReason[] {
  return issues.slice(0, 20).map((i) => ({ code: 'SCHEMA', message: `${i.path.map(String).join('.') || '(root)'}: ${i.message}`.slice(0, 500) }));
}
