/**
 * The optimiser's contract with the hub: what it is given every second (built from the hub's fused
 * state) and what it returns (stage commands to publish, and per-intersection KPIs).
 *
 * Pure data, no I/O. The hub (CTRL) builds `OptimiserInput` from what it already holds:
 * - `meta`: the installation's retained TlsMeta (with `signal`: spec + default plan);
 * - `state`: the newest TlsState the controller reported (device clock `tsMs`);
 * - `detectors`: the newest DetectorReport (the optimiser consumes each report once, by tsMs);
 * - `link`: the hub's liveness verdict for the installation (server/fusion/liveness.ts).
 */
import type { DeviceLink } from '../../protocol/realtime.ts';
import type { DetectorReport, TlsMeta } from '../../protocol/mqtt.ts';
import type { StageCommand, TlsMetaSignal, TlsState } from '../../protocol/signal.ts';

/** Strategies the optimiser can run per intersection. */
export const STRATEGIES = ['max-pressure', 'actuated'] as const;
/** The strategy that wins the benchmark (bench/results/optimise.json); used when none is chosen. */
export const DEFAULT_STRATEGY = 'actuated' as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface IntersectionInput {
  /** The installation's announced meta; without `signal` the intersection cannot be optimised. */
  meta: TlsMeta & { signal?: TlsMetaSignal };
  /** Newest controller state, or null before the first one. */
  state: TlsState | null;
  /** Newest detector report, or null before the first one (may repeat: consumed once per tsMs). */
  detectors: DetectorReport | null;
  /** Liveness of the installation as the hub judges it. */
  link: DeviceLink;
  /**
   * Whether the optimiser may command this intersection now ('auto'), or only compute and report
   * what it would do ('advisory'). Intersections in 'fixed' mode should simply not be passed (or
   * passed with 'observe' so that their queues feed the neighbours' pressure).
   */
  control: 'auto' | 'advisory' | 'observe';
}

/** A transit vehicle approaching a signal (from the transit fusion: position + timetable delay). */
export interface TransitApproach {
  vehicleId: string;
  tlsId: string;
  /** Approach of `tlsId` the vehicle arrives on. */
  approachId: string;
  /** Expected seconds until it reaches the stop line. */
  etaSec: number;
  /** Timetable delay, s (positive = late). */
  delaySec: number;
  /** Passengers on board if known (weights the priority); default by mode. */
  passengers?: number;
  mode: 'bus' | 'tram' | 'lightrail';
}

/** An emergency vehicle's route through signals (fire brigade view). */
export interface Preemption {
  id: string;
  /** Signals in driving order, each with the approach the vehicle arrives on. */
  route: { tlsId: string; approachId: string }[];
  /** Index in `route` of the next signal the vehicle reaches (signals before it are passed). */
  nextIndex: number;
  /** Seconds until the vehicle reaches route[nextIndex]; later ones are estimated from link lengths. */
  etaSec: number;
  /** The corridor is prepared this many signals ahead (default 3). */
  lookaheadSignals?: number;
}

export interface OptimiserInput {
  intersections: IntersectionInput[];
  transit?: TransitApproach[];
  preemptions?: Preemption[];
}

/** Why an intersection is (or is not) under adaptive control this second. */
export type ControlStatus =
  | 'adaptive'
  /** Detectors/state stale or lost: no commands, the controller's watchdog returns it to its own plan. */
  | 'fallback'
  /** Emergency corridor. */
  | 'preempt'
  /** Not enough to decide on yet (no signal spec, no state). */
  | 'waiting';

export interface IntersectionKpis {
  /** Estimated vehicles queued over all approaches. */
  queueVeh: number;
  /** Max-pressure of the stage chosen (veh/s). */
  pressure: number;
  /** Estimated vehicle delay accumulated in the last second over all approaches, veh·s. */
  delayVehS: number;
  /** Estimated arrivals, veh/h, over all approaches. */
  demandVehH: number;
}

export interface IntersectionDecision {
  id: string;
  status: ControlStatus;
  /** Groups requested green (what the command carries, or would carry in advisory mode). */
  greens: string[];
  /** Short machine reason (hold-min-green, switch, max-red, transit, preempt, spillback, stale, ...). */
  reason: string;
  kpis: IntersectionKpis;
}

export interface OptimiserOutput {
  /** Stage commands to publish on city/v1/tls/{tlsId}/stage (already through the safety layer). */
  commands: { tlsId: string; cmd: StageCommand }[];
  decisions: IntersectionDecision[];
  /** Outputs the safety layer refused or repaired (should stay 0; counted for the audit/metrics). */
  safetyInterventions: number;
}

export interface OptimiserOptions {
  strategy?: StrategyName;
  /** Written into StageCommand.issuedBy. */
  issuedBy?: string;
  /** Watchdog length asked of the controller, ms (clamped to STAGE_MAX_VALID_MS). */
  validForMs?: number;
  /** Detector data older than this (against the state's clock) means fallback, ms. */
  staleAfterMs?: number;
  /** Default max red for vehicle groups without maxRedSec, s (issue 8: 120 s). */
  vehicleMaxRedSec?: number;
  /** Transit priority on (default true). */
  transitPriority?: boolean;
}

export type { StageCommand };
