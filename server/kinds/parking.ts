/**
 * Parking guidance: garage meta (retained) + status. A status must add up to the meta's capacity;
 * occupied / vacant go to history for forecasting; a garage full for more than 10 minutes raises a
 * low `full` alarm, a silent garage a low `lost` alarm.
 */
import { FAMILY_EXPECTED_INTERVAL_SEC, type ParkingEntity, type ParkingMeta, type ParkingStatus } from '../../protocol/index.ts';
import { linkState } from '../fusion/liveness.ts';
import { ParkingForecaster } from '../fusion/parking-forecast.ts';
import { capacityMismatch, PARKING_FULL_ALARM_MS, parkingEntity, parkingPatch } from '../fusion/parking.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.parking! * 1000;

export interface ParkingHandler extends KindHandler {
  readonly family: FamilyState<'parking', ParkingEntity>;
  /** Per garage: seasonal profile + trend forecaster (in memory; learned from the live statuses). */
  readonly forecasters: Map<string, ParkingForecaster>;
}

export function createParkingHandler(ctx: IngestContext): ParkingHandler {
  const family = new FamilyState<'parking', ParkingEntity>('parking');
  const lastSeenMs = new Map<string, number>();
  const series = new Map<string, { occupied: number; vacant: number }>();
  const forecasters = new Map<string, ParkingForecaster>();

  return {
    kinds: ['parking'],
    families: [family as never],
    family,
    forecasters,
    handle(m: Decoded, nowMs: number): Refusal | null {
      const id = m.deviceId;
      if (m.channel === 'meta') {
        const meta = m.data as ParkingMeta;
        family.put(parkingEntity(meta, family.entities.get(id)));
        if (!lastSeenMs.has(id)) lastSeenMs.set(id, nowMs);
        return null;
      }
      if (m.channel !== 'status') return { reason: 'unknown_topic', detail: `parking/${m.channel} is not handled` };
      const prev = family.entities.get(id);
      if (!prev) return { reason: 'unknown_device', detail: `no meta announced for parking ${id}` };
      const s = m.data as ParkingStatus;
      const mismatch = capacityMismatch(prev.capacity, s);
      if (mismatch) return { reason: 'schema', detail: `parking ${id}: ${mismatch}` };
      lastSeenMs.set(id, nowMs);
      const patch = parkingPatch(prev, s);
      if (!patch) return null;
      let fc = forecasters.get(id);
      if (!fc || fc.capacity !== prev.capacity) forecasters.set(id, (fc = new ParkingForecaster(prev.capacity)));
      const forecast = fc.observe(s.tsMs, s.occupiedSpaces, s.parkingSiteStatus !== 'closed');
      if (forecast && JSON.stringify(forecast) !== JSON.stringify(prev.forecast)) patch.forecast = forecast;
      family.patch(patch);
      let sid = series.get(id);
      if (!sid) {
        const entity = `parking:${id}`;
        series.set(id, (sid = { occupied: ctx.store.seriesId(entity, 'occupied'), vacant: ctx.store.seriesId(entity, 'vacant') }));
      }
      ctx.store.addSample(sid.occupied, s.tsMs, s.occupiedSpaces);
      ctx.store.addSample(sid.vacant, s.tsMs, s.vacantSpaces);
      ctx.condition(
        {
          entity: `parking:${id}`,
          condition: 'full',
          active: s.parkingSiteStatus === 'full',
          priority: 'low',
          area: 'utility',
          message: `${prev.name}: voll seit über 10 min`,
          onDelayMs: PARKING_FULL_ALARM_MS,
        },
        nowMs,
      );
      return null;
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) {
        const link = linkState(lastSeenMs.get(id) ?? null, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
        ctx.condition(
          { entity: `parking:${id}`, condition: 'lost', active: link === 'lost', priority: 'low', area: 'utility', message: `${e.name}: keine Daten (Verbindung verloren)`, offDelayMs: 60_000 },
          nowMs,
        );
      }
    },
  };
}
