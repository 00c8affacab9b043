/**
 * The control plane: how a person (or the optimiser) changes what a signal controller runs, and
 * what everyone sees of it. Pure: zod schemas, types, bounds and error codes; no I/O, no clock.
 *
 * Modes per installation (issue 8, "Safety and control"):
 * - `fixed`: the controller runs its own fixed-time programme; the hub commands nothing.
 * - `advisory`: the hub proposes plans with their predicted effect; a person approves or rejects.
 * - `auto`: the optimiser's output goes to the controller without a person (stage requests every
 *   second, or approved-by-the-optimiser plans); falls back to `fixed` when the installation's
 *   data goes stale.
 * - `manual`: a person's override (a plan, or holding a stage) runs until its revert timer ends or
 *   it is released; then the mode before it returns.
 *
 * Every command the hub sends passes `validatePlan` / `validateStage` (protocol/signal.ts) and the
 * optimiser's hub-side safety layer before it is published; the controller checks again and
 * answers with a PlanAck, which completes or fails the action.
 *
 * Realtime: family `control`, one entity per installation the control plane has touched
 * (ControlEntity, id = the installation id), for operators and admins only (protocol/auth.ts).
 */
import { z } from 'zod';
import { SignalPlan, GROUP_ID_RE, type AckReason } from './signal.ts';
import { DEVICE_ID_RE } from './topics.ts';

export const CONTROL_MODES = ['fixed', 'advisory', 'auto', 'manual'] as const;
export const ControlMode = z.enum(CONTROL_MODES);
export type ControlMode = z.infer<typeof ControlMode>;

/** Modes a person may set directly; `manual` is entered by an override, never by a mode switch. */
export const SETTABLE_MODES = ['fixed', 'advisory', 'auto'] as const;

/** Bounds of a manual override's revert timer, s: at least a minute, at most an hour. */
export const OVERRIDE_MIN_SEC = 60;
export const OVERRIDE_MAX_SEC = 3600;
/**
 * Longest a stage may be held when none of the groups left red announces a maxRedSec: the default
 * maximum red per approach of issue 8 (fairness, 120 s). A hold is never longer than the shortest
 * maxRedSec of the groups it keeps red.
 */
export const HOLD_DEFAULT_MAX_RED_SEC = 120;
/** A proposal nobody decides on expires after this long (the demand it was computed for moves on). */
export const PROPOSAL_TTL_MS = 15 * 60_000;
/** A plan command without an answer from the controller after this long has failed. */
export const ACK_TIMEOUT_MS = 15_000;

export const PROPOSAL_STATES = ['pending', 'approved', 'rejected', 'expired', 'superseded'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** Predicted effect of a plan against the running one (same measured demand, same model). */
export interface PredictedEffect {
  /** Flow-weighted mean delay per vehicle, s (Webster 1958). */
  delaySecPerVeh: { running: number; proposed: number };
  /** Vehicles stopping per hour over all approaches (Akçelik 1981 stop rate). */
  stopsPerHour: { running: number; proposed: number };
  cycleSec: { running: number; proposed: number };
  /** Demand the prediction is for: sum of the measured approach flows, veh/h. */
  demandVehH: number;
  /** The model, named: e.g. 'webster-1958'. */
  model: string;
}

export interface Proposal {
  id: string;
  tlsId: string;
  plan: SignalPlan;
  /** Plan id the prediction compares against (what runs now). */
  basePlanId: string;
  /** That plan itself, so the dashboard can draw running and proposed plan side by side. */
  basePlan: SignalPlan;
  /** Human-readable: why this plan (e.g. "Webster re-timing to the measured demand"). */
  reason: string;
  /** Who computed it: 'webster' (hub re-timing) or the optimiser's strategy name. */
  source: string;
  predicted: PredictedEffect;
  createdMs: number;
  expiresMs: number;
  state: ProposalState;
  /** Who decided (approved/rejected), when and why; null while pending. */
  decidedBy: string | null;
  decidedMs: number | null;
  decisionReason: string | null;
}

export const COMMAND_STATES = ['sent', 'accepted', 'running', 'rejected', 'timeout', 'failed'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** The last command the hub sent to an installation, and what became of it. */
export interface CommandStatus {
  cmdId: string;
  kind: 'plan' | 'stage';
  /** Plan id for a plan command; the groups requested for a stage hold. */
  planId: string | null;
  greens: string[] | null;
  issuedBy: string;
  /** approve, override, release, revert, fallback, auto. */
  cause: string;
  sentMs: number;
  state: CommandState;
  /** The controller's answer (reasons when refused). */
  ackMs: number | null;
  reasons: AckReason[];
}

export interface OverrideStatus {
  kind: 'plan' | 'hold';
  planId: string | null;
  greens: string[] | null;
  reason: string;
  by: string;
  sinceMs: number;
  /** The override reverts by itself at this time. */
  untilMs: number;
  /** Mode that returns when it ends. */
  previousMode: Exclude<ControlMode, 'manual'>;
}

/** Control state of one installation: realtime family `control`, id = installation id. */
export interface ControlEntity {
  id: string;
  mode: ControlMode;
  /** Who set the mode last ('system' for a fallback) and when. */
  modeBy: string;
  modeSinceMs: number;
  /** Why the mode is what it is when the hub changed it by itself (fallback), else null. */
  modeNote: string | null;
  /** Plan the controller reports running (TlsState.planId), null before the first state. */
  runningPlanId: string | null;
  /** The newest proposal (pending or decided); null when there never was one. */
  proposal: Proposal | null;
  command: CommandStatus | null;
  override: OverrideStatus | null;
  updatedMs: number;
}

// ---- requests -----------------------------------------------------------------------------------

const tlsId = z.string().regex(DEVICE_ID_RE, 'tlsId must match [A-Za-z0-9_-]{1,64}');
const proposalId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'proposalId must match [A-Za-z0-9_.:-]{1,64}');
const reason = z.string().trim().min(3, 'a reason of at least 3 characters is required').max(500);
const groupId = z.string().regex(GROUP_ID_RE);

/** POST /api/control/propose: compute a re-timing proposal for an installation now. */
export const ProposeRequest = z.object({ tlsId }).strict();
export type ProposeRequest = z.infer<typeof ProposeRequest>;

/** POST /api/control/approve. */
export const ApproveRequest = z.object({ proposalId, reason: z.string().trim().max(500).optional() }).strict();
export type ApproveRequest = z.infer<typeof ApproveRequest>;

/** POST /api/control/reject: a reason is required. */
export const RejectRequest = z.object({ proposalId, reason }).strict();
export type RejectRequest = z.infer<typeof RejectRequest>;

/**
 * POST /api/control/override: run `plan`, or hold the stage `holdGreens` (groups green together),
 * for `revertAfterSec`, then return to the mode before. Exactly one of plan / holdGreens.
 */
export const OverrideRequest = z
  .object({
    tlsId,
    plan: SignalPlan.optional(),
    holdGreens: z.array(groupId).min(1).max(32).optional(),
    revertAfterSec: z.number().int().min(OVERRIDE_MIN_SEC).max(OVERRIDE_MAX_SEC),
    reason,
  })
  .strict()
  .refine((r) => (r.plan === undefined) !== (r.holdGreens === undefined), 'give exactly one of plan or holdGreens');
export type OverrideRequest = z.infer<typeof OverrideRequest>;

/** POST /api/control/release: end a running override now. */
export const ReleaseRequest = z.object({ tlsId, reason: z.string().trim().max(500).optional() }).strict();
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

/** POST /api/control/mode: one installation or every installation of a corridor. */
export const ModeRequest = z
  .object({
    tlsId: tlsId.optional(),
    corridorId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    mode: z.enum(SETTABLE_MODES),
    reason,
  })
  .strict()
  .refine((r) => (r.tlsId === undefined) !== (r.corridorId === undefined), 'give exactly one of tlsId or corridorId');
export type ModeRequest = z.infer<typeof ModeRequest>;

/** Answer of every control POST: the installations' control states after the action. */
export interface ControlResponse {
  ok: true;
  states: ControlEntity[];
}

/** GET /api/control/state[?tlsId=]: control states (only installations the control plane knows). */
export interface ControlStateResponse {
  states: ControlEntity[];
}

/**
 * Stable error codes of the control plane (besides E_BAD_REQUEST, E_NOT_FOUND, E_FORBIDDEN,
 * E_RATE_LIMITED, E_CONFLICT of protocol/realtime.ts ERROR_CODES); documented in docs/api.md.
 */
export const CONTROL_ERROR_CODES = {
  /** The plan or stage violates minimum green, intergreen, conflicts, max red or max cycle. 422. */
  UNSAFE: 'E_UNSAFE',
  /** The installation announced no signal spec: nothing can be checked, so nothing is sent. 409. */
  NO_SPEC: 'E_NO_SPEC',
  /** The proposal is no longer pending (decided, expired, superseded). 409. */
  PROPOSAL_STATE: 'E_PROPOSAL_STATE',
  /** The action does not fit the mode (e.g. release without an override). 409. */
  MODE: 'E_MODE',
  /** The installation's data is stale or lost: no command is sent on old information. 409. */
  STALE: 'E_STALE',
  /** Not enough measured demand to compute a proposal. 409. */
  NO_DATA: 'E_NO_DATA',
  /** The hub is not connected to the broker: the command cannot be delivered. 503. */
  OFFLINE: 'E_OFFLINE',
} as const;
