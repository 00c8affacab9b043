/**
 * Transit operations: headways from consecutive vehicles passing the same stop, bunching, and next
 * arrivals per stop. Pure (state objects passed in, `now` explicit).
 *
 * - A vehicle *passes* a stop when it first reports STOPPED_AT it, or when its current stop moves on
 *   past a stop it had not yet been recorded at (a stop served without stopping).
 * - Headway = time between two different vehicles of one line and direction passing one stop.
 * - Bunched: headway < BUNCHING_RATIO × the scheduled headway of the line's timetable band at that
 *   time (local time Europe/Berlin, day type weekday/saturday/sunday).
 * - ETA: position along the direction's stop sequence + the scheduled run times (and dwells) of
 *   the line meta from there. The vehicle's current delay is kept as it is (no recovery assumed),
 *   so the expected time = now + remaining scheduled time; the scheduled time = expected − delay.
 */
import type { DayType, TransitDirection, TransitLineMeta, TransitVehicleEntity } from '../../protocol/index.ts';
import { distanceM } from './links.ts';

export const BUNCHING_RATIO = 0.5;
export const BUNCHING_ON_DELAY_MS = 3 * 60_000;

const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });

/** Day type and fractional hour of a UTC instant in Duisburg (Europe/Berlin). */
export function localDayHour(tsMs: number): { day: DayType; weekday: string; hour: number } {
  const parts = berlin.formatToParts(new Date(tsMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = get('weekday');
  const hour = Number(get('hour')) + Number(get('minute')) / 60;
  const day: DayType = weekday === 'Sat' ? 'saturday' : weekday === 'Sun' ? 'sunday' : 'weekday';
  return { day, weekday, hour };
}

/** The timetable's headway (minutes) at a time, or null outside service. Bands past 24 h count for the early hours. */
export function scheduledHeadwayMin(line: Pick<TransitLineMeta, 'headways'>, tsMs: number): number | null {
  const { day, hour } = localDayHour(tsMs);
  for (const b of line.headways) if (b.days === day && hour >= b.fromHour && hour < b.toHour) return b.headwayMin;
  for (const b of line.headways) if (hour + 24 >= b.fromHour && hour + 24 < b.toHour) return b.headwayMin;
  return null;
}

export interface Passage {
  vehicleId: string;
  tsMs: number;
}

export interface HeadwayObservation {
  lineId: string;
  directionId: number;
  stopId: string;
  tsMs: number;
  headwaySec: number;
  scheduledSec: number | null;
  bunched: boolean;
  vehicleIds: [string, string];
}

/** Per vehicle, the stops already recorded in its current run. */
export interface VehicleStopMemory {
  tripId: string;
  stopId: string | null;
  recorded: Set<string>;
}

export class HeadwayTracker {
  /** `${lineId}|${dir}|${stopId}` → last passage. */
  readonly last = new Map<string, Passage>();
  /** `${lineId}|${dir}` → most recent headways (newest last, at most 20). */
  readonly recent = new Map<string, HeadwayObservation[]>();
  readonly vehicles = new Map<string, VehicleStopMemory>();

  /**
   * Feeds one fused vehicle state; returns the headways it completes (0, 1 or, when it skipped a
   * stop report, 2). `line` is the vehicle's line meta.
   */
  observe(v: Pick<TransitVehicleEntity, 'id' | 'lineId' | 'tripId' | 'directionId' | 'status' | 'stopId' | 'tsMs'>, line: TransitLineMeta): HeadwayObservation[] {
    const dir = directionOf(line, v.directionId, v.stopId);
    if (!dir || !v.stopId) return [];
    let mem = this.vehicles.get(v.id);
    if (!mem || mem.tripId !== v.tripId) this.vehicles.set(v.id, (mem = { tripId: v.tripId, stopId: null, recorded: new Set() }));
    const passed: string[] = [];
    if (mem.stopId !== null && mem.stopId !== v.stopId && !mem.recorded.has(mem.stopId)) passed.push(mem.stopId);
    if (v.status === 'STOPPED_AT' && !mem.recorded.has(v.stopId)) passed.push(v.stopId);
    mem.stopId = v.stopId;
    const out: HeadwayObservation[] = [];
    for (const stopId of passed) {
      mem.recorded.add(stopId);
      const key = `${line.id}|${dir.directionId}|${stopId}`;
      const prev = this.last.get(key);
      this.last.set(key, { vehicleId: v.id, tsMs: v.tsMs });
      if (!prev || prev.vehicleId === v.id || v.tsMs <= prev.tsMs) continue;
      const hw = scheduledHeadwayMin(line, v.tsMs);
      const headwaySec = Math.round((v.tsMs - prev.tsMs) / 1000);
      const scheduledSec = hw === null ? null : hw * 60;
      const o: HeadwayObservation = {
        lineId: line.id,
        directionId: dir.directionId,
        stopId,
        tsMs: v.tsMs,
        headwaySec,
        scheduledSec,
        bunched: scheduledSec !== null && headwaySec < BUNCHING_RATIO * scheduledSec,
        vehicleIds: [prev.vehicleId, v.id],
      };
      const rk = `${line.id}|${dir.directionId}`;
      let r = this.recent.get(rk);
      if (!r) this.recent.set(rk, (r = []));
      r.push(o);
      if (r.length > 20) r.shift();
      out.push(o);
    }
    return out;
  }

  /** A line is bunched while the latest headway of any of its directions is. */
  lineBunched(lineId: string): boolean {
    for (const [k, r] of this.recent) if (k.startsWith(`${lineId}|`) && r.at(-1)?.bunched) return true;
    return false;
  }

  forget(vehicleId: string): void {
    this.vehicles.delete(vehicleId);
  }
}

/** The direction a vehicle drives: its directionId, else the one whose stops contain its stop. */
export function directionOf(line: TransitLineMeta, directionId: number | null, stopId: string | null): TransitDirection | undefined {
  if (directionId !== null) {
    const d = line.directions.find((x) => x.directionId === directionId);
    if (d) return d;
  }
  return stopId === null ? undefined : line.directions.find((d) => d.stops.some((s) => s.stopId === stopId));
}

export interface Arrival {
  stopId: string;
  vehicleId: string;
  lineId: string;
  lineName: string;
  directionId: number;
  headsign: string;
  /** Expected arrival, UTC ms. */
  etaMs: number;
  /** Timetable arrival = expected − current delay (null when the delay is unknown). */
  scheduledMs: number | null;
  delaySec: number | null;
  /** Stops between the vehicle and this stop (0 = it is the next stop / stopped at it). */
  stopsAway: number;
}

/**
 * Seconds from the vehicle's position to arrival at stop index `target` of direction `dir`, or null
 * when the vehicle has passed it. `i` is the index of the vehicle's current stop.
 */
export function remainingSec(dir: TransitDirection, v: Pick<TransitVehicleEntity, 'lon' | 'lat' | 'status'>, i: number, target: number): number | null {
  if (target < i) return null;
  if (v.status === 'STOPPED_AT') {
    if (target === i) return 0;
    // Half the dwell still to go on average, then run + dwell per stop.
    let t = dir.dwellSec / 2;
    for (let k = i; k < target; k++) t += dir.runTimesSec[k]! + (k + 1 < target ? dir.dwellSec : 0);
    return t;
  }
  // Driving to stop i: the part of run i−1→i still ahead, by straight-line distance.
  let t = 0;
  if (i > 0) {
    const a = dir.stops[i - 1]!;
    const b = dir.stops[i]!;
    const seg = distanceM([a.lon, a.lat], [b.lon, b.lat]);
    const left = distanceM([v.lon, v.lat], [b.lon, b.lat]);
    t += dir.runTimesSec[i - 1]! * (seg > 0 ? Math.min(1, left / seg) : 0);
  }
  for (let k = i; k < target; k++) t += dir.dwellSec + dir.runTimesSec[k]!;
  return t;
}

/** Next arrivals at a stop from the vehicles in service, soonest first. */
export function arrivalsAt(stopId: string, vehicles: Iterable<TransitVehicleEntity>, lines: ReadonlyMap<string, TransitLineMeta>, nowMs: number, limit = 10): Arrival[] {
  const out: Arrival[] = [];
  for (const v of vehicles) {
    if (v.stopId === null) continue;
    const line = lines.get(v.lineId);
    if (!line) continue;
    const dir = directionOf(line, v.directionId, v.stopId);
    if (!dir) continue;
    const i = dir.stops.findIndex((s) => s.stopId === v.stopId);
    const target = dir.stops.findIndex((s) => s.stopId === stopId);
    if (i < 0 || target < 0) continue;
    const rem = remainingSec(dir, v, i, target);
    if (rem === null) continue;
    // The position is tsMs old: the vehicle has driven on since.
    const etaMs = Math.max(nowMs, Math.round(v.tsMs + rem * 1000));
    out.push({
      stopId,
      vehicleId: v.id,
      lineId: line.id,
      lineName: line.name,
      directionId: dir.directionId,
      headsign: dir.headsign,
      etaMs,
      scheduledMs: v.delaySec === null ? null : etaMs - v.delaySec * 1000,
      delaySec: v.delaySec,
      stopsAway: target - i,
    });
  }
  out.sort((a, b) => a.etaMs - b.etaMs);
  return out.slice(0, limit);
}
