/**
 * Replay (time travel): the entities of a family as they were at `atMs`, rebuilt from the stored
 * values (Store.valuesAt) on the shape of today's entities (names, positions, capacities do not
 * move). Pure: the stored rows, the alarm transitions and `now` are passed in.
 *
 * The rule that keeps a replay honest: a field is either historised (taken from the rows), or
 * dynamic and not historised (null, or listed in `notHistorised` when its type has no null), or
 * static (kept). An entity without a stored value inside the look-back had no data then: `link`
 * 'lost' and its measured fields null.
 */
import type {
  AlarmEntity,
  AlarmState,
  CabinetEntity,
  ConstructionEntity,
  DroneEntity,
  EnvStationEntity,
  Family,
  ParkingEntity,
  ReplayFamily,
  TlsEntity,
  TransitVehicleEntity,
} from '../../protocol/index.ts';
import { replayLookBackMs } from '../../protocol/index.ts';
import type { AlarmEventRow, ValueAtRow } from '../store/types.ts';

/** The stored values of one entity: metric → value, and the newest sample time. */
export interface EntityValues {
  values: Map<string, number | null>;
  tsMs: number;
}

/** Groups valuesAt rows by entity id, with the store's `kind:` prefix cut off. */
export function byEntity(rows: readonly ValueAtRow[]): Map<string, EntityValues> {
  const out = new Map<string, EntityValues>();
  for (const r of rows) {
    const id = r.entity.slice(r.entity.indexOf(':') + 1);
    let e = out.get(id);
    if (!e) out.set(id, (e = { values: new Map(), tsMs: r.tsMs }));
    e.values.set(r.metric, r.value);
    if (r.tsMs > e.tsMs) e.tsMs = r.tsMs;
  }
  return out;
}

/** Store entity prefixes that hold each family's series (server/kinds/*: `${kind}:${id}`). */
export const STORE_PREFIXES: Partial<Record<Family, readonly string[]>> = {
  tls: ['tls:'],
  parking: ['parking:'],
  lighting: ['cabinet:'],
  environment: ['env:', 'weather:', 'gauge:', 'shorepower:'],
  drone: ['drone:'],
  transit: ['transit:'],
};

const num = (v: EntityValues | undefined, k: string): number | null => v?.values.get(k) ?? null;
const family = <F extends Family>(f: F, coverage: ReplayFamily['coverage'], notHistorised: string[], entities: ReplayFamily<F>['entities']): ReplayFamily<F> => ({
  family: f,
  coverage,
  lookBackMs: replayLookBackMs(f),
  notHistorised,
  entities,
});

export function replayTls(live: Iterable<TlsEntity>, vals: Map<string, EntityValues>): ReplayFamily<'tls'> {
  const out: TlsEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    out.push({
      ...e,
      flowVehH: num(v, 'flowVehH'),
      occupancyPct: num(v, 'occupancyPct'),
      delaySecPerVeh: num(v, 'delaySecPerVeh'),
      tsMs: v?.tsMs ?? null,
      link: v ? 'live' : 'lost',
      // Controller state (mode, plan, greens) is not historised.
      mode: null,
      planId: null,
      cycleSec: null,
      cycleSecond: null,
      greens: [],
      stateTsMs: null,
      approachStats: undefined,
    });
  }
  return family('tls', 'history', [], out);
}

/**
 * DATEX II status from the stored counts (the reported status itself is not historised; `closed`
 * cannot be told): full at >= 98 % occupied or no vacancy, almostFull at >= 90 %, the thresholds
 * of the parking guidance devices (sim/devices/parking.ts).
 */
export function parkingStatus(occupied: number | null, vacant: number | null, capacity: number): ParkingEntity['status'] {
  if (vacant === null || capacity <= 0) return 'statusUnknown';
  const occ = occupied ?? capacity - vacant;
  if (vacant <= 0 || occ / capacity >= 0.98) return 'full';
  return occ / capacity >= 0.9 ? 'almostFull' : 'spacesAvailable';
}

export function replayParking(live: Iterable<ParkingEntity>, vals: Map<string, EntityValues>): ReplayFamily<'parking'> {
  const out: ParkingEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    const vacant = num(v, 'vacant');
    const occupied = num(v, 'occupied');
    const { forecast: _forecast, ...rest } = e;
    out.push({ ...rest, occupied, vacant, status: parkingStatus(occupied, vacant, e.capacity), trend: null, tsMs: v?.tsMs ?? null, link: v ? 'live' : 'lost' });
  }
  return family('parking', 'history', [], out);
}

export function replayLighting(live: Iterable<CabinetEntity>, vals: Map<string, EntityValues>): ReplayFamily<'lighting'> {
  const out: CabinetEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    out.push({ ...e, activePowerW: num(v, 'activePowerW'), energyKWh: num(v, 'energyKWh'), powerState: null, commsOk: null, fault: null, tsMs: v?.tsMs ?? null, link: v ? 'live' : 'lost' });
  }
  return family('lighting', 'history', ['lampsOn', 'lampsFaulty'], out);
}

export function replayEnvironment(live: Iterable<EnvStationEntity>, vals: Map<string, EntityValues>): ReplayFamily<'environment'> {
  const out: EnvStationEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    const values: Record<string, number | null> = {};
    for (const k of Object.keys(e.values)) values[k] = null;
    if (v) for (const [k, x] of v.values) values[k] = x;
    out.push({ ...e, values, status: null, tsMs: v?.tsMs ?? null, link: v ? 'live' : 'lost' });
  }
  return family('environment', 'history', [], out);
}

export function replayDrone(live: Iterable<DroneEntity>, vals: Map<string, EntityValues>): ReplayFamily<'drone'> {
  const out: DroneEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    // Position and track are not historised: the drone is listed, not drawn.
    out.push({ ...e, altM: num(v, 'altM'), batteryPct: num(v, 'batteryPct'), lon: null, lat: null, headingDeg: null, groundSpeedMs: null, flightMode: null, camera: null, track: [], tsMs: v?.tsMs ?? null, link: v ? 'live' : 'lost' });
  }
  return family('drone', 'history', [], out);
}

/**
 * Vehicles of today's fleet with a stored position in the look-back (a vehicle that has since left
 * service is not known by line any more and is missing). Stop and status are not historised.
 */
export function replayTransit(live: Iterable<TransitVehicleEntity>, vals: Map<string, EntityValues>): ReplayFamily<'transit'> {
  const out: TransitVehicleEntity[] = [];
  for (const e of live) {
    const v = vals.get(e.id);
    const lon = num(v, 'lon');
    const lat = num(v, 'lat');
    if (!v || lon === null || lat === null) continue;
    const dir = num(v, 'directionId');
    out.push({ ...e, lon, lat, delaySec: num(v, 'delaySec'), directionId: dir, bearingDeg: null, speedKmh: null, status: null, stopId: null, tsMs: v.tsMs, link: 'live' });
  }
  return family('transit', 'history', ['lineId', 'tripId'], out);
}

/** Construction sites valid at `atMs` (of those still known). */
export function replayConstruction(live: Iterable<ConstructionEntity>, atMs: number): ReplayFamily<'construction'> {
  return family('construction', 'static', [], [...live].filter((c) => c.startMs <= atMs && atMs < c.endMs));
}

const ACTIVE: ReadonlySet<AlarmState> = new Set(['UNACK', 'ACKED', 'DSUPR']);

/**
 * Alarms as they stood at `atMs`, from today's alarms and their transitions (ISA-18.2 state
 * machine, server/alarms/engine.ts): the state is the `to` of the last transition at or before
 * atMs, else the `from` of the first one after it, else (no transition since) today's state.
 * `events` must cover (atMs − look-back, now], oldest first. Alarms in NORM then are left out.
 */
export function replayAlarms(live: Iterable<AlarmEntity>, events: readonly AlarmEventRow[], atMs: number): ReplayFamily<'alarms'> {
  const before = new Map<string, AlarmEventRow>();
  const after = new Map<string, AlarmEventRow>();
  const lastActivation = new Map<string, number>();
  for (const ev of events) {
    if (ev.atMs <= atMs) {
      before.set(ev.alarmId, ev);
      if (ev.to === 'UNACK' && (ev.from === 'NORM' || ev.from === 'RTNUN')) lastActivation.set(ev.alarmId, ev.atMs);
    } else if (!after.has(ev.alarmId)) after.set(ev.alarmId, ev);
  }
  const out: AlarmEntity[] = [];
  for (const a of live) {
    const b = before.get(a.id);
    const n = after.get(a.id);
    if (!b && !n && a.lastChangeMs > atMs) continue; // created after atMs without a recorded history
    const state = (b?.to ?? n?.from ?? a.state) as AlarmState;
    if (state === 'NORM') continue;
    const unchanged = !b && !n;
    out.push({
      ...a,
      state,
      lastChangeMs: b?.atMs ?? (unchanged ? a.lastChangeMs : Math.min(a.lastChangeMs, atMs)),
      activeSinceMs: ACTIVE.has(state) ? (lastActivation.get(a.id) ?? (a.activeSinceMs !== null && a.activeSinceMs <= atMs ? a.activeSinceMs : null)) : null,
      ackedBy: state === 'ACKED' ? (b?.to === 'ACKED' ? b.by : unchanged ? a.ackedBy : null) : null,
      shelvedUntilMs: state === 'SHLVD' && unchanged ? a.shelvedUntilMs : null,
      shelveReason: state === 'SHLVD' ? (b?.to === 'SHLVD' ? b.reason : unchanged ? a.shelveReason : null) : null,
    });
  }
  return family('alarms', 'history', ['message', 'priority'], out);
}

/** Families with nothing historised: shown empty in replay, never with live content. */
export const emptyFamily = <F extends Family>(f: F): ReplayFamily<F> => family(f, 'none', [], []);
