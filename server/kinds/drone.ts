/**
 * The fire brigade's drone: meta + telemetry. Keeps the last 300 positions as `track` (points closer
 * than 5 m to the previous one dropped), altitude and battery as history. Alarms (area `fire`, high):
 * `batteryLow` below 20 %, `lost` when silent while flying.
 */
import { FAMILY_EXPECTED_INTERVAL_SEC, type DroneEntity, type DroneMeta, type DroneTelemetry } from '../../protocol/index.ts';
import { appendTrack, BATTERY_LOW_PCT } from '../fusion/drone.ts';
import { linkState } from '../fusion/liveness.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

const EXPECTED_MS = FAMILY_EXPECTED_INTERVAL_SEC.drone! * 1000;

export interface DroneHandler extends KindHandler {
  readonly family: FamilyState<'drone', DroneEntity>;
}

export function createDroneHandler(ctx: IngestContext): DroneHandler {
  const family = new FamilyState<'drone', DroneEntity>('drone');
  const lastSeenMs = new Map<string, number>();
  const series = new Map<string, { alt: number; battery: number }>();

  return {
    kinds: ['drone'],
    families: [family as never],
    family,
    handle(m: Decoded, nowMs: number): Refusal | null {
      const id = m.deviceId;
      const prev = family.entities.get(id);
      if (m.channel === 'meta') {
        const meta = m.data as DroneMeta;
        if (prev) {
          if (prev.name !== meta.name) family.patch({ id, name: meta.name });
        } else {
          family.put({
            id,
            name: meta.name,
            lon: null,
            lat: null,
            altM: null,
            headingDeg: null,
            groundSpeedMs: null,
            batteryPct: null,
            flightMode: null,
            camera: null,
            missionId: null,
            track: [],
            tsMs: null,
            link: 'stale',
          });
          lastSeenMs.set(id, nowMs);
        }
        return null;
      }
      if (m.channel !== 'telemetry') return { reason: 'unknown_topic', detail: `drone/${m.channel} is not handled` };
      if (!prev) return { reason: 'unknown_device', detail: `no meta announced for drone ${id}` };
      const t = m.data as DroneTelemetry;
      lastSeenMs.set(id, nowMs);
      if (prev.tsMs !== null && t.tsMs <= prev.tsMs) return null;
      const patch: Partial<DroneEntity> & { id: string } = {
        id,
        tsMs: t.tsMs,
        lon: t.lon,
        lat: t.lat,
        altM: t.altM,
        headingDeg: t.headingDeg,
        groundSpeedMs: t.groundSpeedMs,
        batteryPct: t.batteryPct,
        camera: t.camera,
      };
      if (prev.flightMode !== t.flightMode) patch.flightMode = t.flightMode;
      const mission = t.missionId ?? null;
      if (prev.missionId !== mission) patch.missionId = mission;
      if (prev.link !== 'live') patch.link = 'live';
      const track = appendTrack(prev.track, t.lon, t.lat);
      if (track) patch.track = track;
      family.patch(patch);
      let sid = series.get(id);
      if (!sid) series.set(id, (sid = { alt: ctx.store.seriesId(`drone:${id}`, 'altM'), battery: ctx.store.seriesId(`drone:${id}`, 'batteryPct') }));
      ctx.store.addSample(sid.alt, t.tsMs, t.altM);
      ctx.store.addSample(sid.battery, t.tsMs, t.batteryPct);
      ctx.condition(
        {
          entity: `drone:${id}`,
          condition: 'batteryLow',
          active: t.batteryPct < BATTERY_LOW_PCT,
          priority: 'high',
          area: 'fire',
          message: `${prev.name}: Akku ${Math.round(t.batteryPct)} %`,
          offDelayMs: 30_000,
        },
        nowMs,
      );
      return null;
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) {
        const link = linkState(lastSeenMs.get(id) ?? null, EXPECTED_MS, nowMs);
        if (link !== e.link) family.patch({ id, link });
        const flying = e.flightMode !== null && e.flightMode !== 'landed';
        ctx.condition(
          { entity: `drone:${id}`, condition: 'lost', active: flying && link === 'lost', priority: 'high', area: 'fire', message: `${e.name}: Verbindung im Flug verloren`, offDelayMs: 5_000 },
          nowMs,
        );
      }
    },
  };
}
