/** Parking fusion: DATEX II-like status against the garage's meta. Pure. */
import type { ParkingEntity, ParkingMeta, ParkingStatus, Patch } from '../../protocol/index.ts';

/** A garage full this long raises the `full` alarm. */
export const PARKING_FULL_ALARM_MS = 10 * 60_000;

export function parkingEntity(meta: ParkingMeta, prev: ParkingEntity | undefined): ParkingEntity {
  return {
    id: meta.id,
    name: meta.name,
    zone: meta.zone,
    lon: meta.lon,
    lat: meta.lat,
    capacity: meta.totalParkingCapacity,
    capacityEstimated: meta.estimated === true,
    occupied: prev?.occupied ?? null,
    vacant: prev?.vacant ?? null,
    status: prev?.status ?? 'statusUnknown',
    trend: prev?.trend ?? null,
    tsMs: prev?.tsMs ?? null,
    link: prev?.link ?? 'stale',
  };
}

/** Why a status contradicts the garage's capacity, or null when it is consistent. */
export function capacityMismatch(capacity: number, s: ParkingStatus): string | null {
  const sum = s.occupiedSpaces + s.vacantSpaces;
  if (sum === capacity) return null;
  return `occupiedSpaces ${s.occupiedSpaces} + vacantSpaces ${s.vacantSpaces} = ${sum}, but the meta's totalParkingCapacity is ${capacity}`;
}

/** Changed fields, or null when the status is not newer than what we hold. */
export function parkingPatch(prev: ParkingEntity, s: ParkingStatus): Patch<ParkingEntity> | null {
  if (prev.tsMs !== null && s.tsMs <= prev.tsMs) return null;
  const p: Patch<ParkingEntity> = { id: prev.id, tsMs: s.tsMs };
  if (prev.occupied !== s.occupiedSpaces) p.occupied = s.occupiedSpaces;
  if (prev.vacant !== s.vacantSpaces) p.vacant = s.vacantSpaces;
  if (prev.status !== s.parkingSiteStatus) p.status = s.parkingSiteStatus;
  if (prev.trend !== s.occupancyTrend) p.trend = s.occupancyTrend;
  if (prev.link !== 'live') p.link = 'live';
  return p;
}
