/**
 * GTFS-Realtime out: the live transit state as a FeedMessage (gtfs-realtime.proto 2.0,
 * incrementality FULL_DATASET). VehiclePositions carry trip, vehicle id, position, stop status;
 * TripUpdates carry the trip's current delay (TripUpdate.delay, GTFS-RT 2.0). No personal data:
 * vehicles are identified by fleet number only.
 */
import bindings from 'gtfs-realtime-bindings';
import { VEHICLE_STOP_STATUSES, type TransitVehicleEntity } from '../../protocol/index.ts';

const { transit_realtime: RT } = bindings;

const KMH_TO_MS = 1 / 3.6;

function trip(e: TransitVehicleEntity) {
  return {
    ...(e.tripId ? { tripId: e.tripId } : {}),
    routeId: e.lineId,
    ...(e.directionId === 0 || e.directionId === 1 ? { directionId: e.directionId } : {}),
  };
}

export function vehiclePositionsFeed(vehicles: Iterable<TransitVehicleEntity>, nowMs: number) {
  const entity = [];
  for (const e of vehicles) {
    if (e.link === 'lost') continue;
    entity.push({
      id: e.id,
      vehicle: {
        trip: trip(e),
        vehicle: { id: e.id, label: e.lineName },
        position: {
          latitude: e.lat,
          longitude: e.lon,
          ...(e.bearingDeg !== null ? { bearing: e.bearingDeg } : {}),
          ...(e.speedKmh !== null ? { speed: e.speedKmh * KMH_TO_MS } : {}),
        },
        ...(e.stopId ? { stopId: e.stopId } : {}),
        ...(e.status ? { currentStatus: VEHICLE_STOP_STATUSES.indexOf(e.status) } : {}),
        timestamp: Math.floor(e.tsMs / 1000),
      },
    });
  }
  return RT.FeedMessage.fromObject({ header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: Math.floor(nowMs / 1000) }, entity });
}

export function tripUpdatesFeed(vehicles: Iterable<TransitVehicleEntity>, nowMs: number) {
  const entity = [];
  for (const e of vehicles) {
    if (e.link === 'lost' || e.delaySec === null || !e.tripId) continue;
    entity.push({
      id: `tu-${e.id}`,
      tripUpdate: { trip: trip(e), vehicle: { id: e.id }, delay: e.delaySec, timestamp: Math.floor(e.tsMs / 1000) },
    });
  }
  return RT.FeedMessage.fromObject({ header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: Math.floor(nowMs / 1000) }, entity });
}

export const encodeFeed = (m: InstanceType<typeof RT.FeedMessage>): Uint8Array => RT.FeedMessage.encode(m).finish();
/** protobuf's JSON mapping (enums as names, uint64 as numbers). */
export const feedJson = (m: InstanceType<typeof RT.FeedMessage>): unknown => RT.FeedMessage.toObject(m, { enums: String, longs: Number });
