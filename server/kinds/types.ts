import type { ConditionInput } from '../alarms/engine.ts';
import type { ApiRoute } from '../http/api.ts';
import type { Decoded, RejectReason } from '../ingest/decode.ts';
import type { FamilyState } from '../realtime/family.ts';
import type { Store } from '../store/types.ts';
import type { Family } from '../../protocol/index.ts';

/** What a device-kind handler may use of the hub. */
export interface IngestContext {
  store: Store;
  /** Reports the truth of an alarm condition; the hub runs the alarm state machine and records it. */
  condition(input: ConditionInput, nowMs: number): void;
  /**
   * Scaled mode: whether this hub processes this signal installation (server/cluster). Checks that
   * walk a family (liveness) skip what another hub owns: its entities are replicas here.
   */
  ownsTls?(deviceId: string): boolean;
}

export type Refusal = { reason: RejectReason; detail: string };

/**
 * One device kind (or a few related ones): its fusion state, its realtime families, and what it does
 * with each accepted message. One concern per file under server/kinds/.
 */
export interface KindHandler {
  readonly kinds: readonly string[];
  readonly families: readonly FamilyState<Family, { id: string }>[];
  /** Null when the message was taken, else why it is refused (it is then quarantined). */
  handle(m: Decoded, nowMs: number): Refusal | null;
  /** Once a second: silence detection, derived alarms. */
  check?(nowMs: number): void;
  /**
   * An empty retained payload on `{kind}/{id}/meta` (the MQTT way to clear a retained message):
   * the device is gone. Null when taken, else why it is refused.
   */
  forget?(kind: string, deviceId: string, nowMs: number): Refusal | null;
  /** Extra REST routes (GET, exact path) this kind serves, e.g. static network data. */
  readonly routes?: Record<string, ApiRoute>;
}
