/**
 * Signal optimisation (issue 8): the API the hub's control plane (server/control) uses.
 *
 *   const opt = createOptimiser({ strategy: 'max-pressure' });
 *   // every second, from the fused state:
 *   const out = opt.step({ intersections, transit, preemptions }, nowMs);
 *   for (const { tlsId, cmd } of out.commands) publish(signalTopics.stage(tlsId), cmd, QoS 1);
 *
 * - `step` is pure apart from the optimiser's own estimator state (queues per approach, the hub's
 *   view of each controller's greens); no I/O, no clock: `nowMs` is given.
 * - Every command has been through `safety.ts` (conflicts, min green, intergreen, max red): nothing
 *   unsafe leaves `step`, and the controller checks again.
 * - StageCommand.tsMs = the tsMs of the TlsState it decided on (lock-step bridges answer "second t"
 *   with it); validUntilMs = that + validForMs (watchdog: the controller returns to its own plan).
 * - Intersections with stale detectors or state get no command (status 'fallback'): the controller's
 *   watchdog takes them back to fixed time; they return to adaptive when data is fresh again.
 * - 'advisory' intersections get a decision (what would be commanded) but no command.
 *
 * Also exported: the hub-side safety layer, stage derivation, corridor offsets and the time-space
 * data, for the control plane's REST routes and the dashboard.
 */
export { createOptimiser, type Optimiser } from './loop.ts';
export { SafetyGate, checkPlan, type StageVerdict, type PlanVerdict } from './safety.ts';
export { deriveStages, compileSpec, type CompiledSpec } from './stages.ts';
export { corridorOffsets, timeSpace, type CorridorNodeInput, type CorridorPlan, type TimeSpaceData } from './corridor.ts';
export type {
  ControlStatus,
  IntersectionDecision,
  IntersectionInput,
  IntersectionKpis,
  OptimiserInput,
  OptimiserOptions,
  OptimiserOutput,
  Preemption,
  StrategyName,
  TransitApproach,
} from './types.ts';
export { DEFAULT_STRATEGY, STRATEGIES } from './types.ts';
