import { describe, expect, it } from 'vitest';
import { TransitLineMeta, VehiclePosition } from '../../protocol/transit.ts';
import { MAX_PAYLOAD_BYTES, parseTopic, DEVICE_ID_RE } from '../../protocol/index.ts';
import { TRANSIT_LINES } from '../city/transit.ts';
import type { TransitLine } from '../city/transit.ts';
import { TransitFleet } from './transit.ts';
import type { Msg, TrafficView } from './transit.ts';

/** Wednesday 4 November 2026, 08:00 in Duisburg (CET = UTC+1). */
const WED_0800 = Date.UTC(2026, 10, 4, 7, 0, 0);
const MIN = 60_000;
const line = (id: string): TransitLine => TRANSIT_LINES.find((l) => l.id === id)!;

function run(f: TransitFleet, fromMs: number, toMs: number, dtSec = 1, traffic?: (t: number) => TrafficView | undefined): Msg[] {
  const out: Msg[] = [];
  for (let t = fromMs + dtSec * 1000; t <= toMs; t += dtSec * 1000) out.push(...f.step(t, dtSec, traffic?.(t)));
  return out;
}

const pos = (m: Msg): VehiclePosition => JSON.parse(m.payload) as VehiclePosition;

describe('TransitFleet', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = run(new TransitFleet({ seed: 7 }), WED_0800, WED_0800 + 3 * MIN);
    const b = run(new TransitFleet({ seed: 7 }), WED_0800, WED_0800 + 3 * MIN);
    const c = run(new TransitFleet({ seed: 8 }), WED_0800, WED_0800 + 3 * MIN);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('puts a full-city fleet on the road at the weekday peak and little at night', () => {
    const peak = new TransitFleet({ seed: 1 });
    peak.step(WED_0800, 1);
    expect(peak.inService).toBeGreaterThan(330);
    expect(peak.inService).toBeLessThan(500);
    const night = new TransitFleet({ seed: 1 });
    night.step(Date.UTC(2026, 10, 4, 2, 0, 0), 1); // 03:00 local
    expect(night.inService).toBe(0);
  });

  it('serves every stop of its direction in order and ends its trip at the terminus', () => {
    const l = line('921');
    const f = new TransitFleet({ seed: 3, lines: [l] });
    const msgs = run(f, WED_0800, WED_0800 + 90 * MIN, 2);
    // The first trip dispatched after the start (not placed mid-route by the warm start).
    const first = pos(msgs.find((m) => pos(m).currentStatus === 'STOPPED_AT' && pos(m).currentStopSequence === 1)!);
    const tripId = first.trip!.tripId!;
    const dir = l.directions[first.trip!.directionId!]!;
    const stopped: string[] = [];
    const seqs: number[] = [];
    for (const m of msgs) {
      const p = pos(m);
      if (p.trip?.tripId !== tripId) continue;
      seqs.push(p.currentStopSequence!);
      if (p.currentStatus === 'STOPPED_AT' && stopped[stopped.length - 1] !== p.stopId) stopped.push(p.stopId!);
      expect(p.vehicle.id).toBe(first.vehicle.id);
    }
    expect(stopped).toEqual(dir.stops.map((s) => s.id));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThanOrEqual(seqs[i - 1]!);
    const done = f.truth().completed.find((c) => c.tripId === tripId);
    expect(done).toBeDefined();
    expect(done!.vehicleId).toBe(first.vehicle.id);
  });

  it('turns a vehicle round at the terminus for a later trip in the other direction', () => {
    const l = line('934');
    const f = new TransitFleet({ seed: 3, lines: [l] });
    run(f, WED_0800, WED_0800 + 120 * MIN, 5);
    const trips = f.truth().completed;
    const byVehicle = new Map<string, Set<number>>();
    for (const c of trips) byVehicle.set(c.vehicleId, (byVehicle.get(c.vehicleId) ?? new Set()).add(c.directionId));
    expect([...byVehicle.values()].some((dirs) => dirs.size === 2)).toBe(true);
  });

  it('keeps the timetable headway in free flow', () => {
    const l = line('901'); // every 10 minutes on weekdays 06-19
    const f = new TransitFleet({ seed: 5, lines: [l] });
    const from = Date.UTC(2026, 10, 4, 8, 0, 0); // 09:00 local
    const msgs = run(f, from, from + 150 * MIN, 1);
    const dir = l.directions[0];
    const stopId = dir.stops[Math.floor(dir.stops.length / 2)]!.id;
    const arrivals = new Map<string, number>();
    for (const m of msgs) {
      const p = pos(m);
      if (p.trip?.directionId === 0 && p.stopId === stopId && p.currentStatus === 'STOPPED_AT' && !arrivals.has(p.trip.tripId!)) arrivals.set(p.trip.tripId!, p.tsMs);
    }
    const times = [...arrivals.values()].sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(12);
    for (let i = 1; i < times.length; i++) expect(Math.abs((times[i]! - times[i - 1]!) / 1000 - 600)).toBeLessThanOrEqual(60);
    // and nobody is late in free flow
    for (const c of f.truth().completed) expect(c.finalDelaySec).toBeLessThanOrEqual(30);
  });

  it('a red light delays a bus', () => {
    const l = line('920');
    expect(l.directions[0].signals.length).toBeGreaterThan(5);
    const from = Date.UTC(2026, 10, 4, 8, 0, 0);
    const free = new TransitFleet({ seed: 11, lines: [l] });
    run(free, from, from + 120 * MIN, 1);
    // Every signal of the line: 60 s red, 30 s green, with a queue of 4 vehicles at the start of green.
    const redView = (t: number): TrafficView => ({
      approachGreen: () => Math.floor(t / 1000) % 90 >= 60,
      linkSpeedKmh: () => 50,
      queueVeh: () => 4,
    });
    const red = new TransitFleet({ seed: 11, lines: [l] });
    run(red, from, from + 120 * MIN, 1, redView);
    const freeTrips = new Map(free.truth().completed.map((c) => [c.tripId, c]));
    // Whole trips only (a trip placed mid-route by the warm start passes few signals).
    const pairs = red.truth().completed.filter((c) => freeTrips.has(c.tripId) && c.arrivedAtMs > from + 60 * MIN);
    expect(pairs.length).toBeGreaterThan(3);
    for (const c of pairs) {
      const base = freeTrips.get(c.tripId)!;
      expect(base.signalWaitSec).toBe(0);
      expect(c.signalWaitSec).toBeGreaterThan(60);
      expect(c.finalDelaySec).toBeGreaterThan(base.finalDelaySec + 30);
    }
    const live = red.truth().lines.find((x) => x.lineId === '920');
    expect(live).toBeDefined();
  });

  it('a single red light holds the bus at that stop line until green', () => {
    const l = line('920');
    const sig = l.directions[0].signals[3]!;
    const from = Date.UTC(2026, 10, 4, 8, 0, 0);
    let redUntil = Infinity;
    const view = (t: number): TrafficView => ({
      approachGreen: (x, a) => !(x === sig.intersectionId && a === sig.approachId && t < redUntil),
      linkSpeedKmh: () => 50,
      queueVeh: () => 0,
    });
    const f = new TransitFleet({ seed: 2, lines: [l] });
    let t = from;
    let heldAt: { vehicleId: string; t: number } | null = null;
    for (; t < from + 90 * MIN && !heldAt; t += 1000) {
      f.step(t + 1000, 1, view(t + 1000));
      const v = f.truth().vehicles.find((x) => x.phase === 'signal');
      if (v) heldAt = { vehicleId: v.vehicleId, t };
    }
    expect(heldAt).not.toBeNull();
    // Still held two minutes later, then released once green.
    for (let k = 0; k < 120; k++) f.step((t += 1000), 1, view(t));
    expect(f.truth().vehicles.find((x) => x.vehicleId === heldAt!.vehicleId)?.phase).toBe('signal');
    redUntil = t;
    for (let k = 0; k < 5; k++) f.step((t += 1000), 1, view(t));
    const v = f.truth().vehicles.find((x) => x.vehicleId === heldAt!.vehicleId)!;
    expect(v.phase).not.toBe('signal');
    expect(v.signalWaitSec).toBeGreaterThanOrEqual(120);
  });

  it('reports every 5 s per vehicle and on arrival/departure; every message parses with its schema', () => {
    const f = new TransitFleet({ seed: 1 });
    const meta = f.meta(WED_0800);
    expect(meta).toHaveLength(TRANSIT_LINES.length);
    for (const m of meta) {
      expect(m.retain).toBe(true);
      expect(m.qos).toBe(1);
      expect(Buffer.byteLength(m.payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
      const r = TransitLineMeta.safeParse(JSON.parse(m.payload));
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
      expect(parseTopic(m.topic)).toMatchObject({ kind: 'transit', channel: 'meta' });
    }
    const msgs = run(f, WED_0800, WED_0800 + 2 * MIN, 1);
    const last = new Map<string, number>();
    for (const m of msgs) {
      expect(m.retain).toBe(false);
      expect(m.qos).toBe(0);
      const r = VehiclePosition.safeParse(JSON.parse(m.payload));
      expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
      const t = parseTopic(m.topic)!;
      expect(t.kind).toBe('transit');
      expect(t.channel).toBe('position');
      expect(t.deviceId).toMatch(DEVICE_ID_RE);
      expect(t.deviceId).toBe(r.data!.vehicle.id);
      const prev = last.get(t.deviceId);
      if (prev !== undefined) expect(r.data!.tsMs - prev).toBeLessThanOrEqual(5000);
      last.set(t.deviceId, r.data!.tsMs);
    }
  });
});
