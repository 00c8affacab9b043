/**
 * Layout of a transit line diagram (LineDiagram.svelte), pure: where each vehicle is along its
 * line, in stop units, and which vehicles are bunched.
 *
 * - Position: the vehicle's fix projected onto its direction's route geometry (GTFS shapes.txt),
 *   metres along it, then a fractional stop index between the two stops around it (the diagram is
 *   schematic: stops equally spaced). Direction 1 runs the other way and is mirrored onto the stop
 *   order of direction 0, so both directions share one axis.
 * - Bunching (same rule as the hub, server/fusion/transit-ops.ts): the time headway to the vehicle
 *   ahead in the same direction is below BUNCHING_RATIO × the scheduled headway of the line's
 *   timetable band now (Europe/Berlin day type and hour). The time headway between two positions is
 *   the scheduled running time between them (runTimesSec + dwell), as a dispatcher reads a diagram.
 */
import type { DayType, TransitDirection, TransitLineMeta, TransitVehicleEntity } from '../../../../protocol/index.ts';

export const BUNCHING_RATIO = 0.5;

export interface PlacedVehicle {
  vehicle: TransitVehicleEntity;
  directionId: number;
  /** Fractional stop index in the direction's own stop order (0 = first stop). */
  stopPos: number;
  /** Position on the diagram's axis: stop index of direction 0's order. */
  axisPos: number;
  /** Scheduled seconds to the vehicle ahead in the same direction; null for the first one. */
  headwaySec: number | null;
  bunched: boolean;
  /** Id of the vehicle ahead. */
  aheadId: string | null;
}

export interface LineLayout {
  stops: { stopId: string; name: string }[];
  vehicles: PlacedVehicle[];
  scheduledHeadwaySec: number | null;
  bunchedCount: number;
}

const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' });

/** Day type and fractional hour of an instant in Duisburg (Europe/Berlin). */
export function localDayHour(tsMs: number): { day: DayType; hour: number } {
  const parts = berlin.formatToParts(new Date(tsMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const weekday = get('weekday');
  const hour = Number(get('hour')) + Number(get('minute')) / 60;
  return { day: weekday === 'Sat' ? 'saturday' : weekday === 'Sun' ? 'sunday' : 'weekday', hour };
}

/** The timetable's headway (s) at an instant, or null outside service; bands past 24 h count for the early hours. */
export function scheduledHeadwaySec(line: Pick<TransitLineMeta, 'headways'>, tsMs: number): number | null {
  const { day, hour } = localDayHour(tsMs);
  for (const b of line.headways) if (b.days === day && hour >= b.fromHour && hour < b.toHour) return b.headwayMin * 60;
  for (const b of line.headways) if (hour + 24 >= b.fromHour && hour + 24 < b.toHour) return b.headwayMin * 60;
  return null;
}

// Equirectangular metres: the error over a city-sized line is far below a stop spacing.
const M_PER_DEG_LAT = 111_320;

/** Metres along a polyline of the point's projection onto it. */
export function distanceAlong(geometry: readonly [number, number][], lon: number, lat: number): number {
  const kx = M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  let best = Infinity;
  let bestAlong = 0;
  let cum = 0;
  for (let i = 0; i + 1 < geometry.length; i++) {
    const [ax, ay] = geometry[i]!;
    const [bx, by] = geometry[i + 1]!;
    const dx = (bx - ax) * kx;
    const dy = (by - ay) * M_PER_DEG_LAT;
    const px = (lon - ax) * kx;
    const py = (lat - ay) * M_PER_DEG_LAT;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.max(0, Math.min(1, (px * dx + py * dy) / len2)) : 0;
    const ex = px - t * dx;
    const ey = py - t * dy;
    const d2 = ex * ex + ey * ey;
    const len = Math.sqrt(len2);
    if (d2 < best) {
      best = d2;
      bestAlong = cum + t * len;
    }
    cum += len;
  }
  return bestAlong;
}

/** Fractional stop index of a distance along the direction (stops carry their distanceM). */
export function stopIndexAt(dir: Pick<TransitDirection, 'stops'>, alongM: number): number {
  const s = dir.stops;
  if (alongM <= s[0]!.distanceM) return 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const a = s[i]!.distanceM;
    const b = s[i + 1]!.distanceM;
    if (alongM <= b) return i + (b > a ? (alongM - a) / (b - a) : 0);
  }
  return s.length - 1;
}

/** Scheduled seconds from fractional stop index `from` to `to` (to ≥ from) in a direction. */
export function scheduledSecBetween(dir: Pick<TransitDirection, 'runTimesSec' | 'dwellSec'>, from: number, to: number): number {
  let sec = 0;
  for (let i = Math.floor(from); i < Math.ceil(to) && i < dir.runTimesSec.length; i++) {
    const lo = Math.max(from, i);
    const hi = Math.min(to, i + 1);
    if (hi > lo) sec += (hi - lo) * dir.runTimesSec[i]!;
    // Dwell at every intermediate stop passed completely.
    if (i + 1 < to && i + 1 > from) sec += dir.dwellSec;
  }
  return sec;
}

export function layoutLine(line: TransitLineMeta, vehicles: readonly TransitVehicleEntity[], nowMs: number): LineLayout {
  const d0 = line.directions.find((d) => d.directionId === 0) ?? line.directions[0]!;
  const n0 = d0.stops.length;
  const idx0 = new Map(d0.stops.map((s, i) => [s.stopId, i]));
  const scheduled = scheduledHeadwaySec(line, nowMs);
  const placed: PlacedVehicle[] = [];
  for (const v of vehicles) {
    if (v.lineId !== line.id) continue;
    const dir =
      line.directions.find((d) => d.directionId === v.directionId) ??
      // Unknown direction: the geometry it is closer to.
      line.directions[0]!;
    const stopPos = stopIndexAt(dir, distanceAlong(dir.geometry, v.lon, v.lat));
    let axisPos = stopPos;
    if (dir !== d0) {
      // Mirror onto direction 0's stop order: by the stops' ids where they are shared, else reversed.
      const i = Math.floor(stopPos);
      const a = idx0.get(dir.stops[i]!.stopId);
      const b = idx0.get(dir.stops[Math.min(i + 1, dir.stops.length - 1)]!.stopId);
      axisPos = a !== undefined && b !== undefined ? a + (b - a) * (stopPos - i) : (n0 - 1) * (1 - stopPos / Math.max(1, dir.stops.length - 1));
    }
    placed.push({ vehicle: v, directionId: dir.directionId, stopPos, axisPos, headwaySec: null, bunched: false, aheadId: null });
  }
  for (const dir of line.directions) {
    const mine = placed.filter((p) => p.directionId === dir.directionId).sort((a, b) => b.stopPos - a.stopPos);
    for (let k = 1; k < mine.length; k++) {
      const ahead = mine[k - 1]!;
      const p = mine[k]!;
      p.aheadId = ahead.vehicle.id;
      p.headwaySec = scheduledSecBetween(dir, p.stopPos, ahead.stopPos);
      if (scheduled !== null && p.headwaySec < BUNCHING_RATIO * scheduled) {
        p.bunched = true;
        ahead.bunched = true;
      }
    }
  }
  return {
    stops: d0.stops.map((s) => ({ stopId: s.stopId, name: s.name })),
    vehicles: placed,
    scheduledHeadwaySec: scheduled,
    bunchedCount: placed.filter((p) => p.bunched).length,
  };
}
