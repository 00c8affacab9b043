/**
 * Street lighting: cabinet metas list their lamps (there is no per-lamp meta), cabinet states carry
 * the heartbeat, lamp states report on change. The cabinet entity aggregates its lamps; the
 * `lampFaults` family holds only the lamps that have a fault right now.
 *
 * Alarms (area `utility`): a dead cabinet (supply failure, breaker tripped) is ONE high `fault`
 * alarm; a lamp that is `out` for 15 minutes is a low alarm whose cause is its cabinet's fault
 * alarm, so it is suppressed by design under a dead cabinet. Day burners, flicker and power
 * anomalies are shown, never alarmed. 46,000 lamps are never iterated per second: lamps are flags
 * inside their cabinet and the cabinet carries the liveness.
 */
import type { ServerResponse } from 'node:http';
import { FAMILY_EXPECTED_INTERVAL_SEC, type CabinetEntity, type CabinetMeta, type CabinetState, type LampFaultEntity, type LampState } from '../../protocol/index.ts';
import { CabinetLamps, LAMP_FAULTY, LAMP_OUT, LAMP_OUT_ALARM_MS, lampFlags } from '../fusion/lighting.ts';
import { districtEnergy, localDay, nextBaseline, WorkOrders, type DayBaseline } from '../fusion/lighting-ops.ts';
import { linkState } from '../fusion/liveness.ts';
import { sendJson } from '../http/errors.ts';
import { alarmId } from '../alarms/engine.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.lighting! * 1000;

interface Cabinet {
  meta: CabinetMeta;
  lamps: CabinetLamps;
  lastSeenMs: number | null;
  faultAlarmId: string;
  powerSeries: number;
  energySeries: number;
}
interface LampRef {
  cab: Cabinet;
  idx: number;
}

/** `GET /api/lighting/lamps`: every lamp's position as parallel arrays (compact for ~46,000 lamps). */
export interface LampPositions {
  ids: string[];
  lon: number[];
  lat: number[];
  cabinet: string[];
}

export interface LightingHandler extends KindHandler {
  readonly family: FamilyState<'lighting', CabinetEntity>;
  readonly lampFaults: FamilyState<'lampFaults', LampFaultEntity>;
  lampPositions(): LampPositions;
  /** Lamp maintenance work orders (in memory). Assigning one: `assignWorkOrder` in fusion/lighting-ops.ts. */
  readonly workOrders: WorkOrders;
  /** Per cabinet: meter reading at the start of the local day and the latest one. */
  readonly baselines: Map<string, DayBaseline>;
}

export function createLightingHandler(ctx: IngestContext): LightingHandler {
  const family = new FamilyState<'lighting', CabinetEntity>('lighting');
  const lampFaults = new FamilyState<'lampFaults', LampFaultEntity>('lampFaults');
  const cabinets = new Map<string, Cabinet>();
  const lampIndex = new Map<string, LampRef>();
  let positionsJson: string | null = null;
  const workOrders = new WorkOrders();
  const baselines = new Map<string, DayBaseline>();

  const lampPositions = (): LampPositions => {
    const out: LampPositions = { ids: [], lon: [], lat: [], cabinet: [] };
    for (const c of cabinets.values()) {
      for (const l of c.meta.lamps) {
        out.ids.push(l.id);
        out.lon.push(l.lon);
        out.lat.push(l.lat);
        out.cabinet.push(c.meta.id);
      }
    }
    return out;
  };

  const lampOutCondition = (lampId: string, cab: Cabinet, active: boolean, nowMs: number) =>
    ctx.condition(
      {
        entity: `lamp:${lampId}`,
        condition: 'out',
        active,
        priority: 'low',
        area: 'utility',
        message: `Leuchte ${lampId} (Schaltschrank ${cab.meta.id}, ${cab.meta.district}) ausgefallen`,
        causeId: cab.faultAlarmId,
        onDelayMs: LAMP_OUT_ALARM_MS,
      },
      nowMs,
    );

  /** Forgets a cabinet's lamps (meta replaced with another lamp list, or the cabinet gone). */
  const dropLamps = (cab: Cabinet, nowMs: number) => {
    for (let i = 0; i < cab.meta.lamps.length; i++) {
      const id = cab.meta.lamps[i]!.id;
      if (lampIndex.get(id)?.cab === cab) lampIndex.delete(id);
      lampFaults.remove(id);
      if (cab.lamps.flags[i]! & LAMP_OUT) lampOutCondition(id, cab, false, nowMs);
    }
  };

  const onMeta = (meta: CabinetMeta, nowMs: number) => {
    const id = meta.id;
    const old = cabinets.get(id);
    const sameLamps = !!old && old.meta.lamps.length === meta.lamps.length && old.meta.lamps.every((l, i) => l.id === meta.lamps[i]!.id);
    if (old && !sameLamps) dropLamps(old, nowMs);
    const entity = `cabinet:${id}`;
    const cab: Cabinet = old ?? {
      meta,
      lamps: new CabinetLamps(meta.lamps.length),
      lastSeenMs: nowMs,
      faultAlarmId: alarmId(entity, 'fault'),
      powerSeries: ctx.store.seriesId(entity, 'activePowerW'),
      energySeries: ctx.store.seriesId(entity, 'energyKWh'),
    };
    cab.meta = meta;
    if (old && !sameLamps) cab.lamps = new CabinetLamps(meta.lamps.length);
    cabinets.set(id, cab);
    if (!old || !sameLamps) for (let i = 0; i < meta.lamps.length; i++) lampIndex.set(meta.lamps[i]!.id, { cab, idx: i });
    positionsJson = null;
    const prev = family.entities.get(id);
    family.put({
      id,
      district: meta.district,
      lon: meta.lon,
      lat: meta.lat,
      lampCount: meta.lamps.length,
      lampsOn: cab.lamps.lampsOn,
      lampsFaulty: cab.lamps.lampsFaulty,
      powerState: prev?.powerState ?? null,
      activePowerW: prev?.activePowerW ?? null,
      energyKWh: prev?.energyKWh ?? null,
      commsOk: prev?.commsOk ?? null,
      fault: prev?.fault ?? null,
      tsMs: prev?.tsMs ?? null,
      link: prev?.link ?? 'stale',
    });
  };

  const onCabinetState = (id: string, s: CabinetState, nowMs: number): Refusal | null => {
    const cab = cabinets.get(id);
    const prev = family.entities.get(id);
    if (!cab || !prev) return { reason: 'unknown_device', detail: `no meta announced for cabinet ${id}` };
    cab.lastSeenMs = nowMs;
    if (prev.tsMs !== null && s.tsMs <= prev.tsMs) return null;
    const fault = s.fault ?? null;
    const patch: Partial<CabinetEntity> & { id: string } = { id, tsMs: s.tsMs };
    if (prev.powerState !== s.powerState) patch.powerState = s.powerState;
    if (prev.activePowerW !== s.activePowerW) patch.activePowerW = s.activePowerW;
    if (prev.energyKWh !== s.energyKWh) patch.energyKWh = s.energyKWh;
    if (prev.commsOk !== s.commsOk) patch.commsOk = s.commsOk;
    if (prev.fault !== fault) patch.fault = fault;
    if (prev.link !== 'live') patch.link = 'live';
    family.patch(patch);
    baselines.set(id, nextBaseline(baselines.get(id), s.tsMs, s.energyKWh));
    ctx.store.addSample(cab.powerSeries, s.tsMs, s.activePowerW);
    ctx.store.addSample(cab.energySeries, s.tsMs, s.energyKWh);
    ctx.condition(
      {
        entity: `cabinet:${id}`,
        condition: 'fault',
        active: fault !== null,
        priority: 'high',
        area: 'utility',
        message: `Schaltschrank ${id} (${cab.meta.district}): ${fault === 'breakerTripped' ? 'Sicherung ausgelöst' : 'Versorgung ausgefallen'}, ${cab.meta.lamps.length} Leuchten dunkel`,
      },
      nowMs,
    );
    return null;
  };

  const onLampState = (id: string, s: LampState, nowMs: number): Refusal | null => {
    const ref = lampIndex.get(id);
    if (!ref) return { reason: 'unknown_device', detail: `lamp ${id} is in no announced cabinet's meta` };
    const { cab, idx } = ref;
    const flags = lampFlags(s);
    const prevFlags = cab.lamps.set(idx, flags);
    if (prevFlags !== flags) {
      const e = family.entities.get(cab.meta.id)!;
      if (e.lampsOn !== cab.lamps.lampsOn || e.lampsFaulty !== cab.lamps.lampsFaulty) {
        family.patch({ id: e.id, lampsOn: cab.lamps.lampsOn, lampsFaulty: cab.lamps.lampsFaulty });
      }
      if ((prevFlags ^ flags) & LAMP_OUT) lampOutCondition(id, cab, (flags & LAMP_OUT) !== 0, nowMs);
    }
    if (flags & LAMP_FAULTY) workOrders.fault(id, cab.meta.id, cab.meta.district, s.faults!, s.tsMs);
    else if (s.status === 'ok') workOrders.ok(id, s.tsMs);
    if (flags & LAMP_FAULTY) {
      const faults = s.faults!;
      const cur = lampFaults.entities.get(id);
      if (!cur) {
        const l = cab.meta.lamps[idx]!;
        lampFaults.put({ id, cabinetId: cab.meta.id, lon: l.lon, lat: l.lat, faults: faults.slice(), status: s.status, tsMs: s.tsMs });
      } else if (s.tsMs > cur.tsMs) {
        const patch: Partial<LampFaultEntity> & { id: string } = { id, tsMs: s.tsMs };
        if (cur.faults.join() !== faults.join()) patch.faults = faults.slice();
        if (cur.status !== s.status) patch.status = s.status;
        lampFaults.patch(patch);
      }
    } else if (prevFlags & LAMP_FAULTY) {
      lampFaults.remove(id);
    }
    return null;
  };

  return {
    kinds: ['cabinet', 'lamp'],
    families: [family as never, lampFaults as never],
    family,
    lampFaults,
    lampPositions,
    workOrders,
    baselines,
    routes: {
      /** Power now (kW) and energy today (kWh, local day) per district. */
      '/api/lighting/districts': (_req, res: ServerResponse) => {
        const now = Date.now();
        sendJson(res, 200, { day: localDay(now), districts: districtEnergy(family.entities.values(), baselines, localDay(now)) });
      },
      /** Lamp maintenance work orders, newest first; `?state=open|assigned|fixed` filters. */
      '/api/lighting/workorders': (_req, res: ServerResponse, url) => {
        const state = url.searchParams.get('state');
        const all = workOrders.list();
        sendJson(res, 200, state ? all.filter((o) => o.state === state) : all);
      },
      '/api/lighting/lamps': (_req, res: ServerResponse) => {
        positionsJson ??= JSON.stringify(lampPositions());
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        res.end(positionsJson);
      },
    },
    handle(m: Decoded, nowMs: number): Refusal | null {
      if (m.kind === 'lamp') {
        if (m.channel === 'state') return onLampState(m.deviceId, m.data as LampState, nowMs);
      } else if (m.channel === 'meta') {
        onMeta(m.data as CabinetMeta, nowMs);
        return null;
      } else if (m.channel === 'state') {
        return onCabinetState(m.deviceId, m.data as CabinetState, nowMs);
      }
      return { reason: 'unknown_topic', detail: `${m.kind}/${m.channel} is not handled` };
    },
    forget(kind, id, nowMs) {
      const cab = kind === 'cabinet' ? cabinets.get(id) : undefined;
      if (!cab) return { reason: 'unknown_device', detail: `no ${kind} ${id} to forget` };
      dropLamps(cab, nowMs);
      cabinets.delete(id);
      baselines.delete(id);
      family.remove(id);
      positionsJson = null;
      ctx.condition({ entity: `cabinet:${id}`, condition: 'fault', active: false, priority: 'high', area: 'utility', message: `Schaltschrank ${id} entfernt` }, nowMs);
      return null;
    },
    check(nowMs: number) {
      for (const [id, cab] of cabinets) {
        const e = family.entities.get(id);
        if (!e) continue;
        const link = linkState(cab.lastSeenMs, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
      }
    },
  };
}
