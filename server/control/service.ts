/**
 * The control service: modes, proposals, approvals, overrides and the commands they cause, for
 * every signal installation. No I/O of its own and no clock: the hub gives it a publish function,
 * an audit sink and `now`, and calls `tick(now)` once a second (tests call it with any time).
 *
 * Rules it keeps (issue 8 "Safety and control"):
 * - Every action is authorised here too (protocol/auth.ts canDo; the REST guard checked first) and
 *   audited with who, what, why and the outcome, refusals included.
 * - Nothing reaches a controller that fails validatePlan / validateStage or the optimiser's safety
 *   layer (./safety.ts); no command is sent on stale data (the installation's link must be live).
 * - A command is complete when the controller's PlanAck accepts it and its TlsState shows the plan
 *   running; a refusal or no answer within ACK_TIMEOUT_MS fails it, visibly.
 * - An override reverts by itself when its timer ends; `auto` falls back to `fixed` when the
 *   installation's data goes stale.
 */
import {
  ACK_TIMEOUT_MS,
  canDo,
  CONTROL_ERROR_CODES,
  ERROR_CODES,
  PROPOSAL_TTL_MS,
  SIGNAL_QOS,
  signalTopics,
  STAGE_MAX_VALID_MS,
  type Action,
  type CommandStatus,
  type ControlEntity,
  type ControlMode,
  type DetectorReport,
  type OverrideRequest,
  type PlanAck,
  type PlanCommand,
  type Principal,
  type Proposal,
  type SignalPlan,
  type StageCommand,
  type TlsEntity,
  type TlsMeta,
  type TlsState,
  type Violation,
} from '../../protocol/index.ts';
import { groupsByApproach } from '../fusion/intersection.ts';
import type { FamilyState } from '../realtime/family.ts';
import type { AuditResult } from '../store/types.ts';
import { ControlError } from './errors.ts';
import { retime, samePlanTiming, type ApproachDemand } from './retime.ts';
import { HoldGate, planViolations, stageViolations } from './safety.ts';

/** In advisory mode a new re-timing is looked for this often (when none is pending). */
export const ADVISORY_PROPOSE_EVERY_MS = 5 * 60_000;
/** In auto mode without a second-by-second optimiser, a re-timing is applied at most this often. */
export const AUTO_RETIME_EVERY_MS = 15 * 60_000;
/** A re-timing is worth proposing by itself when it saves at least this share of the delay … */
export const MIN_GAIN_SHARE = 0.05;
/** … and at least this many seconds per vehicle. */
export const MIN_GAIN_SEC = 1;
/** Proposal ids remembered after they were replaced (to answer E_PROPOSAL_STATE, not E_NOT_FOUND). */
const MAX_KNOWN_PROPOSALS = 10_000;
/** Watchdog asked of the controller for a stage hold, ms (re-sent every second). */
export const HOLD_VALID_MS = 3000;

/** Who the hub itself acts as (fallbacks, timer reverts, auto mode). */
export const SYSTEM: Principal = { kind: 'user', name: 'system', role: 'admin' };
export const OPTIMISER: Principal = { kind: 'user', name: 'optimiser', role: 'admin' };

export interface AuditSink {
  (row: { atMs: number; principal: string; role: string; action: string; target: string; detail: Record<string, unknown>; result: AuditResult }): void;
}

/** The part of server/optimise's loop the service drives in `auto` mode (structurally typed). */
export interface StageOptimiser {
  step(
    input: { intersections: { meta: TlsMeta; state: TlsState | null; detectors: DetectorReport | null; link: TlsEntity['link']; control: 'auto' | 'advisory' | 'observe' }[] },
    nowMs: number,
  ): { commands: { tlsId: string; cmd: StageCommand }[] };
}

export interface ControlDeps {
  family: FamilyState<'control', ControlEntity>;
  /** Publishes on the hub's MQTT connection; false when it is not connected (nothing is queued). */
  publish(topic: string, payload: string, qos: 0 | 1): boolean;
  audit: AuditSink;
  meta(tlsId: string): TlsMeta | undefined;
  tls(tlsId: string): TlsEntity | undefined;
  /** Installations of a corridor in order; null when unknown. */
  corridor(id: string): readonly string[] | null;
  /** The optimiser loop for `auto` mode; without it `auto` applies Webster re-timings itself. */
  optimiser?: StageOptimiser | null;
  /**
   * Mode of an installation the first time it reports (CONTROL_DEFAULT_MODE): 'fixed' unless a
   * deployment or an evaluation (lock-step SUMO) puts the whole network under the optimiser.
   */
  defaultMode?: 'fixed' | 'advisory' | 'auto';
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

interface Internal {
  e: ControlEntity;
  /** Plans the hub commanded, by id (what a TlsState's planId refers to). */
  plans: Map<string, SignalPlan>;
  /** What runs again when an override ends: a plan the hub commanded, or null = the own plan. */
  revertPlan: SignalPlan | null;
  hold: { greens: string[]; gate: HoldGate } | null;
  lastAutoProposalMs: number;
  state: TlsState | null;
  detectors: DetectorReport | null;
}

export class ControlService {
  readonly #d: ControlDeps;
  readonly #by = new Map<string, Internal>();
  readonly #proposalTls = new Map<string, string>();
  #seq = 0;

  constructor(deps: ControlDeps) {
    this.#d = deps;
  }

  // ---- reads ------------------------------------------------------------------------------------

  state(tlsId: string): ControlEntity | null {
    return this.#by.get(tlsId)?.e ?? null;
  }

  states(): ControlEntity[] {
    return [...this.#by.values()].map((i) => i.e);
  }

  // ---- actions (each authorised and audited) ----------------------------------------------------

  /** Computes a Webster re-timing to the measured demand now (supersedes a pending proposal). */
  propose(p: Principal, tlsId: string, nowMs: number): ControlEntity {
    return this.#act(p, 'plan.approve', 'control.propose', tlsId, {}, nowMs, () => {
      const it = this.#need(tlsId, nowMs);
      this.#requireLive(tlsId);
      const r = this.#retime(it, nowMs);
      if (!r.ok) throw new ControlError(409, r.code === 'UNSAFE' ? CONTROL_ERROR_CODES.UNSAFE : CONTROL_ERROR_CODES.NO_DATA, r.message);
      const running = this.#runningPlan(it);
      if (samePlanTiming(r.proposal.plan, running)) throw new ControlError(409, ERROR_CODES.CONFLICT, 'the running plan already fits the measured demand: nothing to propose');
      this.#setProposal(it, r.proposal, nowMs);
      return { proposalId: r.proposal.id, planId: r.proposal.plan.planId, predicted: r.proposal.predicted };
    });
  }

  approve(p: Principal, proposalId: string, reason: string | undefined, nowMs: number): ControlEntity {
    const tlsId = this.#proposalTls.get(proposalId) ?? '';
    return this.#act(p, 'plan.approve', 'plan.approve', tlsId || proposalId, { proposalId, ...(reason ? { reason } : {}) }, nowMs, () => {
      const it = this.#pendingProposal(proposalId, nowMs);
      if (it.e.mode === 'manual') throw new ControlError(409, CONTROL_ERROR_CODES.MODE, 'a manual override is running: release it before approving a plan');
      const prop = it.e.proposal!;
      this.#requireLive(it.e.id);
      this.#checkPlan(it, prop.plan);
      this.#sendPlan(it, prop.plan, p.name, 'approve', nowMs);
      this.#patch(it, { proposal: { ...prop, state: 'approved', decidedBy: p.name, decidedMs: nowMs, decisionReason: reason ?? null } }, nowMs);
      return { planId: prop.plan.planId, cmdId: it.e.command!.cmdId };
    });
  }

  reject(p: Principal, proposalId: string, reason: string, nowMs: number): ControlEntity {
    const tlsId = this.#proposalTls.get(proposalId) ?? '';
    return this.#act(p, 'plan.approve', 'plan.reject', tlsId || proposalId, { proposalId, reason }, nowMs, () => {
      const it = this.#pendingProposal(proposalId, nowMs);
      this.#patch(it, { proposal: { ...it.e.proposal!, state: 'rejected', decidedBy: p.name, decidedMs: nowMs, decisionReason: reason } }, nowMs);
      return {};
    });
  }

  override(p: Principal, req: OverrideRequest, nowMs: number): ControlEntity {
    const detail = { reason: req.reason, revertAfterSec: req.revertAfterSec, ...(req.plan ? { planId: req.plan.planId } : { holdGreens: req.holdGreens }) };
    return this.#act(p, 'plan.override', 'plan.override', req.tlsId, detail, nowMs, () => {
      const it = this.#need(req.tlsId, nowMs);
      const meta = this.#d.meta(req.tlsId);
      if (!meta?.signal) throw new ControlError(409, CONTROL_ERROR_CODES.NO_SPEC, `tls ${req.tlsId} announced no signal spec: nothing can be checked, so nothing is sent`);
      const previousMode = it.e.mode === 'manual' ? it.e.override!.previousMode : it.e.mode;
      // What returns afterwards: the plan that ran before the (first) override.
      if (it.e.mode !== 'manual') it.revertPlan = this.#commandedRunning(it);
      if (req.plan) {
        this.#checkPlan(it, req.plan);
        it.hold = null;
        this.#sendPlan(it, req.plan, p.name, 'override', nowMs);
      } else {
        const v = stageViolations(meta.signal.spec, req.holdGreens!);
        if (v.length) throw unsafe(v);
        const gate = new HoldGate(meta.signal.spec);
        if (it.state) gate.observe(it.state);
        it.hold = { greens: [...req.holdGreens!], gate };
        this.#sendHold(it, p.name, 'override', nowMs);
      }
      this.#patch(
        it,
        {
          mode: 'manual',
          modeBy: p.name,
          modeSinceMs: nowMs,
          modeNote: null,
          override: {
            kind: req.plan ? 'plan' : 'hold',
            planId: req.plan?.planId ?? null,
            greens: req.holdGreens ?? null,
            reason: req.reason,
            by: p.name,
            sinceMs: nowMs,
            untilMs: nowMs + req.revertAfterSec * 1000,
            previousMode,
          },
        },
        nowMs,
      );
      return { untilMs: nowMs + req.revertAfterSec * 1000 };
    });
  }

  release(p: Principal, tlsId: string, reason: string | undefined, nowMs: number): ControlEntity {
    return this.#act(p, 'plan.override', 'plan.release', tlsId, reason ? { reason } : {}, nowMs, () => {
      const it = this.#by.get(tlsId);
      if (!it || it.e.mode !== 'manual') throw new ControlError(409, CONTROL_ERROR_CODES.MODE, `no manual override is running on ${tlsId}`);
      this.#endOverride(it, p.name, 'release', nowMs);
      return {};
    });
  }

  /** Sets the mode of one installation, or of every installation of a corridor. */
  setMode(p: Principal, target: { tlsId?: string; corridorId?: string }, mode: Exclude<ControlMode, 'manual'>, reason: string, nowMs: number): ControlEntity[] {
    if (!canDo(p, 'control.mode')) {
      this.#audit(p, 'control.mode', target.corridorId ?? target.tlsId!, { mode, reason }, 'denied', nowMs);
      throw new ControlError(403, ERROR_CODES.FORBIDDEN, `role ${p.role} may not control.mode`);
    }
    let ids: readonly string[];
    if (target.corridorId) {
      const c = this.#d.corridor(target.corridorId);
      if (!c) {
        this.#audit(p, 'control.mode', target.corridorId, { mode, reason }, 'error', nowMs, ERROR_CODES.NOT_FOUND);
        throw new ControlError(404, ERROR_CODES.NOT_FOUND, `no corridor ${target.corridorId}`);
      }
      ids = c;
    } else ids = [target.tlsId!];
    // All or nothing: every installation is checked before any changes.
    for (const id of ids) {
      if (!this.#d.tls(id)) throw this.#refuse(p, 'control.mode', id, { mode, reason }, nowMs, new ControlError(404, ERROR_CODES.NOT_FOUND, `no tls ${id}`));
      if (this.#by.get(id)?.e.mode === 'manual') {
        throw this.#refuse(p, 'control.mode', id, { mode, reason }, nowMs, new ControlError(409, CONTROL_ERROR_CODES.MODE, `a manual override is running on ${id}: release it first`));
      }
    }
    const out: ControlEntity[] = [];
    for (const id of ids) {
      const it = this.#need(id, nowMs);
      const from = it.e.mode;
      if (from !== mode) {
        this.#patch(it, { mode, modeBy: p.name, modeSinceMs: nowMs, modeNote: null }, nowMs);
        if (mode === 'fixed') this.#backToOwnPlan(it, p.name, 'mode', nowMs);
        if (mode !== 'advisory' && it.e.proposal?.state === 'pending') this.#patch(it, { proposal: { ...it.e.proposal, state: 'superseded' } }, nowMs);
        // A fresh look at the demand soon after switching to advisory/auto.
        it.lastAutoProposalMs = -Infinity;
      }
      this.#audit(p, 'control.mode', id, { from, mode, reason, ...(target.corridorId ? { corridorId: target.corridorId } : {}) }, 'ok', nowMs);
      out.push(it.e);
    }
    return out;
  }

  // ---- what the controllers say -----------------------------------------------------------------

  /** A TlsState of an installation (already accepted by the tls handler). */
  onState(tlsId: string, s: TlsState, nowMs: number): void {
    let it = this.#by.get(tlsId);
    if (!it) {
      const mode = this.#d.defaultMode ?? 'fixed';
      if (mode === 'fixed' || !this.#d.meta(tlsId)?.signal || !this.#d.tls(tlsId)) return;
      it = this.#need(tlsId, nowMs);
      this.#patch(it, { mode, modeBy: SYSTEM.name, modeSinceMs: nowMs, modeNote: 'CONTROL_DEFAULT_MODE' }, nowMs);
      this.#audit(SYSTEM, 'control.mode', tlsId, { from: 'fixed', mode, reason: 'CONTROL_DEFAULT_MODE' }, 'ok', nowMs);
    }
    it.state = s;
    it.hold?.gate.observe(s);
    const patch: Partial<ControlEntity> = {};
    if (it.e.runningPlanId !== s.planId) patch.runningPlanId = s.planId;
    const c = it.e.command;
    if (c && c.kind === 'plan' && (c.state === 'accepted' || c.state === 'sent') && c.planId === s.planId && s.mode === 'external') patch.command = { ...c, state: 'running' };
    if (Object.keys(patch).length) this.#patch(it, patch, nowMs);
    // Answer this second now, not at the next tick: a lock-step bridge (sim/sumo) waits for it.
    // Decided at the state's own time: it has just arrived (the hub's link verdict says the device
    // is live), and a lock-step bridge's model clock need not be the wall clock.
    if (it.e.mode === 'auto' && this.#d.optimiser && this.#d.tls(tlsId)?.link === 'live') this.#optimiserStep(s.tsMs, [it]);
  }

  onDetectors(tlsId: string, r: DetectorReport): void {
    const it = this.#by.get(tlsId);
    if (it) it.detectors = r;
  }

  /** The controller's answer to a command (PlanAck on city/v1/tls/{id}/ack). */
  onAck(tlsId: string, a: PlanAck, nowMs: number): void {
    const it = this.#by.get(tlsId);
    const c = it?.e.command;
    if (!it || !c || c.cmdId !== a.cmdId) return;
    const state = a.accepted ? (c.kind === 'plan' && it.e.runningPlanId === c.planId && it.state?.mode === 'external' ? 'running' : 'accepted') : 'rejected';
    this.#patch(it, { command: { ...c, state: c.state === 'running' ? 'running' : state, ackMs: nowMs, reasons: a.reasons } }, nowMs);
    if (!a.accepted) {
      this.#audit(SYSTEM, 'control.ack', tlsId, { cmdId: a.cmdId, planId: c.planId, cause: c.cause, issuedBy: c.issuedBy, reasons: a.reasons }, 'error', nowMs);
      this.#d.log?.warn({ tls: tlsId, cmdId: a.cmdId, reasons: a.reasons }, 'controller refused a command');
    }
  }

  // ---- once a second ------------------------------------------------------------------------------

  tick(nowMs: number): void {
    for (const it of this.#by.values()) {
      // One installation's failure must not stop the timers and fallbacks of the others.
      try {
        this.#tickOne(it, nowMs);
      } catch (err) {
        this.#d.log?.warn({ tls: it.e.id, err: (err as Error).message }, 'control tick failed for an installation');
      }
    }
    if (this.#d.optimiser) this.#optimiserStep(nowMs);
  }

  #tickOne(it: Internal, nowMs: number): void {
    const e = it.e;
    const prop = e.proposal;
    if (prop?.state === 'pending' && nowMs >= prop.expiresMs) this.#patch(it, { proposal: { ...prop, state: 'expired' } }, nowMs);
    const c = e.command;
    if (c && c.state === 'sent' && c.kind === 'plan' && nowMs - c.sentMs >= ACK_TIMEOUT_MS) {
      this.#patch(it, { command: { ...c, state: 'timeout' } }, nowMs);
      this.#audit(SYSTEM, 'control.ack', e.id, { cmdId: c.cmdId, planId: c.planId, cause: c.cause, issuedBy: c.issuedBy, why: 'no answer' }, 'error', nowMs);
    }
    if (e.mode === 'manual' && e.override && nowMs >= e.override.untilMs) this.#endOverride(it, SYSTEM.name, 'revert', nowMs);
    else if (e.mode === 'manual' && it.hold) this.#sendHold(it, e.override?.by ?? SYSTEM.name, 'override', nowMs);
    const live = this.#d.tls(e.id)?.link === 'live';
    if (e.mode === 'auto' && !live) {
      // Issue 8: fallback to fixed time when detectors fail or data goes stale.
      this.#patch(it, { mode: 'fixed', modeBy: SYSTEM.name, modeSinceMs: nowMs, modeNote: 'Daten veraltet: Rückfall auf Festzeit' }, nowMs);
      this.#audit(SYSTEM, 'control.fallback', e.id, { from: 'auto', mode: 'fixed', link: this.#d.tls(e.id)?.link ?? 'unknown' }, 'ok', nowMs);
      this.#backToOwnPlan(it, SYSTEM.name, 'fallback', nowMs);
      return;
    }
    if ((e.mode === 'advisory' || (e.mode === 'auto' && !this.#d.optimiser)) && live) this.#autoPropose(it, nowMs);
  }

  // ---- internals ----------------------------------------------------------------------------------

  #act(p: Principal, action: Action, auditAction: string, target: string, detail: Record<string, unknown>, nowMs: number, fn: () => Record<string, unknown>): ControlEntity {
    if (!canDo(p, action)) {
      this.#audit(p, auditAction, target, detail, 'denied', nowMs);
      throw new ControlError(403, ERROR_CODES.FORBIDDEN, `role ${p.role} may not ${action}`);
    }
    let out: Record<string, unknown>;
    try {
      out = fn();
    } catch (err) {
      if (err instanceof ControlError) this.#audit(p, auditAction, target, { ...detail, ...err.detail }, 'error', nowMs, err.code, err.message);
      throw err;
    }
    const tlsId = (this.#proposalTls.get(String(detail.proposalId ?? '')) ?? target) || target;
    this.#audit(p, auditAction, tlsId, { ...detail, ...out }, 'ok', nowMs);
    return this.#by.get(tlsId)!.e;
  }

  #refuse(p: Principal, action: string, target: string, detail: Record<string, unknown>, nowMs: number, err: ControlError): ControlError {
    this.#audit(p, action, target, detail, 'error', nowMs, err.code, err.message);
    return err;
  }

  #audit(p: Principal, action: string, target: string, detail: Record<string, unknown>, result: AuditResult, nowMs: number, code?: string, message?: string): void {
    // The hub's own steps are audited as role 'system' (they are authorised as admin actions).
    const role = p === SYSTEM || p === OPTIMISER ? 'system' : p.role;
    this.#d.audit({ atMs: nowMs, principal: p.name, role, action, target, detail: code ? { ...detail, error: code, message } : detail, result });
  }

  /** The installation's control record, created on first use (the installation must exist). */
  #need(tlsId: string, nowMs: number): Internal {
    let it = this.#by.get(tlsId);
    if (it) return it;
    const t = this.#d.tls(tlsId);
    if (!t) throw new ControlError(404, ERROR_CODES.NOT_FOUND, `no tls ${tlsId}`);
    const e: ControlEntity = {
      id: tlsId,
      mode: 'fixed',
      modeBy: SYSTEM.name,
      modeSinceMs: nowMs,
      modeNote: null,
      runningPlanId: t.planId,
      proposal: null,
      command: null,
      override: null,
      updatedMs: nowMs,
    };
    it = { e, plans: new Map(), revertPlan: null, hold: null, lastAutoProposalMs: -Infinity, state: null, detectors: null };
    this.#by.set(tlsId, it);
    this.#d.family.put({ ...e });
    return it;
  }

  #patch(it: Internal, p: Partial<ControlEntity>, nowMs: number): void {
    it.e = { ...it.e, ...p, updatedMs: nowMs };
    this.#d.family.patch({ id: it.e.id, ...p, updatedMs: nowMs });
  }

  #requireLive(tlsId: string): void {
    const link = this.#d.tls(tlsId)?.link;
    if (link !== 'live') throw new ControlError(409, CONTROL_ERROR_CODES.STALE, `the data of ${tlsId} is ${link ?? 'missing'}: no command on old information`);
  }

  #pendingProposal(proposalId: string, nowMs: number): Internal {
    const tlsId = this.#proposalTls.get(proposalId);
    const it = tlsId ? this.#by.get(tlsId) : undefined;
    const prop = it?.e.proposal;
    if (!it || !prop || prop.id !== proposalId) {
      if (it) throw new ControlError(409, CONTROL_ERROR_CODES.PROPOSAL_STATE, `proposal ${proposalId} was superseded`);
      throw new ControlError(404, ERROR_CODES.NOT_FOUND, `no proposal ${proposalId}`);
    }
    if (prop.state === 'pending' && nowMs >= prop.expiresMs) this.#patch(it, { proposal: { ...prop, state: 'expired' } }, nowMs);
    if (it.e.proposal!.state !== 'pending') throw new ControlError(409, CONTROL_ERROR_CODES.PROPOSAL_STATE, `proposal ${proposalId} is ${it.e.proposal!.state}`);
    return it;
  }

  #checkPlan(it: Internal, plan: SignalPlan): void {
    const spec = this.#d.meta(it.e.id)?.signal?.spec;
    if (!spec) throw new ControlError(409, CONTROL_ERROR_CODES.NO_SPEC, `tls ${it.e.id} announced no signal spec: nothing can be checked, so nothing is sent`);
    const v = planViolations(spec, plan);
    if (v.length) throw unsafe(v);
  }

  #cmdId(prefix: string, nowMs: number): string {
    return `${prefix}-${nowMs.toString(36)}-${(++this.#seq).toString(36)}`;
  }

  /** Publishes a checked plan (callers ran #checkPlan, or it is the installation's own plan). */
  #sendPlan(it: Internal, plan: SignalPlan, issuedBy: string, cause: string, nowMs: number): void {
    const cmd: PlanCommand = { cmdId: this.#cmdId('p', nowMs), tsMs: nowMs, plan, issuedBy };
    if (!this.#d.publish(signalTopics.cmd(it.e.id), JSON.stringify(cmd), SIGNAL_QOS.cmd)) {
      throw new ControlError(503, CONTROL_ERROR_CODES.OFFLINE, 'the hub is not connected to the broker: the command cannot be delivered');
    }
    it.plans.set(plan.planId, plan);
    const command: CommandStatus = { cmdId: cmd.cmdId, kind: 'plan', planId: plan.planId, greens: null, issuedBy, cause, sentMs: nowMs, state: 'sent', ackMs: null, reasons: [] };
    this.#patch(it, { command }, nowMs);
  }

  /** One second of a stage hold, through the safety gate; nothing is sent when the gate says no. */
  #sendHold(it: Internal, issuedBy: string, cause: string, nowMs: number): void {
    const h = it.hold!;
    const r = h.gate.request(h.greens);
    if (!r.greens) return;
    const cmd: StageCommand = { cmdId: this.#cmdId('s', nowMs), tsMs: nowMs, greens: r.greens, validUntilMs: nowMs + Math.min(HOLD_VALID_MS, STAGE_MAX_VALID_MS), issuedBy };
    if (!this.#d.publish(signalTopics.stage(it.e.id), JSON.stringify(cmd), SIGNAL_QOS.stage)) {
      if (cause === 'override' && !it.e.override) throw new ControlError(503, CONTROL_ERROR_CODES.OFFLINE, 'the hub is not connected to the broker: the command cannot be delivered');
      return;
    }
    this.#noteStage(it, cmd, cause, nowMs);
  }

  /** Records a published stage request as the installation's command (acks match its cmdId). */
  #noteStage(it: Internal, cmd: StageCommand, cause: string, nowMs: number): void {
    const prev = it.e.command;
    if (prev && prev.kind === 'stage' && prev.state !== 'rejected' && prev.greens?.join() === cmd.greens.join()) {
      // The cmdId changes every second; the entity streams only what a person sees change.
      it.e = { ...it.e, command: { ...prev, cmdId: cmd.cmdId } };
      return;
    }
    const command: CommandStatus = { cmdId: cmd.cmdId, kind: 'stage', planId: null, greens: cmd.greens, issuedBy: cmd.issuedBy, cause, sentMs: nowMs, state: 'sent', ackMs: null, reasons: [] };
    this.#patch(it, { command }, nowMs);
  }

  /** The plan the controller runs now, as far as the hub knows it (own plan when unknown). */
  #runningPlan(it: Internal): SignalPlan {
    const own = this.#d.meta(it.e.id)!.signal!.plan;
    const id = this.#d.tls(it.e.id)?.planId ?? it.e.runningPlanId;
    return (id && it.plans.get(id)) || own;
  }

  /** The hub-commanded plan running now, or null when the own plan runs. */
  #commandedRunning(it: Internal): SignalPlan | null {
    const id = this.#d.tls(it.e.id)?.planId;
    return (this.#d.tls(it.e.id)?.mode === 'external' && id && it.plans.get(id)) || null;
  }

  #backToOwnPlan(it: Internal, by: string, cause: string, nowMs: number): void {
    it.hold = null;
    const t = this.#d.tls(it.e.id);
    const own = this.#d.meta(it.e.id)?.signal?.plan;
    if (!own || t?.mode !== 'external') return;
    try {
      this.#sendPlan(it, own, by, cause, nowMs);
    } catch (err) {
      // Broker down: the controller keeps what it runs; the next mode change or revert tries again.
      this.#d.log?.warn({ tls: it.e.id, err: (err as Error).message }, 'could not command the own plan back');
    }
  }

  #endOverride(it: Internal, by: string, cause: 'release' | 'revert', nowMs: number): void {
    const o = it.e.override!;
    const wasHold = !!it.hold;
    it.hold = null;
    const back = it.revertPlan;
    it.revertPlan = null;
    this.#patch(it, { mode: o.previousMode, modeBy: by, modeSinceMs: nowMs, modeNote: cause === 'revert' ? 'Übersteuerung abgelaufen' : null, override: null }, nowMs);
    if (back) {
      try {
        this.#sendPlan(it, back, by, cause, nowMs);
      } catch (err) {
        this.#d.log?.warn({ tls: it.e.id, err: (err as Error).message }, 'could not command the plan back after an override');
      }
    } else if (!wasHold || this.#d.tls(it.e.id)?.mode === 'external') this.#backToOwnPlan(it, by, cause, nowMs);
    // A stage hold simply stops: the controller's watchdog returns to its own plan (StageCommand).
    if (cause === 'revert') this.#audit(SYSTEM, 'plan.revert', it.e.id, { override: o.kind, planId: o.planId, greens: o.greens, by: o.by, reason: o.reason }, 'ok', nowMs);
  }

  #retime(it: Internal, nowMs: number): { ok: true; proposal: Proposal } | { ok: false; code: string; message: string } {
    const meta = this.#d.meta(it.e.id);
    if (!meta?.signal) return { ok: false, code: 'NO_SPEC', message: `tls ${it.e.id} announced no signal spec` };
    const t = this.#d.tls(it.e.id);
    const stats = t?.approachStats ?? [];
    const groups = groupsByApproach(meta.signal);
    const demand: ApproachDemand[] = meta.approaches.map((a) => ({
      id: a.id,
      lanes: a.lanes,
      flowVehH: stats.find((s) => s.approachId === a.id)?.flowVehH ?? 0,
      groupIds: groups.get(a.id) ?? [],
    }));
    const running = this.#runningPlan(it);
    const planId = `wst-${Math.floor(nowMs / 1000).toString(36)}-${(++this.#seq).toString(36)}`;
    const r = retime(meta.signal.spec, running, demand, planId);
    if (!r.ok) return r;
    // Checked here as well: a proposal an operator sees is one that may be sent.
    const v = planViolations(meta.signal.spec, r.plan);
    if (v.length) return { ok: false, code: 'UNSAFE', message: v.map((x) => x.message).join('; ') };
    const proposal: Proposal = {
      id: `P-${planId}`,
      tlsId: it.e.id,
      plan: r.plan,
      basePlanId: running.planId,
      basePlan: running,
      reason: `Webster-Neuberechnung auf die gemessene Nachfrage (Y = ${r.flowRatioSum.toFixed(2)})`,
      source: 'webster',
      predicted: r.predicted,
      createdMs: nowMs,
      expiresMs: nowMs + PROPOSAL_TTL_MS,
      state: 'pending',
      decidedBy: null,
      decidedMs: null,
      decisionReason: null,
    };
    return { ok: true, proposal };
  }

  #setProposal(it: Internal, prop: Proposal, nowMs: number): void {
    const old = it.e.proposal;
    // Old ids stay known (bounded) so that approving one answers "superseded", not "unknown".
    if (this.#proposalTls.size >= MAX_KNOWN_PROPOSALS) this.#proposalTls.delete(this.#proposalTls.keys().next().value!);
    if (old?.state === 'pending') this.#audit(SYSTEM, 'control.supersede', it.e.id, { proposalId: old.id, by: prop.id }, 'ok', nowMs);
    this.#proposalTls.set(prop.id, it.e.id);
    this.#patch(it, { proposal: prop }, nowMs);
  }

  /** advisory: a proposal when it is worth one; auto (no optimiser): apply it. */
  #autoPropose(it: Internal, nowMs: number): void {
    const every = it.e.mode === 'auto' ? AUTO_RETIME_EVERY_MS : ADVISORY_PROPOSE_EVERY_MS;
    if (nowMs - it.lastAutoProposalMs < every || it.e.proposal?.state === 'pending') return;
    if (it.e.command && (it.e.command.state === 'sent' || it.e.command.state === 'accepted')) return;
    it.lastAutoProposalMs = nowMs;
    const r = this.#retime(it, nowMs);
    if (!r.ok) return;
    const d = r.proposal.predicted.delaySecPerVeh;
    const gain = d.running - d.proposed;
    if (gain < MIN_GAIN_SEC || gain < MIN_GAIN_SHARE * d.running) return;
    this.#setProposal(it, r.proposal, nowMs);
    this.#audit(OPTIMISER, 'control.propose', it.e.id, { proposalId: r.proposal.id, planId: r.proposal.plan.planId, predicted: r.proposal.predicted }, 'ok', nowMs);
    if (it.e.mode === 'auto') {
      try {
        this.approve(OPTIMISER, r.proposal.id, 'auto', nowMs);
      } catch (err) {
        this.#d.log?.warn({ tls: it.e.id, err: (err as Error).message }, 'auto re-timing not applied');
      }
    }
  }

  /** auto with the optimiser loop: its stage requests (already through its safety layer) each second. */
  #optimiserStep(nowMs: number, only?: readonly Internal[]): void {
    const input: Parameters<StageOptimiser['step']>[0] = { intersections: [] };
    for (const it of only ?? this.#by.values()) {
      // The tick serves advisory installations; auto ones are answered as each state arrives.
      if (only ? it.e.mode !== 'auto' : it.e.mode !== 'advisory') continue;
      const meta = this.#d.meta(it.e.id);
      const t = this.#d.tls(it.e.id);
      if (!meta?.signal || !t) continue;
      input.intersections.push({ meta, state: it.state, detectors: it.detectors, link: t.link, control: it.e.mode === 'auto' ? 'auto' : 'advisory' });
    }
    if (input.intersections.length === 0) return;
    const out = this.#d.optimiser!.step(input, nowMs);
    for (const { tlsId, cmd } of out.commands) {
      const it = this.#by.get(tlsId);
      // Only what is in auto NOW is commanded, whatever the loop returns.
      if (!it || it.e.mode !== 'auto') continue;
      const spec = this.#d.meta(tlsId)?.signal?.spec;
      if (!spec || stageViolations(spec, cmd.greens).length) continue;
      if (this.#d.publish(signalTopics.stage(tlsId), JSON.stringify(cmd), SIGNAL_QOS.stage)) this.#noteStage(it, cmd, 'auto', nowMs);
    }
  }
}

function unsafe(v: Violation[]): ControlError {
  return new ControlError(422, CONTROL_ERROR_CODES.UNSAFE, `unsafe: ${v.map((x) => x.message).join('; ')}`.slice(0, 2000), { violations: v.slice(0, 20).map((x) => x.code) });
}
