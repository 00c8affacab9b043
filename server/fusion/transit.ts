/**
 * Transit fusion: a GTFS-RT vehicle position plus its line's meta -> the vehicle entity's changes.
 * Pure: no clock, no I/O.
 */
import type { Patch, TransitLineMeta, TransitVehicleEntity, VehiclePosition } from '../../protocol/index.ts';

/** A vehicle this late (seconds) raises the `late` alarm (after its on-delay). */
export const LATE_ALARM_SEC = 5 * 60;
/** A vehicle silent this long has left service: it is removed, not alarmed. */
export const VEHICLE_GONE_MS = 2 * 60_000;

const MS_TO_KMH = 3.6;

/** A new vehicle entity from its first position. */
export function vehicleEntity(id: string, p: VehiclePosition, line: TransitLineMeta): TransitVehicleEntity {
  return {
    id,
    lineId: line.id,
    lineName: line.name,
    mode: line.mode,
    color: line.colour,
    tripId: p.trip?.tripId ?? '',
    directionId: p.trip?.directionId ?? null,
    lon: p.position.longitude,
    lat: p.position.latitude,
    bearingDeg: p.position.bearing ?? null,
    speedKmh: p.position.speed === undefined ? null : Math.round(p.position.speed * MS_TO_KMH * 10) / 10,
    delaySec: p.delaySec ?? null,
    status: p.currentStatus ?? (p.stopId ? 'IN_TRANSIT_TO' : null),
    stopId: p.stopId ?? null,
    tsMs: p.tsMs,
    link: 'live',
  };
}

/**
 * The changed fields of `prev` after position `p` (one object, only what differs), or null when the
 * position is not newer than what we hold (out of order).
 */
export function vehiclePatch(prev: TransitVehicleEntity, p: VehiclePosition, line: TransitLineMeta): Patch<TransitVehicleEntity> | null {
  if (p.tsMs <= prev.tsMs) return null;
  const patch: Patch<TransitVehicleEntity> = { id: prev.id, tsMs: p.tsMs };
  const lon = p.position.longitude;
  const lat = p.position.latitude;
  if (prev.lon !== lon) patch.lon = lon;
  if (prev.lat !== lat) patch.lat = lat;
  if (prev.lineId !== line.id) {
    patch.lineId = line.id;
    patch.lineName = line.name;
    patch.mode = line.mode;
    patch.color = line.colour;
  }
  const tripId = p.trip?.tripId ?? '';
  if (prev.tripId !== tripId) patch.tripId = tripId;
  const dir = p.trip?.directionId ?? null;
  if (prev.directionId !== dir) patch.directionId = dir;
  const bearing = p.position.bearing ?? null;
  if (prev.bearingDeg !== bearing) patch.bearingDeg = bearing;
  const speed = p.position.speed === undefined ? null : Math.round(p.position.speed * MS_TO_KMH * 10) / 10;
  if (prev.speedKmh !== speed) patch.speedKmh = speed;
  const delay = p.delaySec ?? null;
  if (prev.delaySec !== delay) patch.delaySec = delay;
  const status = p.currentStatus ?? (p.stopId ? 'IN_TRANSIT_TO' : null);
  if (prev.status !== status) patch.status = status;
  const stopId = p.stopId ?? null;
  if (prev.stopId !== stopId) patch.stopId = stopId;
  if (prev.link !== 'live') patch.link = 'live';
  return patch;
}

export const isLate = (delaySec: number | null): boolean => delaySec !== null && delaySec > LATE_ALARM_SEC;
