/**
 * Parking garages as field devices: each garage's barrier counters report the occupancy to the
 * guidance system (DATEX II ParkingStatusPublication semantics, see protocol/parking.ts) on change,
 * at most every MIN_REPORT_INTERVAL_MS, and at least every HEARTBEAT_MS.
 *
 * Pure and deterministic: seeded Rng, no timers, no clock, no MQTT.
 *
 * The model, per garage: a target occupancy from the time of day and the garage's demand mix
 * (shopping peaks on Saturday afternoon, commuters on weekday office hours, cinema/theatre in the
 * evening, rail travellers long-stay, a base of contract parkers), times a per-day factor. Cars
 * leave at occupied / mean stay (plus more when the garage is above its target) and arrive at
 * that rate plus the gap to the target over 30 minutes; both Poisson. Arrivals beyond the free
 * spaces are turned away (counted in the ground truth). Events add arrivals on top and release
 * their cars after the event. Closed garages accept no arrivals (cars can still leave).
 */
import type { OpeningTimes, ParkingMeta, ParkingSiteStatus, ParkingStatus, OccupancyTrend } from '../../protocol/parking.ts';
import { WEEKDAYS, parkingTopics } from '../../protocol/parking.ts';
import type { DayType } from '../../protocol/transit.ts';
import type { DemandMix, Garage } from '../city/parking.ts';
import { GARAGES } from '../city/parking.ts';
import { berlinClock, dayTypeOf, hashString } from '../city/transit.ts';
import { Rng } from '../rng.ts';
import type { Msg } from './transit.ts';

export const ALMOST_FULL_AT = 0.9;
export const FULL_AT = 0.98;
export const MIN_REPORT_INTERVAL_MS = 10_000;
export const HEARTBEAT_MS = 60_000;
/** Window for the occupancy trend and the entry/exit rates. */
export const TREND_WINDOW_MIN = 15;
/** Change over the trend window, as a share of capacity, that counts as increasing/decreasing. */
export const TREND_THRESHOLD = 0.02;
/** Time constant with which arrivals/departures close the gap to the target occupancy. */
const TAU_SEC = 1800;
/** Mean time event cars stay after the event's end, seconds. */
const EVENT_EGRESS_SEC = 1800;
const MAX_SUBSTEP_SEC = 30;

/** DATEX II-style status from the counts: closed, full (≥ 98 % or no vacancy), almostFull (≥ 90 %). */
export function parkingSiteStatusFor(occupied: number, capacity: number, open: boolean): ParkingSiteStatus {
  if (!open) return 'closed';
  if (capacity <= 0) return 'statusUnknown';
  if (occupied >= capacity || occupied / capacity >= FULL_AT) return 'full';
  if (occupied / capacity >= ALMOST_FULL_AT) return 'almostFull';
  return 'spacesAvailable';
}

// ---- daily profiles (0..1, by local hour 0..24, linearly interpolated) --------------------------

type Profile = Record<DayType, number[]>;
const flat = (x: number): number[] => Array.from({ length: 25 }, () => x);

const SHOPPING: Profile = {
  //        0  1  2  3  4  5  6  7     8     9     10    11    12    13    14    15    16    17    18    19    20    21    22 23 24
  weekday: [0, 0, 0, 0, 0, 0, 0, 0.02, 0.05, 0.15, 0.35, 0.5, 0.6, 0.62, 0.6, 0.62, 0.66, 0.62, 0.5, 0.3, 0.15, 0.05, 0, 0, 0],
  saturday: [0, 0, 0, 0, 0, 0, 0, 0.02, 0.08, 0.25, 0.55, 0.82, 0.96, 1, 1, 1, 0.95, 0.8, 0.55, 0.3, 0.12, 0.05, 0, 0, 0],
  sunday: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.02, 0.05, 0.08, 0.1, 0.1, 0.1, 0.08, 0.05, 0.03, 0.02, 0, 0, 0, 0, 0],
};
const COMMUTER: Profile = {
  weekday: [0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.1, 0.4, 0.8, 0.95, 0.95, 0.95, 0.92, 0.92, 0.95, 0.92, 0.8, 0.5, 0.25, 0.1, 0.05, 0.03, 0.02, 0.02, 0.02],
  saturday: [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.12, 0.18, 0.2, 0.2, 0.2, 0.18, 0.15, 0.12, 0.1, 0.06, 0.04, 0.03, 0.02, 0.02, 0.02, 0.02, 0.02],
  sunday: flat(0.02),
};
const LEISURE: Profile = {
  weekday: [0.25, 0.1, 0.04, 0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.08, 0.1, 0.12, 0.12, 0.12, 0.15, 0.2, 0.3, 0.5, 0.75, 0.85, 0.8, 0.65, 0.45, 0.25],
  saturday: [0.45, 0.25, 0.1, 0.04, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.22, 0.25, 0.3, 0.35, 0.45, 0.65, 0.9, 1, 1, 0.9, 0.7, 0.45],
  sunday: [0.4, 0.2, 0.08, 0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.6, 0.5, 0.35, 0.2, 0.1],
};
const STATION: Profile = {
  weekday: [0.35, 0.35, 0.35, 0.35, 0.35, 0.38, 0.45, 0.65, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.82, 0.75, 0.6, 0.5, 0.45, 0.42, 0.4, 0.38, 0.35],
  saturday: [0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.38, 0.42, 0.48, 0.52, 0.55, 0.55, 0.55, 0.55, 0.55, 0.52, 0.5, 0.48, 0.45, 0.42, 0.4, 0.38, 0.37, 0.36, 0.35],
  sunday: [0.35, 0.35, 0.35, 0.35, 0.35, 0.35, 0.36, 0.38, 0.42, 0.45, 0.48, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.48, 0.45, 0.42, 0.4, 0.38, 0.36, 0.35],
};

function interp(p: number[], hour: number): number {
  const i = Math.max(0, Math.min(23, Math.floor(hour)));
  const f = hour - i;
  return p[i]! * (1 - f) + p[i + 1]! * f;
}

/** Target occupancy (share of capacity, may exceed 1 = more demand than spaces) of a demand mix. */
export function targetOccupancy(mix: DemandMix, dayType: DayType, hour: number, dayFactor = 1): number {
  const demand =
    mix.shopping * interp(SHOPPING[dayType], hour) +
    mix.commuter * interp(COMMUTER[dayType], hour) +
    mix.leisure * interp(LEISURE[dayType], hour) +
    mix.station * interp(STATION[dayType], hour);
  return Math.max(0, Math.min(1.1, mix.base + demand * dayFactor));
}

/** Whether the opening times admit entry at local weekday `wd` (0 = Monday) and `minute` of day. */
export function isOpenAt(o: OpeningTimes, wd: number, minute: number): boolean {
  if (o.alwaysOpen) return true;
  const toMin = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  for (const p of o.periods ?? []) {
    const from = toMin(p.from);
    const to = toMin(p.to);
    const today = WEEKDAYS[wd]!;
    const yesterday = WEEKDAYS[(wd + 6) % 7]!;
    if (to > from) {
      if (p.days.includes(today) && minute >= from && minute < to) return true;
    } else {
      // Runs past midnight.
      if (p.days.includes(today) && minute >= from) return true;
      if (p.days.includes(yesterday) && minute < to) return true;
    }
  }
  return false;
}

// ---- the emulator ---------------------------------------------------------------------------------

interface ParkingEvent {
  garageIds: string[];
  startMs: number;
  endMs: number;
  extraArrivalsVehH: number;
}

interface GarageState {
  g: Garage;
  rng: Rng;
  /** Regular cars parked. */
  regular: number;
  /** Cars of events parked. */
  eventCars: number;
  entryRateVehH: number;
  exitRateVehH: number;
  /** Occupied count at the start of each of the last minutes (newest last). */
  history: { minute: number; occupied: number }[];
  lastPub: { tsMs: number; occupied: number; status: ParkingSiteStatus; trend: OccupancyTrend } | null;
  turnedAway: number;
}

export interface GarageTruth {
  id: string;
  capacity: number;
  occupied: number;
  eventCars: number;
  targetOccupancy: number;
  status: ParkingSiteStatus;
  open: boolean;
  /** Arrivals turned away because the garage was full, since start. */
  turnedAway: number;
}

export function parkingMeta(g: Garage, tsMs: number): ParkingMeta {
  return {
    id: g.id,
    name: g.name,
    zone: g.zone,
    lon: g.pos[0],
    lat: g.pos[1],
    address: g.address,
    totalParkingCapacity: g.capacity,
    parkingType: g.parkingType,
    ...(g.operator ? { operator: g.operator } : {}),
    openingTimes: g.openingTimes,
    estimated: g.estimated,
    tsMs,
  };
}

export class ParkingGuidance {
  readonly garages: readonly Garage[];
  readonly #states: GarageState[];
  readonly #events: ParkingEvent[] = [];
  #nowMs: number | null = null;
  #clock: { minute: number; dayType: DayType; hour: number; wd: number; minuteOfDay: number; date: string } | null = null;

  constructor(opts: { seed: number; garages?: readonly Garage[] }) {
    this.garages = opts.garages ?? GARAGES;
    const rng = new Rng(opts.seed ^ 0x5eed9a2c);
    this.#states = this.garages.map((g, i) => ({
      g,
      rng: rng.fork(i),
      regular: 0,
      eventCars: 0,
      entryRateVehH: 0,
      exitRateVehH: 0,
      history: [],
      lastPub: null,
      turnedAway: 0,
    }));
  }

  meta(tsMs: number): Msg[] {
    return this.garages.map((g) => ({ topic: parkingTopics.meta(g.id), payload: JSON.stringify(parkingMeta(g, tsMs)), qos: 1 as const, retain: true }));
  }

  /**
   * Extra demand of an event (concert, match, Christmas market): `extraArrivalsVehH` vehicles per
   * hour arrive from `startMs` to `endMs`, shared among `garageIds` in proportion to capacity; they
   * leave over the half hour or so after `endMs`.
   */
  addEvent(garageIds: string[], startMs: number, endMs: number, extraArrivalsVehH: number): void {
    const known = new Set(this.garages.map((g) => g.id));
    for (const id of garageIds) if (!known.has(id)) throw new Error(`addEvent: unknown garage ${id}`);
    if (!(endMs > startMs)) throw new Error('addEvent: endMs must be after startMs');
    if (!(extraArrivalsVehH >= 0)) throw new Error('addEvent: extraArrivalsVehH must be >= 0');
    this.#events.push({ garageIds: [...garageIds], startMs, endMs, extraArrivalsVehH });
  }

  step(modelTimeMs: number, dtSec: number): Msg[] {
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
      for (const s of this.#states) this.#advance(s, t, h);
      for (const s of this.#states) {
        const m = this.#maybeReport(s, t);
        if (m) out.push(m);
      }
      now = t;
      remaining -= h;
    }
    this.#nowMs = modelTimeMs;
    return out;
  }

  truth(): GarageTruth[] {
    const t = this.#nowMs ?? 0;
    const c = this.#clockAt(t);
    return this.#states.map((s) => {
      const occ = s.regular + s.eventCars;
      const open = isOpenAt(s.g.openingTimes, c.wd, c.minuteOfDay);
      return {
        id: s.g.id,
        capacity: s.g.capacity,
        occupied: occ,
        eventCars: s.eventCars,
        targetOccupancy: this.#target(s, t),
        status: parkingSiteStatusFor(occ, s.g.capacity, open),
        open,
        turnedAway: s.turnedAway,
      };
    });
  }

  #clockAt(t: number): { dayType: DayType; hour: number; wd: number; minuteOfDay: number; date: string } {
    const minute = Math.floor(t / 60_000);
    if (this.#clock?.minute !== minute) {
      const c = berlinClock(t);
      this.#clock = { minute, dayType: dayTypeOf(c.weekday), hour: c.hour, wd: c.weekday, minuteOfDay: Math.floor(c.hour * 60), date: `${c.year}-${c.month}-${c.day}` };
    }
    return this.#clock;
  }

  #target(s: GarageState, t: number): number {
    const c = this.#clockAt(t);
    // Day-to-day variation: ±8 %, fixed per garage and date (independent of how time was stepped).
    const dayFactor = 0.92 + 0.16 * ((hashString(`${s.g.id}/${c.date}`) % 1000) / 1000);
    return targetOccupancy(s.g.mix, c.dayType, c.hour, dayFactor);
  }

  #warmStart(t: number): void {
    for (const s of this.#states) {
      s.regular = Math.min(s.g.capacity, Math.round(this.#target(s, t) * s.g.capacity));
      const turnover = s.regular / s.g.meanStayH;
      s.entryRateVehH = turnover;
      s.exitRateVehH = turnover;
    }
  }

  #advance(s: GarageState, t: number, h: number): void {
    const g = s.g;
    const cap = g.capacity;
    const c = this.#clockAt(t);
    const open = isOpenAt(g.openingTimes, c.wd, c.minuteOfDay);
    const target = this.#target(s, t) * cap;
    const gap = target - s.regular;
    const depRate = s.regular / (g.meanStayH * 3600) + Math.max(0, -gap) / TAU_SEC;
    const arrRate = open ? Math.max(0, s.regular / (g.meanStayH * 3600) + gap / TAU_SEC) : 0;
    let eventArr = 0;
    let eventDepRate = 0;
    for (const e of this.#events) {
      if (!e.garageIds.includes(g.id)) continue;
      const share = g.capacity / this.garages.filter((x) => e.garageIds.includes(x.id)).reduce((a, x) => a + x.capacity, 0);
      if (t > e.startMs && t <= e.endMs && open) eventArr += (e.extraArrivalsVehH * share) / 3600;
    }
    // Event cars leave once no event of theirs is still running.
    const eventRunning = this.#events.some((e) => e.garageIds.includes(g.id) && t > e.startMs && t <= e.endMs);
    if (!eventRunning && s.eventCars > 0) eventDepRate = s.eventCars / EVENT_EGRESS_SEC;

    const departures = Math.min(s.regular, s.rng.poisson(depRate * h));
    const eventDepartures = Math.min(s.eventCars, s.rng.poisson(eventDepRate * h));
    s.regular -= departures;
    s.eventCars -= eventDepartures;
    const wantEvent = s.rng.poisson(eventArr * h);
    const want = s.rng.poisson(arrRate * h);
    let free = cap - s.regular - s.eventCars;
    const acceptedEvent = Math.min(wantEvent, Math.max(0, free));
    free -= acceptedEvent;
    const accepted = Math.min(want, Math.max(0, free));
    s.turnedAway += want - accepted + wantEvent - acceptedEvent;
    s.regular += accepted;
    s.eventCars += acceptedEvent;
    // Exponentially weighted rates over the trend window (DATEX II vehicleCountAndRate, as veh/h).
    const a = Math.min(1, h / (TREND_WINDOW_MIN * 60));
    s.entryRateVehH += (((accepted + acceptedEvent) * 3600) / h - s.entryRateVehH) * a;
    s.exitRateVehH += (((departures + eventDepartures) * 3600) / h - s.exitRateVehH) * a;
    const minute = Math.floor(t / 60_000);
    const last = s.history[s.history.length - 1];
    if (!last || last.minute !== minute) {
      s.history.push({ minute, occupied: s.regular + s.eventCars });
      if (s.history.length > TREND_WINDOW_MIN + 1) s.history.shift();
    }
  }

  #trend(s: GarageState): OccupancyTrend {
    const first = s.history[0];
    if (!first) return 'stable';
    const d = (s.regular + s.eventCars - first.occupied) / s.g.capacity;
    return d > TREND_THRESHOLD ? 'increasing' : d < -TREND_THRESHOLD ? 'decreasing' : 'stable';
  }

  #maybeReport(s: GarageState, t: number): Msg | null {
    const c = this.#clockAt(t);
    const open = isOpenAt(s.g.openingTimes, c.wd, c.minuteOfDay);
    const occupied = s.regular + s.eventCars;
    const status = parkingSiteStatusFor(occupied, s.g.capacity, open);
    const trend = this.#trend(s);
    const lp = s.lastPub;
    const changed = !lp || lp.occupied !== occupied || lp.status !== status || lp.trend !== trend;
    const since = lp ? t - lp.tsMs : Infinity;
    if (!(since >= HEARTBEAT_MS || (changed && since >= MIN_REPORT_INTERVAL_MS))) return null;
    const tsMs = Math.round(t);
    const payload: ParkingStatus = {
      tsMs,
      occupiedSpaces: occupied,
      vacantSpaces: s.g.capacity - occupied,
      parkingSiteStatus: status,
      occupancy: Math.round((occupied / s.g.capacity) * 1000) / 1000,
      occupancyTrend: trend,
      entryRateVehH: Math.round(s.entryRateVehH),
      exitRateVehH: Math.round(s.exitRateVehH),
    };
    s.lastPub = { tsMs, occupied, status, trend };
    return { topic: parkingTopics.status(s.g.id), payload: JSON.stringify(payload), qos: 0, retain: false };
  }
}
