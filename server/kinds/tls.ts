/**
 * Signal installations: meta (who/where, signal groups), detector reports (flow, occupancy),
 * controller state every second (mode, plan, cycle second, which groups are green), plan acks, and
 * the simulator's ground truth (kept as history only, never shown as a measurement).
 */
import type { DetectorReport, PlanAck, TlsEntity, TlsMeta, TlsMetaSignal, TlsState, TlsTruth } from '../../protocol/index.ts';
import { linkState } from '../fusion/liveness.ts';
import { entityFromMeta, FlowWindow, fuseDetectorReport } from '../fusion/tls.ts';
import type { Decoded } from '../ingest/decode.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

/** Detector reports are expected every 5 s (docs/mqtt-contract.md); silence is judged against it. */
export const TLS_EXPECTED_INTERVAL_MS = 5000;

export interface TlsHandler extends KindHandler {
  readonly family: FamilyState<'tls', TlsEntity>;
  /** Signal groups, conflicts, intergreens and default plan as announced by each controller. */
  readonly signal: Map<string, TlsMetaSignal>;
  readonly lastAck: Map<string, PlanAck>;
}

export function createTlsHandler(ctx: IngestContext, metrics: Metrics, log: Logger): TlsHandler {
  const family = new FamilyState<'tls', TlsEntity>('tls');
  const flowWindows = new Map<string, FlowWindow>();
  /** Hub receive time of each installation's last accepted message: silence is judged on our clock. */
  const lastSeenMs = new Map<string, number>();
  const signal = new Map<string, TlsMetaSignal>();
  const lastAck = new Map<string, PlanAck>();
  const unknown = (id: string): Refusal => ({ reason: 'unknown_device', detail: `no meta announced for tls ${id}` });

  return {
    kinds: ['tls'],
    families: [family as never],
    family,
    signal,
    lastAck,
    handle(m: Decoded, nowMs: number): Refusal | null {
      const id = m.deviceId;
      if (m.channel === 'meta') {
        const meta = m.data as TlsMeta;
        family.put(entityFromMeta(meta, family.entities.get(id)));
        if (meta.signal) signal.set(id, meta.signal);
        if (!lastSeenMs.has(id)) lastSeenMs.set(id, nowMs);
        return null;
      }
      const prev = family.entities.get(id);
      if (!prev) return unknown(id);
      switch (m.channel) {
        case 'detectors': {
          const report = m.data as DetectorReport;
          let win = flowWindows.get(id);
          if (!win) flowWindows.set(id, (win = new FlowWindow()));
          const f = fuseDetectorReport(prev, report, win);
          lastSeenMs.set(id, nowMs);
          if (!f) return null; // out of order: older than what we hold
          family.patch(f.patch);
          metrics.messageAge.observe((Date.now() - report.tsMs) / 1000);
          const entity = `tls:${id}`;
          for (const [metric, value] of f.samples) ctx.store.addSample(ctx.store.seriesId(entity, metric), report.tsMs, value);
          return null;
        }
        case 'state': {
          const s = m.data as TlsState;
          lastSeenMs.set(id, nowMs);
          if (prev.stateTsMs !== null && s.tsMs <= prev.stateTsMs) return null;
          const greens: string[] = [];
          for (const g in s.groups) if (s.groups[g] === 'green') greens.push(g);
          const patch: Partial<TlsEntity> & { id: string } = { id, stateTsMs: s.tsMs, cycleSecond: s.cycleSecond };
          if (prev.mode !== s.mode) patch.mode = s.mode;
          if (prev.planId !== s.planId) patch.planId = s.planId;
          if (prev.cycleSec !== s.cycleSec) patch.cycleSec = s.cycleSec;
          if (prev.greens.join() !== greens.join()) patch.greens = greens;
          if (prev.link !== 'live') patch.link = 'live';
          family.patch(patch);
          return null;
        }
        case 'truth': {
          // Simulator-only ground truth: history for judging optimisers, never a live measurement.
          const t = m.data as TlsTruth;
          const entity = `tls:${id}`;
          const st = ctx.store;
          st.addSample(st.seriesId(entity, 'truth.delayVehS'), t.tsMs, t.delayVehS);
          st.addSample(st.seriesId(entity, 'truth.stops'), t.tsMs, t.stops);
          st.addSample(st.seriesId(entity, 'truth.throughputVeh'), t.tsMs, t.throughputVeh);
          st.addSample(st.seriesId(entity, 'truth.co2G'), t.tsMs, t.co2G);
          return null;
        }
        case 'ack': {
          const a = m.data as PlanAck;
          lastAck.set(id, a);
          log.info({ tls: id, cmdId: a.cmdId, accepted: a.accepted, reasons: a.reasons }, 'controller answered a plan command');
          return null;
        }
        default:
          return { reason: 'unknown_topic', detail: `tls/${m.channel} is not handled` };
      }
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) {
        const link = linkState(lastSeenMs.get(id) ?? null, TLS_EXPECTED_INTERVAL_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
        ctx.condition(
          { entity: `tls:${id}`, condition: 'lost', active: link === 'lost', priority: 'medium', area: 'traffic', message: `${e.name}: keine Daten (Verbindung verloren)`, offDelayMs: 10_000 },
          nowMs,
        );
      }
    },
  };
}
