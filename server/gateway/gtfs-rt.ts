/**
 * GTFS-Realtime in: a FeedMessage (protobuf, gtfs-realtime.proto 2.0) with VehiclePositions and
 * TripUpdates, decoded with gtfs-realtime-bindings, mapped to our `city/v1/transit/{vehicle}/position`
 * payload and handed to the hub's ingest: the same decoder, fusion and quarantine as our own
 * vehicles. A TripUpdate's delay is kept per trip and travels with that trip's next positions
 * (`delaySec`, as a StopTimeEvent.delay).
 */
import bindings from 'gtfs-realtime-bindings';
import type { transit_realtime as RT } from 'gtfs-realtime-bindings';
import { transitTopics, vehiclePositionFromGtfsRt, type GtfsRtFeedEntityLike } from '../../protocol/index.ts';
import { hubId, MalformedDocument, ReportBuilder, type Deliver } from './report.ts';

const { transit_realtime } = bindings;

/** A TripUpdate's delay is trusted this long for a trip's later positions. */
const TRIP_DELAY_TTL_MS = 30 * 60_000;

/** What one GTFS-RT source remembers between documents. */
export interface GtfsRtState {
  /** Vehicle id -> tsMs of the last position delivered (a poll repeats unchanged positions). */
  lastTsMs: Map<string, number>;
  /** Trip id -> latest delay from a TripUpdate. */
  tripDelays: Map<string, { delaySec: number; atMs: number }>;
}

export const newGtfsRtState = (): GtfsRtState => ({ lastTsMs: new Map(), tripDelays: new Map() });

type Uint64Like = number | string | { toNumber(): number } | null | undefined;
const toNum = (x: Uint64Like): number | undefined =>
  x === null || x === undefined ? undefined : typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : x.toNumber();

/** Decodes a FeedMessage; throws MalformedDocument with the protobuf reader's reason. */
export function decodeFeed(bytes: Uint8Array): RT.FeedMessage {
  try {
    const m = transit_realtime.FeedMessage.decode(bytes);
    // header is `required` in the proto: protobufjs enforces that and names the missing field.
    return m;
  } catch (err) {
    throw new MalformedDocument(`not a GTFS-Realtime FeedMessage: ${(err as Error).message}`);
  }
}

/**
 * The delay (s, positive = late) a TripUpdate reports: its own `delay` when set, else the first
 * StopTimeUpdate's arrival (or departure) delay — GTFS-RT reference: a delay propagates downstream
 * until the next StopTimeUpdate that carries one.
 */
export function tripUpdateDelaySec(tu: RT.ITripUpdate): number | undefined {
  if (Object.hasOwn(tu, 'delay') && tu.delay !== null && tu.delay !== undefined) return tu.delay;
  for (const s of tu.stopTimeUpdate ?? []) {
    const ev = (Object.hasOwn(s, 'arrival') && s.arrival) || (Object.hasOwn(s, 'departure') && s.departure) || null;
    if (ev && Object.hasOwn(ev, 'delay') && ev.delay !== null && ev.delay !== undefined) return ev.delay;
  }
  return undefined;
}

/**
 * Processes one feed: TripUpdates first (their delay joins the positions of the same document),
 * then VehiclePositions. `prefix` is put before route and vehicle ids (source option idPrefix).
 */
export function importGtfsRt(bytes: Uint8Array, state: GtfsRtState, deliver: Deliver, nowMs: number, prefix = ''): ReportBuilder {
  const rb = new ReportBuilder('gtfs-rt');
  const feed = decodeFeed(bytes);
  const headerTs = toNum(feed.header?.timestamp as Uint64Like);
  const fallbackTsMs = headerTs && headerTs > 0 ? headerTs * 1000 : nowMs;
  for (const e of feed.entity) {
    if (!e.tripUpdate) continue;
    const tripId = e.tripUpdate.trip?.tripId;
    const delaySec = tripUpdateDelaySec(e.tripUpdate);
    if (!tripId) {
      rb.reject(`tripUpdate ${e.id}`, 'schema', 'TripUpdate without trip.tripId');
      continue;
    }
    if (delaySec === undefined) {
      rb.reject(`tripUpdate ${e.id}`, 'schema', 'TripUpdate without a delay (neither delay nor a StopTimeUpdate delay)');
      continue;
    }
    state.tripDelays.set(tripId, { delaySec: Math.round(delaySec), atMs: nowMs });
    rb.take('tripUpdates');
  }
  for (const [k, v] of state.tripDelays) if (nowMs - v.atMs > TRIP_DELAY_TTL_MS) state.tripDelays.delete(k);

  for (const e of feed.entity) {
    if (!e.vehicle) continue;
    const p = vehiclePositionFromGtfsRt(e as GtfsRtFeedEntityLike, fallbackTsMs) as {
      vehicle?: { id?: string };
      trip?: { tripId?: string; routeId?: string };
      tsMs?: number;
      delaySec?: number;
    } | null;
    if (!p) {
      rb.reject(`entity ${e.id}`, 'schema', 'VehiclePosition without a position');
      continue;
    }
    // gtfs-realtime.proto Position fields are float32: 51.43 arrives as 51.43000030517578. A float32
    // near 51° resolves 3.8e-6° (≈0.4 m): six decimals keep all it holds.
    const pos = (p as { position?: Record<string, number | undefined> }).position;
    if (pos) for (const k of ['latitude', 'longitude']) if (pos[k] !== undefined) pos[k] = Math.round(pos[k] * 1e6) / 1e6;
    if (pos) for (const k of ['bearing', 'speed']) if (pos[k] !== undefined) pos[k] = Math.round(pos[k] * 100) / 100;
    const rawId = p.vehicle?.id;
    if (!rawId) {
      rb.reject(`entity ${e.id}`, 'schema', 'VehiclePosition without vehicle.id or entity id');
      continue;
    }
    const id = hubId(prefix, rawId);
    p.vehicle = { ...p.vehicle, id };
    if (p.trip?.routeId) p.trip.routeId = hubId(prefix, p.trip.routeId);
    const tripId = p.trip?.tripId;
    const d = tripId ? state.tripDelays.get(tripId) : undefined;
    if (d) p.delaySec = d.delaySec;
    const last = state.lastTsMs.get(id);
    if (last !== undefined && p.tsMs !== undefined && p.tsMs <= last) {
      rb.report.unchanged++;
      continue;
    }
    if (rb.deliver(deliver, 'vehicles', `vehicle ${rawId}`, transitTopics.position(id), p) && p.tsMs !== undefined) state.lastTsMs.set(id, p.tsMs);
  }
  return rb;
}
