/**
 * Public transport: line metas (per LINE, retained) and vehicle positions (per VEHICLE). A position
 * is accepted when its `trip.routeId` is a line that announced its meta. Vehicles silent for two
 * minutes have left service and are removed (no alarm); a vehicle more than 5 min late raises a low
 * `late` alarm after an on-delay of 60 s.
 */
import { FAMILY_EXPECTED_INTERVAL_SEC, type TransitLineMeta, type TransitVehicleEntity, type VehiclePosition } from '../../protocol/index.ts';
import { probeSample, type ProbeFix } from '../fusion/links.ts';
import { linkState } from '../fusion/liveness.ts';
import { arrivalsAt, BUNCHING_ON_DELAY_MS, HeadwayTracker, type HeadwayObservation } from '../fusion/transit-ops.ts';
import { isLate, VEHICLE_GONE_MS, vehicleEntity, vehiclePatch } from '../fusion/transit.ts';
import { ERROR_CODES, sendError, sendJson } from '../http/errors.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import { networkOf } from './network.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.transit! * 1000;
export const LATE_ON_DELAY_MS = 60_000;
/** Vehicle positions are historised at most this often per vehicle (device time). */
export const HISTORY_EVERY_MS = 30_000;

export interface TransitHandler extends KindHandler {
  readonly family: FamilyState<'transit', TransitVehicleEntity>;
  readonly lines: Map<string, TransitLineMeta>;
  readonly headways: HeadwayTracker;
}

export function createTransitHandler(ctx: IngestContext): TransitHandler {
  const family = new FamilyState<'transit', TransitVehicleEntity>('transit');
  const lines = new Map<string, TransitLineMeta>();
  const lastSeenMs = new Map<string, number>();
  /** Vehicles whose `late` condition is (or may be) active: only they need a clearing evaluation. */
  const lateReported = new Set<string>();
  const headways = new HeadwayTracker();
  const network = networkOf(ctx);
  /** Last fix of each vehicle, for speed probes on the road links. */
  const lastFix = new Map<string, ProbeFix>();
  /** Lines whose `bunching` condition is (or may be) active. */
  const bunchingReported = new Set<string>();

  /** Series ids per vehicle: position, delay and direction are historised for replay (protocol/replay.ts). */
  const series = new Map<string, { lon: number; lat: number; delay: number; dir: number; lastMs: number }>();
  const historise = (e: TransitVehicleEntity) => {
    const st = ctx.store;
    let sid = series.get(e.id);
    if (!sid) {
      const entity = `transit:${e.id}`;
      series.set(e.id, (sid = { lon: st.seriesId(entity, 'lon'), lat: st.seriesId(entity, 'lat'), delay: st.seriesId(entity, 'delaySec'), dir: st.seriesId(entity, 'directionId'), lastMs: -Infinity }));
    }
    // One fix per vehicle per HISTORY_EVERY_MS is enough for a replay (look-back 5 min) and keeps
    // the fleet's share of the raw table small (400 vehicles: ~50 rows/s instead of ~320).
    if (e.tsMs - sid.lastMs < HISTORY_EVERY_MS) return;
    sid.lastMs = e.tsMs;
    st.addSample(sid.lon, e.tsMs, e.lon);
    st.addSample(sid.lat, e.tsMs, e.lat);
    if (e.delaySec !== null) st.addSample(sid.delay, e.tsMs, e.delaySec);
    if (e.directionId !== null) st.addSample(sid.dir, e.tsMs, e.directionId);
  };

  const afterPosition = (e: TransitVehicleEntity, line: TransitLineMeta, nowMs: number) => {
    historise(e);
    const fix: ProbeFix = { lon: e.lon, lat: e.lat, tsMs: e.tsMs, status: e.status };
    const prevFix = lastFix.get(e.id);
    lastFix.set(e.id, fix);
    if (prevFix && network.list.length) {
      const s = probeSample(prevFix, fix, network.list);
      if (s) network.probe(s.linkId, e.tsMs, s.speedKmh);
    }
    const obs = headways.observe(e, line);
    if (obs.length) bunching(line, obs, nowMs);
  };

  const bunching = (line: TransitLineMeta, obs: HeadwayObservation[], nowMs: number) => {
    const active = headways.lineBunched(line.id);
    if (!active && !bunchingReported.has(line.id)) return;
    if (active) bunchingReported.add(line.id);
    else bunchingReported.delete(line.id);
    const o = obs.at(-1)!;
    ctx.condition(
      {
        entity: `line:${line.id}`,
        condition: 'bunching',
        active,
        priority: 'low',
        area: 'transit',
        message: `Linie ${line.name}: Pulkbildung, Takt ${Math.round(o.headwaySec / 60)} min statt ${o.scheduledSec === null ? '?' : Math.round(o.scheduledSec / 60)} min (${o.vehicleIds.join(', ')})`,
        onDelayMs: BUNCHING_ON_DELAY_MS,
      },
      nowMs,
    );
  };

  const late = (e: TransitVehicleEntity, active: boolean, nowMs: number) => {
    if (!active && !lateReported.has(e.id)) return;
    if (active) lateReported.add(e.id);
    else lateReported.delete(e.id);
    ctx.condition(
      {
        entity: `transit:${e.id}`,
        condition: 'late',
        active,
        priority: 'low',
        area: 'transit',
        message: `Linie ${e.lineName}, Fahrzeug ${e.id}: ${Math.round((e.delaySec ?? 0) / 60)} min Verspätung`,
        onDelayMs: LATE_ON_DELAY_MS,
      },
      nowMs,
    );
  };

  return {
    kinds: ['transit'],
    families: [family as never],
    family,
    lines,
    headways,
    routes: {
      '/api/transit/lines': (_req, res) => sendJson(res, 200, [...lines.values()]),
      /** Next arrivals at a stop: `?stop={stopId}` (the router matches exact paths only). */
      '/api/transit/arrivals': (_req, res, url) => {
        const stop = url.searchParams.get('stop');
        if (!stop || stop.length > 100) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'query parameter stop={stopId} is required');
        const known = [...lines.values()].some((l) => l.directions.some((d) => d.stops.some((s) => s.stopId === stop)));
        if (!known) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `no line serves stop ${stop}`);
        sendJson(res, 200, { stopId: stop, nowMs: Date.now(), arrivals: arrivalsAt(stop, family.entities.values(), lines, Date.now()) });
      },
      /** Latest observed headways per line and direction, with the scheduled one and bunching. */
      '/api/transit/headways': (_req, res) => {
        const out = [...headways.recent.entries()].map(([k, r]) => {
          const [lineId, dir] = k.split('|');
          const last = r.at(-1)!;
          return { lineId, directionId: Number(dir), headwaySec: last.headwaySec, scheduledSec: last.scheduledSec, bunched: last.bunched, stopId: last.stopId, tsMs: last.tsMs, recent: r.map((o) => o.headwaySec) };
        });
        sendJson(res, 200, out);
      },
    },
    handle(m: Decoded, nowMs: number): Refusal | null {
      if (m.channel === 'meta') {
        const meta = m.data as TransitLineMeta;
        lines.set(meta.id, meta);
        // Rare: a line's signage changed; its vehicles follow.
        for (const e of family.entities.values()) {
          if (e.lineId === meta.id && (e.lineName !== meta.name || e.color !== meta.colour || e.mode !== meta.mode)) {
            family.patch({ id: e.id, lineName: meta.name, color: meta.colour, mode: meta.mode });
          }
        }
        return null;
      }
      if (m.channel !== 'position') return { reason: 'unknown_topic', detail: `transit/${m.channel} is not handled` };
      const p = m.data as VehiclePosition;
      const id = m.deviceId;
      const routeId = p.trip?.routeId;
      const line = routeId === undefined ? undefined : lines.get(routeId);
      if (!line) {
        return {
          reason: 'unknown_device',
          detail: routeId === undefined ? `vehicle ${id}: position without trip.routeId` : `vehicle ${id}: no meta announced for line ${routeId}`,
        };
      }
      if (p.vehicle.id !== id) return { reason: 'schema', detail: `vehicle.id ${p.vehicle.id} differs from topic id ${id}` };
      lastSeenMs.set(id, nowMs);
      const prev = family.entities.get(id);
      if (!prev) {
        const e = vehicleEntity(id, p, line);
        family.put(e);
        if (isLate(e.delaySec)) late(e, true, nowMs);
        afterPosition(e, line, nowMs);
        return null;
      }
      const patch = vehiclePatch(prev, p, line);
      if (!patch) return null;
      family.patch(patch);
      late(prev, isLate(prev.delaySec), nowMs);
      afterPosition(prev, line, nowMs);
      return null;
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) {
        const seen = lastSeenMs.get(id) ?? nowMs;
        if (nowMs - seen > VEHICLE_GONE_MS) {
          late(e, false, nowMs);
          family.remove(id);
          lastSeenMs.delete(id);
          lastFix.delete(id);
          headways.forget(id);
          continue;
        }
        const link = linkState(seen, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
      }
    },
  };
}
