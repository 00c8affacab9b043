/**
 * Signal installations: meta (who/where, signal groups), detector reports (flow, occupancy),
 * controller state every second (mode, plan, cycle second, which groups are green), plan acks, and
 * the simulator's ground truth (kept as history only, never shown as a measurement).
 */
import { ERROR_CODES, type DetectorReport, type PlanAck, type TlsEntity, type TlsMeta, type TlsMetaSignal, type TlsState, type TlsTruth } from '../../protocol/index.ts';
import { approachStats, ApproachWindow, groupsByApproach } from '../fusion/intersection.ts';
import { corridorsBothWays, corridorTravelTime, detectorsByApproach, inferLinks, linkFromDetectors } from '../fusion/links.ts';
import { linkState } from '../fusion/liveness.ts';
import { entityFromMeta, FlowWindow, fuseDetectorReport } from '../fusion/tls.ts';
import { sendError, sendJson } from '../http/errors.ts';
import type { Decoded } from '../ingest/decode.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { FamilyState } from '../realtime/family.ts';
import { networkOf, type RoadNetwork } from './network.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

/** Detector reports are expected every 5 s (docs/mqtt-contract.md); silence is judged against it. */
export const TLS_EXPECTED_INTERVAL_MS = 5000;

export interface TlsHandler extends KindHandler {
  readonly family: FamilyState<'tls', TlsEntity>;
  /** Signal groups, conflicts, intergreens and default plan as announced by each controller. */
  readonly signal: Map<string, TlsMetaSignal>;
  readonly lastAck: Map<string, PlanAck>;
  /** The road network learned from the metas (links family, corridors). */
  readonly network: RoadNetwork;
  /** Re-learns the links now if a meta changed since (the 1-s check does it otherwise). */
  relearnLinks(): void;
}

/** Flows per approach are taken over at least this long (and at least one cycle). */
const APPROACH_WINDOW_MIN_SEC = 60;

export function createTlsHandler(ctx: IngestContext, metrics: Metrics, log: Logger): TlsHandler {
  const family = new FamilyState<'tls', TlsEntity>('tls');
  const flowWindows = new Map<string, FlowWindow>();
  /** Hub receive time of each installation's last accepted message: silence is judged on our clock. */
  const lastSeenMs = new Map<string, number>();
  const signal = new Map<string, TlsMetaSignal>();
  const lastAck = new Map<string, PlanAck>();
  const unknown = (id: string): Refusal => ({ reason: 'unknown_device', detail: `no meta announced for tls ${id}` });
  const metas = new Map<string, TlsMeta>();
  /** Per installation: approach id → its detector ids, and detector id → [approach id, lane index]. */
  const detMap = new Map<string, Map<string, [string, number]>>();
  const approachWindows = new Map<string, ApproachWindow>();
  const network = networkOf(ctx);
  let linksDirty = false;
  const relearnLinks = () => {
    if (!linksDirty) return;
    linksDirty = false;
    network.setDefs(inferLinks([...metas.values()]));
  };

  /** Approach estimates and link measurements from one detector report (once per report, every 5 s). */
  const fuseApproaches = (id: string, report: DetectorReport, prev: TlsEntity): Partial<TlsEntity> => {
    const meta = metas.get(id);
    const dm = detMap.get(id);
    if (!meta || !dm) return {};
    const perAp = new Map<string, { count: number; occupancyPct: number }[]>();
    for (const d of report.detectors) {
      const ref = dm.get(d.id);
      if (!ref) continue;
      let l = perAp.get(ref[0]);
      if (!l) perAp.set(ref[0], (l = []));
      l[ref[1]] = { count: d.count, occupancyPct: d.occupancyPct };
    }
    const sig = signal.get(id);
    const groups = sig ? groupsByApproach(sig) : new Map<string, string[]>();
    const cycle = sig?.plan.cycleSec ?? prev.cycleSec ?? 0;
    const windowSec = Math.max(APPROACH_WINDOW_MIN_SEC, cycle);
    const stats: NonNullable<TlsEntity['approachStats']> = [];
    let dSum = 0;
    let qSum = 0;
    for (const ap of meta.approaches) {
      const lanes = perAp.get(ap.id);
      if (!lanes) continue;
      const filled = Array.from(lanes, (l) => l ?? { count: 0, occupancyPct: 0 });
      const key = `${id}|${ap.id}`;
      let w = approachWindows.get(key);
      if (!w) approachWindows.set(key, (w = new ApproachWindow()));
      w.push(report.tsMs, report.intervalSec, filled, windowSec);
      const agg = w.aggregate();
      const qVehH = agg.sec > 0 ? (agg.lanes.reduce((s, l) => s + l.count, 0) * 3600) / agg.sec : 0;
      const occNow = filled.reduce((s, l) => s + l.occupancyPct, 0) / filled.length;
      // Cycle second at the report's time: the latest state, advanced by the time since it.
      const cs = prev.cycleSecond !== null && prev.stateTsMs !== null && cycle > 0 ? (prev.cycleSecond + Math.round((report.tsMs - prev.stateTsMs) / 1000)) % cycle : null;
      const st = approachStats({ approachId: ap.id, street: ap.street, lanes: ap.lanes, qVehH, occupancyPct: occNow }, sig, groups.get(ap.id) ?? [], cs);
      stats.push(st);
      if (st.delaySecPerVeh !== null) {
        dSum += st.delaySecPerVeh * qVehH;
        qSum += qVehH;
      }
      const link = network.byApproach.get(`${id}|${ap.id}`);
      if (link) {
        const m = linkFromDetectors(agg.lanes, agg.sec, link.speedLimitKmh);
        if (m) network.detector(link.id, { tsMs: report.tsMs, ...m });
      }
    }
    const delay = qSum > 0 ? Math.round((dSum / qSum) * 10) / 10 : null;
    const out: Partial<TlsEntity> = {};
    if (stats.length && JSON.stringify(stats) !== JSON.stringify(prev.approachStats)) out.approachStats = stats;
    if (sig && delay !== (prev.delaySecPerVeh ?? null)) out.delaySecPerVeh = delay;
    return out;
  };

  return {
    kinds: ['tls'],
    families: [family as never, network.family as never],
    family,
    signal,
    lastAck,
    network,
    relearnLinks,
    routes: {
      /** Travel time now and at free flow along the main corridors (both directions). */
      '/api/corridors': (_req, res) => {
        relearnLinks();
        sendJson(res, 200, corridorsBothWays().map((c) => corridorTravelTime(c, network.family.entities)));
      },
      /** The signal spec (groups, conflicts, intergreens) and default plan an installation announced. */
      '/api/tls/signal': (_req, res, url) => {
        const id = url.searchParams.get('id');
        if (!id || id.length > 64) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'query parameter id={installation id} is required');
        const sig = signal.get(id);
        if (!sig) return sendError(res, 404, ERROR_CODES.NOT_FOUND, family.entities.has(id) ? `tls ${id} announced no signal spec` : `no tls ${id}`);
        const meta = metas.get(id);
        // Position and approaches (direction of travel) too: a time-space diagram needs the distances and which groups carry a corridor.
        sendJson(res, 200, { spec: sig.spec, plan: sig.plan, lon: meta?.lon ?? null, lat: meta?.lat ?? null, approaches: (meta?.approaches ?? []).map((a) => ({ id: a.id, street: a.street, bearingDeg: a.bearingDeg })) });
      },
    },
    handle(m: Decoded, nowMs: number): Refusal | null {
      const id = m.deviceId;
      if (m.channel === 'meta') {
        const meta = m.data as TlsMeta;
        family.put(entityFromMeta(meta, family.entities.get(id)));
        if (meta.signal) signal.set(id, meta.signal);
        else signal.delete(id);
        const old = metas.get(id);
        metas.set(id, meta);
        const byAp = detectorsByApproach(meta);
        const dm = new Map<string, [string, number]>();
        for (const [ap, ids] of byAp) ids.forEach((d, i) => dm.set(d, [ap, i]));
        detMap.set(id, dm);
        if (!old || old.lon !== meta.lon || old.lat !== meta.lat || JSON.stringify(old.approaches) !== JSON.stringify(meta.approaches)) linksDirty = true;
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
          Object.assign(f.patch, fuseApproaches(id, report, prev));
          family.patch(f.patch);
          if (f.patch.delaySecPerVeh != null) f.samples.push(['delaySecPerVeh', f.patch.delaySecPerVeh]);
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
      relearnLinks();
      for (const [id, e] of family.entities) {
        if (ctx.ownsTls && !ctx.ownsTls(id)) continue;
        const link = linkState(lastSeenMs.get(id) ?? null, TLS_EXPECTED_INTERVAL_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
        ctx.condition(
          { entity: `tls:${id}`, condition: 'lost', active: link === 'lost', priority: 'medium', area: 'traffic', message: `${e.name}: keine Daten (Verbindung verloren)`, offDelayMs: 10_000 },
          nowMs,
        );
      }
      // A link is as live as the installation whose detectors measure it.
      for (const l of network.family.entities.values()) {
        const to = family.entities.get(l.to);
        if (ctx.ownsTls && !ctx.ownsTls(l.to)) continue;
        if (to && to.link !== l.link) network.family.patch({ id: l.id, link: to.link });
      }
    },
  };
}
