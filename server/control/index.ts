/**
 * The control plane as the hub wires it: the `control` realtime family, the service, what it hears
 * from the controllers, and its REST routes. server/hub.ts creates one and calls `tick` once a second.
 */
import type { ControlEntity, DetectorReport, PlanAck, TlsEntity, TlsMeta, TlsState } from '../../protocol/index.ts';
import type { Decoded } from '../ingest/decode.ts';
import { createOptimiser } from '../optimise/index.ts';
import { FamilyState } from '../realtime/family.ts';
import { createControlRoutes } from './routes.ts';
import { ControlService, type AuditSink, type StageOptimiser } from './service.ts';

export { ControlService } from './service.ts';
export { ControlError } from './errors.ts';

export interface ControlPlaneDeps {
  publish(topic: string, payload: string, qos: 0 | 1): boolean;
  audit: AuditSink;
  tls(id: string): TlsEntity | undefined;
  corridor(id: string): readonly string[] | null;
  /** Default: server/optimise's loop (max-pressure); null: `auto` applies Webster re-timings instead. */
  optimiser?: StageOptimiser | null;
  defaultMode?: 'fixed' | 'advisory' | 'auto';
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

export function createControlPlane(deps: ControlPlaneDeps) {
  const family = new FamilyState<'control', ControlEntity>('control');
  const metas = new Map<string, TlsMeta>();
  const optimiser = deps.optimiser === undefined ? createOptimiser({ issuedBy: 'optimiser' }) : deps.optimiser;
  const service = new ControlService({ ...deps, optimiser, family, meta: (id) => metas.get(id) });
  return {
    family,
    service,
    routes: createControlRoutes(service),
    /** Every accepted tls message (after the tls handler took it). A bug here costs the message, never the hub. */
    observe(m: Decoded, nowMs: number): void {
      if (m.kind !== 'tls') return;
      try {
        observeTls(m, nowMs);
      } catch (err) {
        deps.log?.warn({ err: (err as Error).message, tls: m.deviceId, channel: m.channel }, 'control plane failed on a message');
      }
    },
    /** Once a second from the hub's checker (timers, fallbacks, the optimiser loop). */
    tick(nowMs: number): void {
      try {
        service.tick(nowMs);
      } catch (err) {
        deps.log?.warn({ err: (err as Error).message }, 'control tick failed');
      }
    },
    /** A device gone (empty retained meta). */
    forget(id: string): void {
      metas.delete(id);
    },
  };

  function observeTls(m: Decoded, nowMs: number): void {
    switch (m.channel) {
      case 'meta':
        metas.set(m.deviceId, m.data as TlsMeta);
        return;
      case 'state':
        service.onState(m.deviceId, m.data as TlsState, nowMs);
        return;
      case 'detectors':
        service.onDetectors(m.deviceId, m.data as DetectorReport);
        return;
      case 'ack':
        service.onAck(m.deviceId, m.data as PlanAck, nowMs);
        return;
    }
  }
}
export type ControlPlane = ReturnType<typeof createControlPlane>;
