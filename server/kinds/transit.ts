/**
 * Public transport: line metas (per LINE, retained) and vehicle positions (per VEHICLE). A position
 * is accepted when its `trip.routeId` is a line that announced its meta. Vehicles silent for two
 * minutes have left service and are removed (no alarm); a vehicle more than 5 min late raises a low
 * `late` alarm after an on-delay of 60 s.
 */
import { FAMILY_EXPECTED_INTERVAL_SEC, type TransitLineMeta, type TransitVehicleEntity, type VehiclePosition } from '../../protocol/index.ts';
import { linkState } from '../fusion/liveness.ts';
import { isLate, VEHICLE_GONE_MS, vehicleEntity, vehiclePatch } from '../fusion/transit.ts';
import { sendJson } from '../http/errors.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.transit! * 1000;
export const LATE_ON_DELAY_MS = 60_000;

export interface TransitHandler extends KindHandler {
  readonly family: FamilyState<'transit', TransitVehicleEntity>;
  readonly lines: Map<string, TransitLineMeta>;
}

export function createTransitHandler(ctx: IngestContext): TransitHandler {
  const family = new FamilyState<'transit', TransitVehicleEntity>('transit');
  const lines = new Map<string, TransitLineMeta>();
  const lastSeenMs = new Map<string, number>();
  /** Vehicles whose `late` condition is (or may be) active: only they need a clearing evaluation. */
  const lateReported = new Set<string>();

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
    routes: {
      '/api/transit/lines': (_req, res) => sendJson(res, 200, [...lines.values()]),
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
        return null;
      }
      const patch = vehiclePatch(prev, p, line);
      if (!patch) return null;
      family.patch(patch);
      late(prev, isLate(prev.delaySec), nowMs);
      return null;
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) {
        const seen = lastSeenMs.get(id) ?? nowMs;
        if (nowMs - seen > VEHICLE_GONE_MS) {
          late(e, false, nowMs);
          family.remove(id);
          lastSeenMs.delete(id);
          continue;
        }
        const link = linkState(seen, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
      }
    },
  };
}
