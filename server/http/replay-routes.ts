/**
 * `GET /api/replay?atMs=…&families=…`: the city's state at a past instant (time travel,
 * read-only), per family rebuilt from the history store (server/replay/reconstruct.ts). Access: any
 * logged-in user or wall display (server/http/access.ts), and per family exactly what the role may
 * see live (protocol/auth.ts canSee): asking for a family it may not see is 403, not a silent gap.
 */
import type { ServerResponse } from 'node:http';
import { canSee, ERROR_CODES, FAMILIES, isFamily, REPLAY_FUTURE_SKEW_MS, replayLookBackMs, ReplayQuery } from '../../protocol/index.ts';
import type { AlarmEntity, CabinetEntity, ConstructionEntity, DroneEntity, EnvStationEntity, Family, ParkingEntity, ReplayResponse, TlsEntity, TransitVehicleEntity } from '../../protocol/index.ts';
import {
  byEntity,
  emptyFamily,
  replayAlarms,
  replayConstruction,
  replayDrone,
  replayEnvironment,
  replayLighting,
  replayParking,
  replayTls,
  replayTransit,
  STORE_PREFIXES,
  type EntityValues,
} from '../replay/reconstruct.ts';
import type { Store } from '../store/types.ts';
import type { ApiRoute } from './api.ts';
import { sendError, sendJson } from './errors.ts';

export interface ReplayRoutesDeps {
  store: Pick<Store, 'valuesAt' | 'alarmEventsBetween'>;
  /** Today's entities per family: the shapes the stored values are put on. */
  families: Readonly<Record<Family, { entities: Map<string, { id: string }> }>>;
  now?: () => number;
}

function badRequest(res: ServerResponse, message: string, code: string = ERROR_CODES.BAD_REQUEST): void {
  sendError(res, 400, code, message);
}

export function createReplayRoutes(deps: ReplayRoutesDeps): Record<string, ApiRoute> {
  const now = deps.now ?? Date.now;
  const live = <T>(f: Family) => deps.families[f]?.entities.values() as unknown as Iterable<T>;
  const valuesOf = async (f: Family, atMs: number): Promise<Map<string, EntityValues>> => {
    const rows = await Promise.all((STORE_PREFIXES[f] ?? []).map((p) => deps.store.valuesAt(p, atMs, replayLookBackMs(f))));
    return byEntity(rows.flat());
  };

  return {
    '/api/replay': async (_req, res, url, ctx) => {
      const raw: Record<string, string> = {};
      for (const [k, v] of url.searchParams) {
        if (Object.hasOwn(raw, k)) return badRequest(res, `${k}: given more than once`);
        raw[k] = v;
      }
      const q = ReplayQuery.safeParse(raw);
      if (!q.success) return badRequest(res, q.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
      const nowMs = now();
      const { atMs } = q.data;
      if (atMs > nowMs + REPLAY_FUTURE_SKEW_MS) return badRequest(res, `atMs: ${atMs} is in the future (hub time ${nowMs})`);
      const principal = ctx.principal;
      let families: Family[];
      if (q.data.families) {
        const unknown = q.data.families.filter((f) => !isFamily(f));
        if (unknown.length) return badRequest(res, `families: unknown ${unknown.join(', ')}`, ERROR_CODES.UNKNOWN_FAMILY);
        families = [...new Set(q.data.families as Family[])];
        const refused = families.filter((f) => !canSee(principal, f));
        if (refused.length) return sendError(res, 403, ERROR_CODES.FORBIDDEN, `role ${principal?.role ?? 'none'} may not see ${refused.join(', ')}`);
      } else families = FAMILIES.filter((f) => canSee(principal, f));

      const out: ReplayResponse = { atMs, nowMs, families: {} };
      const fam = out.families as Record<Family, unknown>;
      await Promise.all(
        families.map(async (f) => {
          switch (f) {
            case 'tls':
              return (fam.tls = replayTls(live<TlsEntity>('tls'), await valuesOf('tls', atMs)));
            case 'parking':
              return (fam.parking = replayParking(live<ParkingEntity>('parking'), await valuesOf('parking', atMs)));
            case 'lighting':
              return (fam.lighting = replayLighting(live<CabinetEntity>('lighting'), await valuesOf('lighting', atMs)));
            case 'environment':
              return (fam.environment = replayEnvironment(live<EnvStationEntity>('environment'), await valuesOf('environment', atMs)));
            case 'drone':
              return (fam.drone = replayDrone(live<DroneEntity>('drone'), await valuesOf('drone', atMs)));
            case 'transit':
              return (fam.transit = replayTransit(live<TransitVehicleEntity>('transit'), await valuesOf('transit', atMs)));
            case 'construction':
              return (fam.construction = replayConstruction(live<ConstructionEntity>('construction'), atMs));
            case 'alarms': {
              const events = await deps.store.alarmEventsBetween(atMs - replayLookBackMs('alarms'), nowMs);
              return (fam.alarms = replayAlarms(live<AlarmEntity>('alarms'), events, atMs));
            }
            default:
              return (fam[f] = emptyFamily(f));
          }
        }),
      );
      sendJson(res, 200, out);
    },
  };
}
