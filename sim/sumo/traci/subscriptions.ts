// Values of variable subscriptions for one simulation step: domain -> object id -> variable -> value.
// The maps are cleared, not reallocated, every step (one step per simulated second in the hot loop).

import type { TraciAny } from './decode.ts';

export class SubscriptionResults {
  private readonly byDomain = new Map<number, Map<string, Map<number, TraciAny>>>();
  private readonly errors: string[] = [];

  clear(): void {
    for (const objects of this.byDomain.values()) objects.clear();
    this.errors.length = 0;
  }

  set(domainGetId: number, objectId: string, varId: number, value: TraciAny): void {
    let objects = this.byDomain.get(domainGetId);
    if (!objects) this.byDomain.set(domainGetId, (objects = new Map()));
    let vars = objects.get(objectId);
    if (!vars) objects.set(objectId, (vars = new Map()));
    vars.set(varId, value);
  }

  setError(domainGetId: number, objectId: string, varId: number, message: string): void {
    this.errors.push(`0x${domainGetId.toString(16)} ${objectId} 0x${varId.toString(16)}: ${message}`);
  }

  /** all subscribed variables of one object this step, or undefined if it did not report */
  object(domainGetId: number, objectId: string): Map<number, TraciAny> | undefined {
    return this.byDomain.get(domainGetId)?.get(objectId);
  }

  value(domainGetId: number, objectId: string, varId: number): TraciAny | undefined {
    return this.byDomain.get(domainGetId)?.get(objectId)?.get(varId);
  }

  number(domainGetId: number, objectId: string, varId: number): number {
    const v = this.value(domainGetId, objectId, varId);
    return typeof v === 'number' ? v : NaN;
  }

  string(domainGetId: number, objectId: string, varId: number): string | undefined {
    const v = this.value(domainGetId, objectId, varId);
    return typeof v === 'string' ? v : undefined;
  }

  /** object ids of one domain that reported this step */
  objects(domainGetId: number): IterableIterator<string> {
    return (this.byDomain.get(domainGetId) ?? new Map<string, unknown>()).keys();
  }

  /** per-variable errors SUMO reported inside subscription responses this step */
  stepErrors(): readonly string[] {
    return this.errors;
  }
}
