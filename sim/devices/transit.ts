/**
 * Transit vehicles as field devices: each vehicle's on-board unit (AVL/ITCS) reports a GTFS-RT style
 * VehiclePosition every 5 s of model time and on arrival at / departure from a stop; each line is
 * announced once, retained, with its stops, geometry and timetable pattern.
 *
 * Pure and deterministic: seeded Rng, no timers, no clock, no MQTT. `step(modelTimeMs, dtSec,
 * traffic?)` advances the fleet to `modelTimeMs` and returns the messages to publish.
 *
 * The model: trips leave their first stop per the line's headway pattern (sim/city/transit.ts),
 * run at the mode's cruise speed (buses no faster than the traffic on the modelled link), stop at
 * every stop (dwell 15-40 s from boardings and alightings), wait at red at the modelled signals
 * their route crosses (plus the discharge of the queue ahead), and never leave a stop before its
 * scheduled departure (timepoint holding). Delay is the difference to the schedule at the current
 * position, as a TripUpdate's StopTimeEvent delay would carry it. A vehicle that reaches its
 * terminus lays over and takes the next trip from there (same vehicle id).
 */
import type { TransitLineMeta, VehiclePosition, OccupancyStatus } from '../../protocol/transit.ts';
import { transitTopics } from '../../protocol/transit.ts';
import type { BuiltDirection, ServiceDay, TransitLine } from '../city/transit.ts';
import { MODE_CRUISE_MS, TRANSIT_LINES, departuresOfDay, hashString, serviceDayOf, tripDurationSec } from '../city/transit.ts';
import type { LngLat } from '../city/types.ts';
import { bearingDeg } from '../city/duisburg.ts';
import { Rng } from '../rng.ts';
import { demandFactor } from '../traffic/demand.ts';

/**
 * What the transit model needs of the traffic model (implemented elsewhere; optional: without it,
 * free flow and green everywhere). Declared here; the lead unifies it with the traffic model's.
 */
export interface TrafficView {
  approachGreen(intersectionId: string, approachId: string): boolean;
  linkSpeedKmh(linkId: string): number;
  queueVeh(intersectionId: string, approachId: string): number;
}

export interface Msg {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export const POSITION_INTERVAL_MS = 5_000;
/** Minimum layover at a terminus before the vehicle takes its next trip. */
export const LAYOVER_MS = 3 * 60_000;
/** Vehicles report INCOMING_AT within this distance of the next stop. */
const INCOMING_M = 150;
/** Saturation headway of the queue ahead of a bus at a stop line once it turns green. */
const QUEUE_DISCHARGE_SEC_PER_VEH = 2;
const MAX_QUEUE_HOLD_SEC = 60;
/** Largest internal time step; a larger dt is split. */
const MAX_SUBSTEP_SEC = 1;

const CAPACITY = { bus: 90, tram: 180, lightrail: 240 } as const;
const DOORS = { bus: 2, tram: 4, lightrail: 4 } as const;
/** Mean boardings per stop at the weekday peak, by mode. */
const PEAK_BOARDINGS = { bus: 4, tram: 7, lightrail: 10 } as const;

type Phase = 'run' | 'dwell' | 'signal' | 'done';

interface Vehicle {
  id: string;
  line: TransitLine;
  dir: BuiltDirection;
  rng: Rng;
  tripId: string;
  startTime: string;
  startDate: string;
  /** Scheduled departure from each stop (UTC ms); arrival = departure - dwell (first: = departure). */
  schedDep: number[];
  schedArr: number[];
  /** Index of the stop the vehicle is at (dwell) or last left (run/signal). */
  stopIdx: number;
  /** Index of the next signal on the direction not yet passed. */
  sigIdx: number;
  distM: number;
  phase: Phase;
  dwellLeftSec: number;
  arrivedAtMs: number;
  /** Green seen, waiting for the queue ahead to discharge until this time. */
  queueHoldUntilMs: number;
  speedMs: number;
  /** This trip's speed factor (driver, vehicle), 0.92-1.0 of cruise. */
  speedFactor: number;
  onboard: number;
  nextPubMs: number;
  delaySec: number;
  /** Accumulated time held at red lights / queue on this trip, seconds (ground truth). */
  signalWaitSec: number;
}

/** A vehicle's state as a judge would want to see it. */
export interface VehicleTruth {
  vehicleId: string;
  lineId: string;
  mode: TransitLine['mode'];
  tripId: string;
  directionId: 0 | 1;
  delaySec: number;
  signalWaitSec: number;
  phase: Phase;
  stopSequence: number;
  lon: number;
  lat: number;
}

export interface CompletedTrip {
  vehicleId: string;
  lineId: string;
  tripId: string;
  directionId: 0 | 1;
  /** Delay on arrival at the terminus, seconds. */
  finalDelaySec: number;
  signalWaitSec: number;
  arrivedAtMs: number;
}

export interface TransitTruth {
  vehicles: VehicleTruth[];
  lines: { lineId: string; mode: TransitLine['mode']; inService: number; meanDelaySec: number; maxDelaySec: number }[];
  /** The most recent completed trips (bounded). */
  completed: CompletedTrip[];
}

interface Pooled {
  id: string;
  availableAtMs: number;
}

const MAX_COMPLETED = 2_000;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function gtfsTime(secOfDay: number): string {
  const s = Math.round(secOfDay);
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
}

function r5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

/** Position and heading at `d` metres along a direction's geometry. */
export function pointAt(dir: BuiltDirection, d: number): { pos: LngLat; bearing: number } {
  const g = dir.geometry;
  const c = dir.cumM;
  let lo = 0;
  let hi = c.length - 1;
  if (d <= 0) return { pos: g[0]!, bearing: bearingDeg(g[0]!, g[1]!) };
  if (d >= c[hi]!) return { pos: g[hi]!, bearing: bearingDeg(g[hi - 1]!, g[hi]!) };
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (c[mid]! <= d) lo = mid;
    else hi = mid;
  }
  const a = g[lo]!;
  const b = g[hi]!;
  const t = (d - c[lo]!) / (c[hi]! - c[lo]! || 1);
  return { pos: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])], bearing: bearingDeg(a, b) };
}

function occupancyStatus(onboard: number, capacity: number): OccupancyStatus {
  if (onboard <= 0) return 'EMPTY';
  const r = onboard / capacity;
  if (r < 0.3) return 'MANY_SEATS_AVAILABLE';
  if (r < 0.6) return 'FEW_SEATS_AVAILABLE';
  if (r < 0.9) return 'STANDING_ROOM_ONLY';
  if (r < 1) return 'CRUSHED_STANDING_ROOM_ONLY';
  return 'FULL';
}

export function transitLineMeta(line: TransitLine, tsMs: number): TransitLineMeta {
  return {
    id: line.id,
    name: line.name,
    longName: line.longName,
    mode: line.mode,
    colour: line.colour,
    operator: line.operator,
    directions: line.directions.map((d) => ({
      directionId: d.directionId,
      headsign: d.headsign,
      stops: d.stops.map((s) => ({ stopId: s.id, name: s.name, lon: r5(s.pos[0]), lat: r5(s.pos[1]), distanceM: Math.round(s.distM) })),
      geometry: d.geometry.map((p): [number, number] => [r5(p[0]), r5(p[1])]),
      runTimesSec: d.runTimesSec,
      dwellSec: d.dwellSec,
    })),
    headways: line.headways,
    estimated: true,
    ...(line.generated ? { generated: true } : {}),
    tsMs,
  };
}

export class TransitFleet {
  readonly lines: readonly TransitLine[];
  readonly #rng: Rng;
  readonly #vehicles = new Map<string, Vehicle>();
  /** Vehicles laid over at a terminus, by `${lineId}/${stopId}`. */
  readonly #pool = new Map<string, Pooled[]>();
  /** Next departure index not yet dispatched, by `${lineId}/${dir}/${serviceDate}`. */
  readonly #dispatched = new Map<string, number>();
  readonly #departures = new Map<string, number[]>();
  readonly #fleetCounter = new Map<string, number>();
  readonly #completed: CompletedTrip[] = [];
  #nowMs: number | null = null;
  #daysCache: { minute: number; days: ServiceDay[] } | null = null;

  constructor(opts: { seed: number; lines?: readonly TransitLine[] }) {
    this.lines = opts.lines ?? TRANSIT_LINES;
    this.#rng = new Rng(opts.seed);
  }

  /** Retained line announcements. */
  meta(tsMs: number): Msg[] {
    return this.lines.map((l) => ({
      topic: transitTopics.lineMeta(l.id),
      payload: JSON.stringify(transitLineMeta(l, tsMs)),
      qos: 1 as const,
      retain: true,
    }));
  }

  /**
   * Advances the fleet to `modelTimeMs` (by `dtSec` since the previous call; the first call starts
   * the fleet at `modelTimeMs - dtSec` with every trip that should be under way placed on its
   * scheduled position). Returns the messages to publish, in time order.
   */
  step(modelTimeMs: number, dtSec: number, traffic?: TrafficView): Msg[] {
    const out: Msg[] = [];
    if (this.#nowMs === null) {
      this.#nowMs = modelTimeMs - dtSec * 1000;
      this.#warmStart(this.#nowMs);
    }
    let now: number = this.#nowMs;
    let remaining = (modelTimeMs - now) / 1000;
    while (remaining > 1e-9) {
      const h = Math.min(MAX_SUBSTEP_SEC, remaining);
      const t = now + h * 1000;
      this.#dispatch(t, out);
      for (const v of this.#vehicles.values()) this.#advance(v, t, h, traffic, out);
      for (const [id, v] of this.#vehicles) if (v.phase === 'done') this.#vehicles.delete(id);
      now = t;
      remaining -= h;
    }
    this.#nowMs = modelTimeMs;
    return out;
  }

  /** Ground truth for judging: every vehicle's delay, per-line means, recent completed trips. */
  truth(): TransitTruth {
    const vehicles: VehicleTruth[] = [];
    const per = new Map<string, { mode: TransitLine['mode']; n: number; sum: number; max: number }>();
    for (const v of this.#vehicles.values()) {
      const { pos } = pointAt(v.dir, v.distM);
      vehicles.push({
        vehicleId: v.id,
        lineId: v.line.id,
        mode: v.line.mode,
        tripId: v.tripId,
        directionId: v.dir.directionId,
        delaySec: v.delaySec,
        signalWaitSec: Math.round(v.signalWaitSec),
        phase: v.phase,
        stopSequence: v.stopIdx + 1,
        lon: pos[0],
        lat: pos[1],
      });
      const p = per.get(v.line.id) ?? { mode: v.line.mode, n: 0, sum: 0, max: -Infinity };
      p.n++;
      p.sum += v.delaySec;
      p.max = Math.max(p.max, v.delaySec);
      per.set(v.line.id, p);
    }
    const lines = [...per].map(([lineId, p]) => ({ lineId, mode: p.mode, inService: p.n, meanDelaySec: Math.round(p.sum / p.n), maxDelaySec: p.max }));
    return { vehicles, lines, completed: [...this.#completed] };
  }

  get inService(): number {
    return this.#vehicles.size;
  }

  // ---- dispatching -------------------------------------------------------------------------------

  /** The service day of `tsMs` and the one before (its last trips run past midnight); cached per minute. */
  #days(tsMs: number): ServiceDay[] {
    const minute = Math.floor(tsMs / 60_000);
    if (this.#daysCache?.minute !== minute) {
      const today = serviceDayOf(tsMs);
      this.#daysCache = { minute, days: [serviceDayOf(today.midnightMs - 6 * 3_600_000), today] };
    }
    return this.#daysCache.days;
  }

  #deps(line: TransitLine, dirId: 0 | 1, tsMs: number): { key: string; list: number[]; date: string; midnightMs: number }[] {
    return this.#days(tsMs).map((day) => {
      const key = `${line.id}/${dirId}/${day.date}`;
      let list = this.#departures.get(key);
      if (!list) {
        list = departuresOfDay(line, dirId, day);
        this.#departures.set(key, list);
      }
      return { key, list, date: day.date, midnightMs: day.midnightMs };
    });
  }

  #warmStart(t: number): void {
    for (const line of this.lines) {
      for (const dir of line.directions) {
        const dur = tripDurationSec(dir) * 1000;
        for (const d of this.#deps(line, dir.directionId, t)) {
          let i = 0;
          while (i < d.list.length && d.list[i]! <= t) {
            const dep = d.list[i]!;
            if (dep + dur > t) this.#startTrip(line, dir, dep, d.date, d.midnightMs, t, null);
            i++;
          }
          this.#dispatched.set(d.key, i);
        }
      }
    }
  }

  #dispatch(t: number, out: Msg[]): void {
    for (const line of this.lines) {
      for (const dir of line.directions) {
        for (const d of this.#deps(line, dir.directionId, t)) {
          let i = this.#dispatched.get(d.key) ?? 0;
          while (i < d.list.length && d.list[i]! <= t) {
            // A departure more than a trip's length in the past (e.g. a jump in model time) is skipped.
            if (d.list[i]! + tripDurationSec(dir) * 1000 > t) this.#startTrip(line, dir, d.list[i]!, d.date, d.midnightMs, t, out);
            i++;
          }
          this.#dispatched.set(d.key, i);
        }
      }
    }
    // Bound the caches: forget service days more than two days old.
    if (this.#departures.size > this.lines.length * 8) {
      const keep = new Set<string>();
      for (const line of this.lines) for (const dir of line.directions) for (const d of this.#deps(line, dir.directionId, t)) keep.add(d.key);
      for (const k of [...this.#departures.keys()]) if (!keep.has(k)) this.#departures.delete(k);
      for (const k of [...this.#dispatched.keys()]) if (!keep.has(k)) this.#dispatched.delete(k);
    }
  }

  #vehicleFor(line: TransitLine, dir: BuiltDirection, depMs: number): string {
    const key = `${line.id}/${dir.stops[0]!.id}`;
    const pool = this.#pool.get(key);
    if (pool) {
      const k = pool.findIndex((p) => p.availableAtMs <= depMs);
      if (k >= 0) return pool.splice(k, 1)[0]!.id;
    }
    const n = (this.#fleetCounter.get(line.id) ?? 0) + 1;
    this.#fleetCounter.set(line.id, n);
    return `${line.id}-${n}`;
  }

  /**
   * Starts the trip departing at `depMs`. With `out` null (warm start) the vehicle is placed where
   * the timetable has it at `t`, on time; otherwise it starts at the first stop, late by t - depMs.
   */
  #startTrip(line: TransitLine, dir: BuiltDirection, depMs: number, date: string, midnightMs: number, t: number, out: Msg[] | null): void {
    const id = this.#vehicleFor(line, dir, depMs);
    const schedDep: number[] = [];
    const schedArr: number[] = [];
    let tt = depMs;
    dir.stops.forEach((_, i) => {
      if (i === 0) {
        schedArr.push(tt);
        schedDep.push(tt);
        return;
      }
      tt += dir.runTimesSec[i - 1]! * 1000;
      schedArr.push(tt);
      const dwell = i === dir.stops.length - 1 ? 0 : dir.dwellSec * 1000;
      tt += dwell;
      schedDep.push(tt);
    });
    const secOfDay = (depMs - midnightMs) / 1000;
    const rng = this.#rng.fork(hashString(`${line.id}/${dir.directionId}/${depMs}`));
    const v: Vehicle = {
      id,
      line,
      dir,
      rng,
      tripId: `${line.id}-${dir.directionId}-${date}-${gtfsTime(secOfDay).slice(0, 5).replace(':', '')}`,
      startTime: gtfsTime(secOfDay),
      startDate: date,
      schedDep,
      schedArr,
      stopIdx: 0,
      sigIdx: 0,
      distM: 0,
      phase: 'dwell',
      dwellLeftSec: 0,
      arrivedAtMs: depMs,
      queueHoldUntilMs: 0,
      speedMs: 0,
      speedFactor: 0.92 + 0.08 * rng.next(),
      onboard: 0,
      nextPubMs: t + (hashString(id) % POSITION_INTERVAL_MS),
      delaySec: 0,
      signalWaitSec: 0,
    };
    if (out === null) {
      // Place on the schedule at t.
      let i = 0;
      while (i < dir.stops.length - 1 && schedArr[i + 1]! <= t) i++;
      v.stopIdx = i;
      v.onboard = Math.round(CAPACITY[line.mode] * 0.25 * demandFactor(t) * rng.next() * 2);
      if (t < schedDep[i]!) {
        v.phase = 'dwell';
        v.distM = dir.stops[i]!.distM;
        v.dwellLeftSec = (schedDep[i]! - t) / 1000;
        v.arrivedAtMs = schedArr[i]!;
      } else {
        const frac = Math.min(1, (t - schedDep[i]!) / (schedArr[i + 1]! - schedDep[i]!));
        v.phase = 'run';
        v.distM = dir.stops[i]!.distM + frac * (dir.stops[i + 1]!.distM - dir.stops[i]!.distM);
        v.speedMs = MODE_CRUISE_MS[line.mode] * v.speedFactor;
      }
      while (v.sigIdx < dir.signals.length && dir.signals[v.sigIdx]!.distM <= v.distM) v.sigIdx++;
    } else {
      // Boarding at the first stop happened before the scheduled departure (the vehicle stood there).
      v.onboard = Math.min(CAPACITY[line.mode], rng.poisson(PEAK_BOARDINGS[line.mode] * 2 * demandFactor(t)));
      v.dwellLeftSec = 0;
      v.arrivedAtMs = depMs;
      out.push(this.#position(v, t));
      v.nextPubMs = t + POSITION_INTERVAL_MS;
    }
    this.#vehicles.set(id, v);
  }

  #dwellFor(line: TransitLine, board: number, alight: number): number {
    return Math.min(40, Math.max(15, 10 + (2.2 * (board + alight)) / DOORS[line.mode]));
  }

  // ---- movement ----------------------------------------------------------------------------------

  #advance(v: Vehicle, t: number, h: number, traffic: TrafficView | undefined, out: Msg[]): void {
    const dir = v.dir;
    if (v.phase === 'dwell') {
      v.speedMs = 0;
      v.dwellLeftSec -= h;
      const last = v.stopIdx === dir.stops.length - 1;
      if (v.dwellLeftSec <= 0 && t >= v.schedDep[v.stopIdx]!) {
        if (last) {
          this.#finish(v, t);
          return;
        }
        v.phase = 'run';
        this.#updateDelay(v, t);
        out.push(this.#position(v, t));
        v.nextPubMs = t + POSITION_INTERVAL_MS;
        return;
      }
    } else if (v.phase === 'signal') {
      v.speedMs = 0;
      v.signalWaitSec += h;
      const sig = dir.signals[v.sigIdx]!;
      if (traffic === undefined || traffic.approachGreen(sig.intersectionId, sig.approachId)) {
        if (v.queueHoldUntilMs === 0) {
          const q = traffic ? Math.max(0, traffic.queueVeh(sig.intersectionId, sig.approachId)) : 0;
          v.queueHoldUntilMs = t + Math.min(MAX_QUEUE_HOLD_SEC, q * QUEUE_DISCHARGE_SEC_PER_VEH) * 1000;
        }
        if (t >= v.queueHoldUntilMs) {
          v.phase = 'run';
          v.queueHoldUntilMs = 0;
          v.sigIdx++;
        }
      }
    } else if (v.phase === 'run') {
      let speed = MODE_CRUISE_MS[v.line.mode] * v.speedFactor;
      if (traffic && v.line.mode === 'bus') {
        for (const l of dir.links) {
          if (v.distM >= l.fromM && v.distM < l.toM) {
            speed = Math.min(speed, Math.max(1, traffic.linkSpeedKmh(l.linkId) / 3.6));
            break;
          }
        }
      }
      v.speedMs = speed;
      let target = v.distM + speed * h;
      const next = dir.stops[v.stopIdx + 1]!;
      // Signals before the next stop (or at it).
      while (v.sigIdx < dir.signals.length && dir.signals[v.sigIdx]!.distM <= Math.min(target, next.distM)) {
        const sig = dir.signals[v.sigIdx]!;
        const held = !v.line.signalPriority && traffic !== undefined;
        if (held && (!traffic.approachGreen(sig.intersectionId, sig.approachId) || traffic.queueVeh(sig.intersectionId, sig.approachId) > 0)) {
          // Red, or green with a queue still discharging ahead: stop at the line.
          const green = traffic.approachGreen(sig.intersectionId, sig.approachId);
          v.distM = sig.distM;
          v.phase = 'signal';
          v.queueHoldUntilMs = 0;
          if (green) {
            v.queueHoldUntilMs = t + Math.min(MAX_QUEUE_HOLD_SEC, traffic.queueVeh(sig.intersectionId, sig.approachId) * QUEUE_DISCHARGE_SEC_PER_VEH) * 1000;
          }
          this.#tickPublish(v, t, out);
          return;
        }
        v.sigIdx++;
      }
      if (target >= next.distM) {
        target = next.distM;
        v.distM = target;
        this.#arrive(v, t, out);
        return;
      }
      v.distM = target;
    }
    this.#tickPublish(v, t, out);
  }

  #tickPublish(v: Vehicle, t: number, out: Msg[]): void {
    if (t >= v.nextPubMs) {
      this.#updateDelay(v, t);
      out.push(this.#position(v, t));
      v.nextPubMs += POSITION_INTERVAL_MS * Math.max(1, Math.ceil((t - v.nextPubMs + 1) / POSITION_INTERVAL_MS));
    }
  }

  #arrive(v: Vehicle, t: number, out: Msg[]): void {
    const dir = v.dir;
    v.stopIdx++;
    v.phase = 'dwell';
    v.speedMs = 0;
    v.arrivedAtMs = t;
    const last = v.stopIdx === dir.stops.length - 1;
    const mode = v.line.mode;
    const f = demandFactor(t);
    const alight = last ? v.onboard : Math.min(v.onboard, v.rng.poisson(v.onboard * 0.18));
    const board = last ? 0 : v.rng.poisson(PEAK_BOARDINGS[mode] * f);
    v.onboard = Math.min(CAPACITY[mode], v.onboard - alight + board);
    v.dwellLeftSec = last ? 0 : this.#dwellFor(v.line, board, alight);
    this.#updateDelay(v, t);
    out.push(this.#position(v, t));
    v.nextPubMs = t + POSITION_INTERVAL_MS;
    if (last) this.#finish(v, t);
  }

  #finish(v: Vehicle, t: number): void {
    v.phase = 'done';
    this.#completed.push({
      vehicleId: v.id,
      lineId: v.line.id,
      tripId: v.tripId,
      directionId: v.dir.directionId,
      finalDelaySec: v.delaySec,
      signalWaitSec: Math.round(v.signalWaitSec),
      arrivedAtMs: t,
    });
    if (this.#completed.length > MAX_COMPLETED) this.#completed.splice(0, this.#completed.length - MAX_COMPLETED);
    // Lay over at the terminus, then serve the other direction from here.
    const key = `${v.line.id}/${v.dir.stops[v.dir.stops.length - 1]!.id}`;
    const pool = this.#pool.get(key) ?? [];
    pool.push({ id: v.id, availableAtMs: t + LAYOVER_MS });
    this.#pool.set(key, pool);
  }

  /** Delay against the schedule at the vehicle's current position, seconds (positive = late). */
  #updateDelay(v: Vehicle, t: number): void {
    const i = v.stopIdx;
    const dir = v.dir;
    if (v.phase === 'dwell' || v.phase === 'done' || i >= dir.stops.length - 1) {
      // At stop i: late by the arrival's lateness, or by still standing after the scheduled departure.
      const arrLate = v.arrivedAtMs - v.schedArr[i]!;
      const depLate = t - v.schedDep[i]!;
      v.delaySec = Math.round(Math.max(arrLate, depLate) / 1000);
      return;
    }
    const a = dir.stops[i]!;
    const b = dir.stops[i + 1]!;
    const frac = b.distM > a.distM ? (v.distM - a.distM) / (b.distM - a.distM) : 0;
    const sched = v.schedDep[i]! + frac * (v.schedArr[i + 1]! - v.schedDep[i]!);
    v.delaySec = Math.round((t - sched) / 1000);
  }

  #position(v: Vehicle, t: number): Msg {
    const dir = v.dir;
    const { pos, bearing } = pointAt(dir, v.distM);
    const atStop = v.phase === 'dwell' || v.phase === 'done';
    const seqIdx = atStop ? v.stopIdx : Math.min(v.stopIdx + 1, dir.stops.length - 1);
    const stop = dir.stops[seqIdx]!;
    const status = atStop ? 'STOPPED_AT' : stop.distM - v.distM <= INCOMING_M ? 'INCOMING_AT' : 'IN_TRANSIT_TO';
    const tsMs = Math.round(t);
    const p: VehiclePosition = {
      trip: { tripId: v.tripId, routeId: v.line.id, directionId: dir.directionId, startTime: v.startTime, startDate: v.startDate },
      vehicle: { id: v.id, label: `${v.line.name} ${dir.headsign}` },
      position: { latitude: r5(pos[1]), longitude: r5(pos[0]), bearing: Math.round(bearing), speed: Math.round(v.speedMs * 10) / 10 },
      currentStopSequence: seqIdx + 1,
      stopId: stop.id,
      currentStatus: status,
      timestamp: Math.floor(tsMs / 1000),
      occupancyStatus: occupancyStatus(v.onboard, CAPACITY[v.line.mode]),
      tsMs,
      delaySec: v.delaySec,
    };
    return { topic: transitTopics.position(v.id), payload: JSON.stringify(p), qos: 0, retain: false };
  }
}
