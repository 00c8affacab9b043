/**
 * Transit vehicles and the parking guidance system as one simulated device group, for the
 * simulator's runner: `meta()` once (retained announcements), then `step()` every tick.
 *
 *   const tp = createTransitAndParking({ seed: 1 });
 *   publishAll(tp.meta());
 *   every tick: publishAll(tp.step(modelNowMs, dtSec, trafficView));
 *
 * Pure and deterministic for a seed (no timers, no clock, no MQTT). Message timestamps (`tsMs`, and
 * GTFS-RT `timestamp`) are the *model* time passed to `step`; at SIM_SPEED > 1 the runner may want
 * to restamp or run the model on wall time (see sim/run.ts for the detector convention).
 */
import { ParkingGuidance } from './devices/parking.ts';
import type { GarageTruth } from './devices/parking.ts';
import { TransitFleet } from './devices/transit.ts';
import type { Msg, TrafficView, TransitTruth } from './devices/transit.ts';

export type { Msg, TrafficView } from './devices/transit.ts';

export interface TransitAndParking {
  /** Retained announcements: every transit line and every garage (QoS 1, retain). */
  meta(tsMs?: number): Msg[];
  /** Advances both to `modelTimeMs` (`dtSec` after the previous call) and returns what to publish. */
  step(modelTimeMs: number, dtSec: number, traffic?: TrafficView): Msg[];
  /** Extra parking demand of an event (see ParkingGuidance.addEvent). */
  addParkingEvent(garageIds: string[], startMs: number, endMs: number, extraArrivalsVehH: number): void;
  /** Ground truth for judging: per-vehicle and per-line delay, per-garage occupancy. */
  truth(): { transit: TransitTruth; parking: GarageTruth[] };
  readonly transit: TransitFleet;
  readonly parking: ParkingGuidance;
}

export function createTransitAndParking(opts: { seed: number }): TransitAndParking {
  const transit = new TransitFleet({ seed: opts.seed });
  const parking = new ParkingGuidance({ seed: opts.seed });
  let lastMs: number | null = null;
  return {
    transit,
    parking,
    meta(tsMs?: number): Msg[] {
      // Retained meta may be old (the contract allows it); without a time yet, the wall clock is the
      // honest "announced at" (the one non-deterministic value, and not part of any measurement).
      const ts = tsMs ?? lastMs ?? Date.now();
      return [...transit.meta(ts), ...parking.meta(ts)];
    },
    step(modelTimeMs: number, dtSec: number, traffic?: TrafficView): Msg[] {
      lastMs = modelTimeMs;
      return [...transit.step(modelTimeMs, dtSec, traffic), ...parking.step(modelTimeMs, dtSec)];
    },
    addParkingEvent(garageIds, startMs, endMs, extraArrivalsVehH) {
      parking.addEvent(garageIds, startMs, endMs, extraArrivalsVehH);
    },
    truth() {
      return { transit: transit.truth(), parking: parking.truth() };
    },
  };
}
