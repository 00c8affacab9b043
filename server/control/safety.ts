/**
 * The checks every command passes before the hub publishes it, in one place: validatePlan /
 * validateStage of the protocol, then the optimiser's hub-side safety layer (server/optimise:
 * minimum green, intergreen, conflicts, maximum red with the 120-s vehicle default of issue 8,
 * maximum cycle). The controller checks again when it receives the command.
 */
import { validatePlan, validateStage, type ControllerSpec, type SignalPlan, type TlsState, type Violation } from '../../protocol/index.ts';
import { checkPlan, compileSpec, SafetyGate, type CompiledSpec } from '../optimise/index.ts';

const compiled = new WeakMap<ControllerSpec, CompiledSpec>();
function cs(spec: ControllerSpec): CompiledSpec {
  let c = compiled.get(spec);
  if (!c) compiled.set(spec, (c = compileSpec(spec)));
  return c;
}

/** Every reason the plan may not be sent (empty: it may). */
export function planViolations(spec: ControllerSpec, plan: SignalPlan): Violation[] {
  const own = validatePlan(spec, plan);
  if (own.length) return own;
  return checkPlan(cs(spec), plan).violations;
}

/**
 * A stage hold's gate: tracks the controller's reported greens and passes each second's request
 * through the optimiser's safety layer (minimum greens kept, overdue groups served before their
 * maximum red), so even a person's hold never starves a pedestrian crossing.
 */
export class HoldGate {
  readonly #gate: SafetyGate;
  constructor(spec: ControllerSpec) {
    this.#gate = new SafetyGate(cs(spec));
  }
  observe(s: TlsState): void {
    this.#gate.observe(s);
  }
  /** The greens to request now, or null when nothing may be sent (the controller's watchdog takes over). */
  request(greens: readonly string[]): { greens: string[] | null; reasons: string[] } {
    const v = this.#gate.stage([...greens]);
    return { greens: v.greens, reasons: v.reasons };
  }
}

/** Static check of a stage (known groups, no conflicting pair); timing is the gate's and the controller's. */
export function stageViolations(spec: ControllerSpec, greens: readonly string[]): Violation[] {
  return validateStage(spec, greens);
}
