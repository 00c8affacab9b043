/**
 * Street lighting as field devices: ~460 control cabinets and the ~46,000 lamp nodes they feed.
 *
 * Behaviour
 * - Each cabinet switches its lamps by a light sensor (lux from the weather station, times a
 *   per-cabinet sensor factor, with hysteresis: on below ~20-50 lx, off above ~2.5x that), backed by
 *   an astronomical clock (NOAA sunrise/sunset): always on from 40 min after sunset to 40 min
 *   before sunrise, whatever the sensor says. LED cabinets mostly dim to 50 % from ~23:00 to ~05:00.
 * - Sodium and metal-halide lamps run up for 2-5 min after switch-on (`bootingUp`, 115 % power).
 * - Lamps report on change (with a 1-20 s random back-off, as mesh nodes do) and on a heartbeat
 *   every 15 min in a fixed slot: slots are spread evenly over the period, so 46,000 lamps send
 *   ~51 heartbeats a second, never a burst.
 * - Faults at rates typical of a German city mid-way through LED conversion (per lamp-year: lamp out
 *   2 % LED / 15-20 % discharge lamps, flicker, day burner, power drift, column damage, node comms
 *   loss; per cabinet-year: breaker trips, supply failures, comms losses), repaired after days
 *   (lamps) or hours (cabinets). A lamp fault is only seen when it can be: a dead lamp shows when
 *   it is switched on, a day burner when its cabinet is off; once seen, the node latches it.
 * - A dead cabinet (supply failure, breaker tripped) sends ONE state message with `fault`; its
 *   lamps lose power and fall silent (no per-lamp messages). A cabinet whose lamp network is down
 *   reports `commsOk: false` and its lamps fall silent while still lit; a cabinet whose backhaul is
 *   down falls silent altogether (the hub notices the missing heartbeats).
 *
 * Scenario API: injectCabinetOutage / restoreCabinet, injectCabinetCommsLoss / restoreCabinetComms,
 * injectLampFault / repairLamp, setFaultRateScale, setAutoRepair; activeFaults() and stats to check.
 * Injected faults stay until cleared (or `repairAfterHours`); random ones are repaired by the crews.
 *
 * Cost: struct-of-arrays state; a step touches the cabinets (~460), the lamps whose heartbeat slot
 * is due (~51 per second), the lamps with a pending event (time wheel by due second) and the few
 * drifting lamps -- never all 46,000.
 */
import {
  lightingTopics,
  type CabinetFault,
  type CabinetMeta,
  type LampFault,
  type LampTechnology,
} from '../../protocol/lighting.ts';
import { TECHNOLOGIES, TECH_HPS, TECH_LED, TECH_MH, type LampInventory } from '../city/lighting.ts';
import type { Rng } from '../rng.ts';
import { berlinHour, clearSkyLux, identityStamp, solarElevationDeg, sunTimes, type Msg, type Stamp } from './environment.ts';

// ---- fault bits per lamp --------------------------------------------------------------------------
const F_OUT = 1;
const F_FLICKER = 2;
const F_DAYBURN = 4;
const F_ANOMALY = 8;
const F_COLUMN = 16;
const F_COMMS = 32;
/** Bits that appear in the `faults` list of a LampState (same order as the protocol's names). */
const VISIBLE = F_OUT | F_FLICKER | F_DAYBURN | F_ANOMALY;

export const LAMP_FAULT_KINDS = ['out', 'flicker', 'dayBurner', 'powerAnomaly', 'columnIssue', 'commsLost'] as const;
export type LampFaultKind = (typeof LAMP_FAULT_KINDS)[number];
const KIND_BIT: Record<LampFaultKind, number> = {
  out: F_OUT,
  flicker: F_FLICKER,
  dayBurner: F_DAYBURN,
  powerAnomaly: F_ANOMALY,
  columnIssue: F_COLUMN,
  commsLost: F_COMMS,
};

export const CABINET_FAULT_KINDS = ['supplyFailure', 'breakerTripped', 'lampNetworkDown', 'backhaulDown'] as const;
export type CabinetFaultKind = (typeof CABINET_FAULT_KINDS)[number];

const YEAR_SEC = 365.25 * 86_400;

/** New faults per lamp-year, by technology index (LED, HPS, CFL, fluorescent, MH). */
const LAMP_RATES: Record<LampFaultKind, readonly number[]> = {
  out: [0.02, 0.2, 0.2, 0.15, 0.15],
  flicker: [0.003, 0.07, 0.03, 0.03, 0.05],
  dayBurner: [0.008, 0.008, 0.008, 0.008, 0.008],
  powerAnomaly: [0.006, 0.006, 0.006, 0.006, 0.006],
  columnIssue: [0.003, 0.003, 0.003, 0.003, 0.003],
  commsLost: [0.01, 0.01, 0.01, 0.01, 0.01],
};
/** Repair delay, hours [min, max] (uniform). */
const LAMP_REPAIR_H: Record<LampFaultKind, readonly [number, number]> = {
  out: [24, 168],
  flicker: [48, 240],
  dayBurner: [24, 120],
  powerAnomaly: [72, 336],
  columnIssue: [12, 72],
  commsLost: [72, 336],
};
/** New faults per cabinet-year. */
const CABINET_RATES: Record<CabinetFaultKind, number> = {
  breakerTripped: 0.35,
  supplyFailure: 0.15,
  lampNetworkDown: 0.15,
  backhaulDown: 0.1,
};
const CABINET_REPAIR_H: Record<CabinetFaultKind, readonly [number, number]> = {
  breakerTripped: [1, 6],
  supplyFailure: [1, 8],
  lampNetworkDown: [4, 48],
  backhaulDown: [2, 24],
};

// ---- observed-state codes -------------------------------------------------------------------------
const STATUS = ['ok', 'defectiveLamp', 'columnIssue'] as const;
const POWER = ['off', 'on', 'low', 'bootingUp'] as const;
const P_OFF = 0;
const P_ON = 1;
const P_LOW = 2;
const P_BOOT = 3;
/** Cabinet output: 0 off, 1 on, 2 dimmed. */
const OUT_OFF = 0;
const OUT_ON = 1;
const OUT_LOW = 2;
const CAB_FAULT_NAMES: readonly (CabinetFault | null)[] = [null, 'supplyFailure', 'breakerTripped'];

/** `,"faults":[...]` suffix for every combination of the visible fault bits. */
const FAULT_SUFFIX: string[] = Array.from({ length: 16 }, (_, m) => {
  const names: LampFault[] = [];
  if (m & F_OUT) names.push('out');
  if (m & F_FLICKER) names.push('flicker');
  if (m & F_DAYBURN) names.push('dayBurner');
  if (m & F_ANOMALY) names.push('powerAnomaly');
  return names.length ? `,"faults":${JSON.stringify(names)}` : '';
});

const WHEEL = 1024; // seconds; every scheduled lamp event is due within 300 s
const DEFAULT_HEARTBEAT_SEC = 900;
const ASTRO_MARGIN_MS = 40 * 60_000;

export interface LightingOptions {
  inventory: LampInventory;
  rng: Rng;
  stamp?: Stamp;
  /** Lamp and cabinet heartbeat period, seconds (default 900). */
  heartbeatSec?: number;
  /** Multiplies every random fault rate (0 = no random faults; 10 = a busy demo). Default 1. */
  faultRateScale?: number;
  /** Repair random faults after a realistic delay (default true). Injected faults: see InjectOptions. */
  autoRepair?: boolean;
  /** Seed the steady-state backlog of open faults at start (default true). */
  initialBacklog?: boolean;
}

export interface LightingStats {
  lampMessages: number;
  lampHeartbeats: number;
  cabinetMessages: number;
  faultsStarted: Record<LampFaultKind | CabinetFaultKind, number>;
  repairs: number;
}

export interface InjectOptions {
  /** Repair the injected fault by itself after this many model hours (default: never). */
  repairAfterHours?: number;
}

function repairDelayMs(opts: InjectOptions): number | null {
  return opts.repairAfterHours === undefined ? null : Math.max(0, opts.repairAfterHours) * 3_600_000;
}

/** A random repair delay, ms, uniform in [a, b] hours. */
function uniformH(rng: Rng, [a, b]: readonly [number, number]): number {
  return (a + (b - a) * rng.next()) * 3_600_000;
}

export class LightingEmulator {
  readonly inventory: LampInventory;
  readonly #rng: Rng;
  readonly #stamp: Stamp;
  readonly #hbSec: number;
  #scale: number;
  #autoRepair: boolean;
  readonly #backlog: boolean;
  readonly #n: number;
  readonly #c: number;
  readonly #lampTopic: string[];
  readonly #cabIndex: Map<string, number>;
  readonly #lampIndex: Map<string, number>;

  // lamps
  readonly #fault: Uint8Array;
  readonly #seen: Uint8Array;
  readonly #booting: Uint8Array;
  readonly #pending: Uint8Array;
  readonly #drift: Float32Array;
  readonly #driftRate: Float32Array;
  readonly #eff: Float32Array;
  readonly #w: Float32Array;
  readonly #repStatus: Uint8Array;
  readonly #repPower: Uint8Array;
  readonly #repLevel: Uint8Array;
  readonly #repFaults: Uint8Array;
  readonly #repW: Float32Array;
  /** 0 = never reported (or must announce itself again). */
  readonly #hasRep: Uint8Array;
  #anomalies: number[] = [];

  // cabinets
  readonly #cabOut: Uint8Array;
  /** 0 none, 1 supplyFailure, 2 breakerTripped. */
  readonly #cabFault: Uint8Array;
  readonly #cabNetDown: Uint8Array;
  readonly #cabSilent: Uint8Array;
  readonly #cabOnLux: Float32Array;
  readonly #cabOffLux: Float32Array;
  readonly #cabSensor: Float32Array;
  readonly #cabDims: Uint8Array;
  readonly #cabDimOffsetMin: Float32Array;
  readonly #cabPowerW: Float64Array;
  readonly #cabEnergyKWh: Float64Array;
  readonly #cabNextHbMs: Float64Array;
  readonly #cabReportQueue = new Set<number>();

  // schedules
  readonly #wheel: number[][];
  readonly #hbStart: Int32Array;
  readonly #hbLamps: Int32Array;
  /** Min-heap of repairs: due time and code (index * 16 + kind). */
  #heapDue: number[] = [];
  #heapCode: number[] = [];
  /** The repair currently in force per code: heap entries that no longer match are stale and skipped. */
  readonly #repairDue = new Map<number, number>();

  #initialised = false;
  #lastMs = 0;
  #lastSec = 0;
  #sunDay = -1;
  #sunriseMs = 0;
  #sunsetMs = 0;
  #stats: LightingStats;

  constructor(opts: LightingOptions) {
    const inv = opts.inventory;
    this.inventory = inv;
    this.#rng = opts.rng;
    this.#stamp = opts.stamp ?? identityStamp;
    this.#hbSec = Math.max(1, Math.round(opts.heartbeatSec ?? DEFAULT_HEARTBEAT_SEC));
    this.#scale = opts.faultRateScale ?? 1;
    this.#autoRepair = opts.autoRepair ?? true;
    this.#backlog = opts.initialBacklog ?? true;
    const n = (this.#n = inv.lampIds.length);
    const c = (this.#c = inv.cabinets.length);
    this.#lampTopic = inv.lampIds.map((id) => lightingTopics.lampState(id));
    this.#cabIndex = new Map(inv.cabinets.map((cab, i) => [cab.id, i] as const));
    this.#lampIndex = new Map(inv.lampIds.map((id, i) => [id, i] as const));

    this.#fault = new Uint8Array(n);
    this.#seen = new Uint8Array(n);
    this.#booting = new Uint8Array(n);
    this.#pending = new Uint8Array(n);
    this.#drift = new Float32Array(n).fill(1);
    this.#driftRate = new Float32Array(n);
    this.#eff = new Float32Array(n);
    this.#w = new Float32Array(n);
    this.#repStatus = new Uint8Array(n);
    this.#repPower = new Uint8Array(n);
    this.#repLevel = new Uint8Array(n);
    this.#repFaults = new Uint8Array(n);
    this.#repW = new Float32Array(n);
    this.#hasRep = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.#eff[i] = 0.97 + 0.08 * this.#rng.next();

    this.#cabOut = new Uint8Array(c);
    this.#cabFault = new Uint8Array(c);
    this.#cabNetDown = new Uint8Array(c);
    this.#cabSilent = new Uint8Array(c);
    this.#cabOnLux = new Float32Array(c);
    this.#cabOffLux = new Float32Array(c);
    this.#cabSensor = new Float32Array(c);
    this.#cabDims = new Uint8Array(c);
    this.#cabDimOffsetMin = new Float32Array(c);
    this.#cabPowerW = new Float64Array(c);
    this.#cabEnergyKWh = new Float64Array(c);
    this.#cabNextHbMs = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      const cab = inv.cabinets[k]!;
      this.#cabOnLux[k] = 20 + 30 * this.#rng.next();
      this.#cabOffLux[k] = this.#cabOnLux[k]! * (2 + this.#rng.next());
      this.#cabSensor[k] = 0.7 + 0.6 * this.#rng.next(); // dirt, shading, orientation
      let led = 0;
      for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) if (inv.tech[i] === TECH_LED) led++;
      this.#cabDims[k] = led * 2 > cab.lampCount && this.#rng.next() < 0.8 ? 1 : 0;
      this.#cabDimOffsetMin[k] = 15 * this.#rng.next();
      this.#cabEnergyKWh[k] = Math.round(20_000 + 180_000 * this.#rng.next());
    }

    this.#wheel = Array.from({ length: WHEEL }, () => []);
    // Heartbeat slots: a random permutation of the lamps spread evenly over the period.
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.#rng.next() * (i + 1));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const h = this.#hbSec;
    this.#hbStart = new Int32Array(h + 1);
    for (let r = 0; r < n; r++) this.#hbStart[Math.floor((r * h) / n) + 1]!++;
    for (let b = 0; b < h; b++) this.#hbStart[b + 1]! += this.#hbStart[b]!;
    this.#hbLamps = perm; // rank r sits in slot floor(r*h/n): CSR order is the permutation itself

    this.#stats = {
      lampMessages: 0,
      lampHeartbeats: 0,
      cabinetMessages: 0,
      faultsStarted: Object.fromEntries([...LAMP_FAULT_KINDS, ...CABINET_FAULT_KINDS].map((k) => [k, 0])) as LightingStats['faultsStarted'],
      repairs: 0,
    };
  }

  // ---- public API ------------------------------------------------------------------------------

  /** Retained meta of every cabinet (with its lamps), each well under 64 KiB. */
  meta(tsMs: number): Msg[] {
    const inv = this.inventory;
    const ts = this.#stamp(tsMs);
    return inv.cabinets.map((cab) => {
      const lamps: CabinetMeta['lamps'] = [];
      for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
        lamps.push({
          id: inv.lampIds[i]!,
          lon: inv.lon[i]!,
          lat: inv.lat[i]!,
          powerNominalW: inv.nominalW[i]!,
          lampTechnology: TECHNOLOGIES[inv.tech[i]!] as LampTechnology,
        });
      }
      const m: CabinetMeta = { id: cab.id, district: cab.district, lon: cab.lon, lat: cab.lat, lamps, generated: true, tsMs: ts };
      return { topic: lightingTopics.cabinetMeta(cab.id), payload: JSON.stringify(m), qos: 1, retain: true };
    });
  }

  get stats(): Readonly<LightingStats> {
    return this.#stats;
  }

  setFaultRateScale(scale: number): void {
    this.#scale = Math.max(0, scale);
  }

  setAutoRepair(on: boolean): void {
    this.#autoRepair = on;
  }

  lampIdsOf(cabinetId: string): string[] {
    const c = this.#cab(cabinetId);
    const cab = this.inventory.cabinets[c]!;
    return this.inventory.lampIds.slice(cab.firstLamp, cab.firstLamp + cab.lampCount);
  }

  /** Faults open right now, by kind (lamps and cabinets). */
  activeFaults(): Record<LampFaultKind | CabinetFaultKind, number> {
    const r = Object.fromEntries([...LAMP_FAULT_KINDS, ...CABINET_FAULT_KINDS].map((k) => [k, 0])) as Record<LampFaultKind | CabinetFaultKind, number>;
    for (let i = 0; i < this.#n; i++) {
      const f = this.#fault[i]!;
      if (f === 0) continue;
      for (const k of LAMP_FAULT_KINDS) if (f & KIND_BIT[k]) r[k]++;
    }
    for (let c = 0; c < this.#c; c++) {
      if (this.#cabFault[c] === 1) r.supplyFailure++;
      if (this.#cabFault[c] === 2) r.breakerTripped++;
      if (this.#cabNetDown[c]) r.lampNetworkDown++;
      if (this.#cabSilent[c]) r.backhaulDown++;
    }
    return r;
  }

  /** Lamps giving light right now (illuminance level > 0), for plausibility checks. */
  litCount(): number {
    let k = 0;
    for (let i = 0; i < this.#n; i++) {
      this.#observe(i, false);
      if (oLevel > 0) k++;
    }
    return k;
  }

  /**
   * Kill a cabinet's supply: one cabinet message with `fault`, its lamps go dark and silent.
   * Injected faults stay until the scenario clears them (`restoreCabinet`), unless
   * `repairAfterHours` is given.
   */
  injectCabinetOutage(cabinetId: string, fault: CabinetFault = 'supplyFailure', opts: InjectOptions = {}): void {
    this.#cabinetOutage(this.#cab(cabinetId), fault === 'supplyFailure' ? 1 : 2, this.#lastMs, repairDelayMs(opts));
  }

  /** Supply back: the cabinet reports, its lamps boot and announce themselves. */
  restoreCabinet(cabinetId: string): void {
    this.#restoreCabinet(this.#cab(cabinetId));
  }

  /**
   * Comms loss: 'lampNetwork' = the cabinet reports `commsOk: false`, its lamps stay lit but silent;
   * 'backhaul' = the cabinet and its lamps fall silent altogether.
   */
  injectCabinetCommsLoss(cabinetId: string, scope: 'lampNetwork' | 'backhaul' = 'lampNetwork', opts: InjectOptions = {}): void {
    this.#cabinetComms(this.#cab(cabinetId), scope, true, this.#lastMs, repairDelayMs(opts));
  }

  restoreCabinetComms(cabinetId: string): void {
    const c = this.#cab(cabinetId);
    if (this.#cabNetDown[c]) this.#cabinetComms(c, 'lampNetwork', false, this.#lastMs, null);
    if (this.#cabSilent[c]) this.#cabinetComms(c, 'backhaul', false, this.#lastMs, null);
  }

  injectLampFault(lampId: string, kind: LampFaultKind, opts: InjectOptions = {}): void {
    const i = this.#lampIndex.get(lampId);
    if (i === undefined) throw new Error(`unknown lamp ${lampId}`);
    if (!this.#initialised) throw new Error('LightingEmulator: call step() once before injecting faults');
    this.#lampFault(i, kind, this.#lastMs, repairDelayMs(opts), this.#lastSec, true);
  }

  repairLamp(lampId: string): void {
    const i = this.#lampIndex.get(lampId);
    if (i === undefined) throw new Error(`unknown lamp ${lampId}`);
    for (const k of LAMP_FAULT_KINDS) if (this.#fault[i]! & KIND_BIT[k]) this.#repairLamp(i, k, this.#lastSec);
  }

  // ---- stepping --------------------------------------------------------------------------------

  /**
   * Advance to `modelTimeMs` (the end of a step of `dtSec`). `illuminanceLux` is what the light
   * sensors see (the weather station's value); without it, clear-sky lux from the sun's elevation.
   */
  step(modelTimeMs: number, dtSec: number, input: { illuminanceLux?: number } = {}): Msg[] {
    const out: Msg[] = [];
    const lux = input.illuminanceLux ?? clearSkyLux(solarElevationDeg(modelTimeMs));
    if (!this.#initialised) {
      this.#init(modelTimeMs, lux, out);
      return out;
    }
    const dt = (modelTimeMs - this.#lastMs) / 1000;
    if (dt <= 0) return out;
    void dtSec; // the emulator keeps its own clock; dtSec is implied by successive modelTimeMs
    const nowSec = Math.floor(modelTimeMs / 1000);

    // Reports asked for by the scenario API since the last step.
    for (const c of this.#cabReportQueue) this.#emitCabinet(c, modelTimeMs, out);
    this.#cabReportQueue.clear();

    this.#repairsDue(modelTimeMs);
    if (this.#scale > 0) this.#randomFaults(dt, modelTimeMs, out);
    this.#control(modelTimeMs, lux, out);
    this.#updateDrift(dt, nowSec);

    for (let s = this.#lastSec + 1; s <= nowSec; s++) {
      this.#wheelSlot(s, out);
      this.#heartbeats(s, out);
    }

    for (let c = 0; c < this.#c; c++) {
      if (this.#cabFault[c] === 0) this.#cabEnergyKWh[c]! += (this.#cabPowerW[c]! * dt) / 3_600_000;
      if (modelTimeMs >= this.#cabNextHbMs[c]!) this.#emitCabinet(c, modelTimeMs, out);
    }
    this.#lastMs = modelTimeMs;
    this.#lastSec = nowSec;
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------

  #cab(id: string): number {
    if (!this.#initialised) throw new Error('LightingEmulator: call step() once before injecting faults');
    const c = this.#cabIndex.get(id);
    if (c === undefined) throw new Error(`unknown cabinet ${id}`);
    return c;
  }

  #init(t: number, lux: number, out: Msg[]): void {
    this.#initialised = true;
    this.#lastMs = t;
    this.#lastSec = Math.floor(t / 1000);
    const astroNight = this.#astroNight(t);
    const localMin = berlinHour(t) * 60;
    for (let c = 0; c < this.#c; c++) {
      this.#cabOut[c] = this.#desired(c, OUT_OFF, lux, astroNight, localMin);
    }
    if (this.#backlog && this.#scale > 0) this.#seedBacklog(t);
    for (let c = 0; c < this.#c; c++) {
      const cab = this.inventory.cabinets[c]!;
      let p = 20; // controller, meter, modem
      for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
        this.#observe(i);
        this.#w[i] = oW;
        p += oW;
        // The state before the simulator started counts as known: lamps next speak at their heartbeat.
        this.#remember(i);
      }
      this.#cabPowerW[c] = p;
      this.#emitCabinet(c, t, out);
      // Spread the cabinets' heartbeats over the period.
      this.#cabNextHbMs[c] = t + Math.floor(this.#rng.next() * this.#hbSec) * 1000 + 1000;
    }
  }

  /** Open faults as in a steady state: rate x mean repair time, latched as already seen. */
  #seedBacklog(t: number): void {
    const tech = this.inventory.tech;
    for (const kind of LAMP_FAULT_KINDS) {
      const rates = LAMP_RATES[kind];
      const [a, b] = LAMP_REPAIR_H[kind];
      const maxRate = Math.max(...rates);
      const expected = (this.#n * maxRate * this.#scale * ((a + b) / 2)) / 8766;
      const draws = this.#rng.poisson(expected);
      for (let k = 0; k < draws; k++) {
        const i = Math.floor(this.#rng.next() * this.#n);
        if (this.#rng.next() >= rates[tech[i]!]! / maxRate || this.#fault[i] !== 0) continue;
        this.#fault[i] = KIND_BIT[kind];
        this.#seen[i] = KIND_BIT[kind] & VISIBLE & ~F_ANOMALY;
        if (kind === 'powerAnomaly') this.#startDrift(i, true);
        if (this.#autoRepair) this.#scheduleRepair(t + this.#rng.next() * b * 3_600_000, i * 16 + LAMP_FAULT_KINDS.indexOf(kind));
      }
    }
  }

  #astroNight(t: number): boolean {
    const day = Math.floor(t / 86_400_000);
    if (day !== this.#sunDay) {
      const s = sunTimes(t);
      this.#sunDay = day;
      this.#sunriseMs = s.sunriseMs ?? day * 86_400_000;
      this.#sunsetMs = s.sunsetMs ?? (day + 1) * 86_400_000;
    }
    return t > this.#sunsetMs + ASTRO_MARGIN_MS || t < this.#sunriseMs - ASTRO_MARGIN_MS;
  }

  #desired(c: number, current: number, lux: number, astroNight: boolean, localMin: number): number {
    const seen = lux * this.#cabSensor[c]!;
    const lit = current === OUT_OFF ? seen < this.#cabOnLux[c]! || astroNight : !(seen > this.#cabOffLux[c]! && !astroNight);
    if (!lit) return OUT_OFF;
    if (this.#cabDims[c]) {
      const off = this.#cabDimOffsetMin[c]!;
      if (localMin >= 23 * 60 + off || localMin < 5 * 60 + off) return OUT_LOW;
    }
    return OUT_ON;
  }

  #control(t: number, lux: number, out: Msg[]): void {
    const astroNight = this.#astroNight(t);
    const localMin = berlinHour(t) * 60;
    const nowSec = Math.floor(t / 1000);
    for (let c = 0; c < this.#c; c++) {
      if (this.#cabFault[c] !== 0) continue;
      const cur = this.#cabOut[c]!;
      const want = this.#desired(c, cur, lux, astroNight, localMin);
      if (want !== cur) this.#switchCabinet(c, want, t, nowSec, out);
    }
  }

  #switchCabinet(c: number, want: number, t: number, nowSec: number, out: Msg[]): void {
    const cab = this.inventory.cabinets[c]!;
    const was = this.#cabOut[c]!;
    this.#cabOut[c] = want;
    const tech = this.inventory.tech;
    let p = 20;
    for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
      if (want === OUT_OFF) this.#booting[i] = 0;
      else if (was === OUT_OFF && (tech[i] === TECH_HPS || tech[i] === TECH_MH) && (this.#fault[i]! & (F_OUT | F_COLUMN)) === 0) {
        this.#booting[i] = 1;
        this.#schedule(nowSec + 120 + Math.floor(this.#rng.next() * 180), i * 2 + 1);
      }
      this.#observe(i);
      this.#w[i] = oW;
      p += oW;
      this.#reportSoon(i, nowSec);
    }
    this.#cabPowerW[c] = p;
    this.#emitCabinet(c, t, out);
  }

  /** Queue a change report after the node's random back-off, unless one is pending. */
  #reportSoon(i: number, nowSec: number, maxDelay = 20): void {
    if (this.#pending[i]) return;
    this.#pending[i] = 1;
    this.#schedule(nowSec + 1 + Math.floor(this.#rng.next() * maxDelay), i * 2);
  }

  #schedule(dueSec: number, code: number): void {
    this.#wheel[dueSec % WHEEL]!.push(code);
  }

  #wheelSlot(s: number, out: Msg[]): void {
    const slot = this.#wheel[s % WHEEL]!;
    if (slot.length === 0) return;
    const ts = s * 1000;
    for (let k = 0; k < slot.length; k++) {
      const code = slot[k]!;
      const i = code >> 1;
      if (code & 1) {
        if (!this.#booting[i]) continue;
        this.#booting[i] = 0;
        this.#observe(i);
        this.#setW(i, oW);
        if (this.#reportable(i) && !this.#pending[i]) this.#reportIfChanged(i, ts, out);
      } else {
        this.#pending[i] = 0;
        if (this.#reportable(i)) {
          this.#observe(i);
          this.#setW(i, oW);
          this.#reportIfChanged(i, ts, out);
        }
      }
    }
    slot.length = 0;
  }

  #heartbeats(s: number, out: Msg[]): void {
    const b = s % this.#hbSec;
    const ts = s * 1000;
    for (let k = this.#hbStart[b]!; k < this.#hbStart[b + 1]!; k++) {
      const i = this.#hbLamps[k]!;
      if (!this.#reportable(i)) continue;
      this.#observe(i);
      this.#setW(i, oW);
      this.#emitLamp(i, ts, out);
      this.#stats.lampHeartbeats++;
    }
  }

  #reportable(i: number): boolean {
    const c = this.inventory.cabinet[i]!;
    return this.#cabFault[c] === 0 && this.#cabNetDown[c] === 0 && this.#cabSilent[c] === 0 && (this.#fault[i]! & F_COMMS) === 0;
  }

  #setW(i: number, w: number): void {
    const c = this.inventory.cabinet[i]!;
    if (this.#cabFault[c] === 0) this.#cabPowerW[c]! += w - this.#w[i]!;
    this.#w[i] = w;
  }

  /**
   * Computes what lamp i's node observes right now into oStatus/oPower/oLevel/oW/oFaults, and
   * latches the faults it can see (unless `latch` is false: a read-only query).
   */
  #observe(i: number, latch = true): void {
    const c = this.inventory.cabinet[i]!;
    const f = this.#fault[i]!;
    const tech = this.inventory.tech[i]!;
    const nom = this.inventory.nominalW[i]! * this.#eff[i]!;
    const out = this.#cabFault[c] !== 0 ? OUT_OFF : this.#cabOut[c]!;
    if (out === OUT_OFF) {
      if (f & F_DAYBURN && this.#cabFault[c] === 0) {
        if (latch) this.#seen[i]! |= F_DAYBURN;
        oPower = P_ON;
        oLevel = 100;
        oW = nom;
      } else {
        oPower = P_OFF;
        oLevel = 0;
        oW = this.#cabFault[c] !== 0 ? 0 : tech === TECH_LED ? 0.4 : 0.3; // node standby
      }
    } else {
      if (latch) {
        if (f & (F_OUT | F_FLICKER)) this.#seen[i]! |= f & (F_OUT | F_FLICKER);
        if (f & F_ANOMALY && Math.abs(this.#drift[i]! - 1) >= 0.15) this.#seen[i]! |= F_ANOMALY;
      }
      const dimmed = out === OUT_LOW && tech === TECH_LED;
      if (f & F_COLUMN) {
        oPower = P_ON;
        oLevel = 0;
        oW = 0;
      } else if (f & F_OUT) {
        oPower = P_ON;
        oLevel = 0;
        oW = tech === TECH_LED ? 1.5 : 0.08 * nom; // driver idle / ballast losses
      } else if (this.#booting[i]) {
        oPower = P_BOOT;
        oLevel = 30;
        oW = 1.15 * nom;
      } else if (f & F_FLICKER) {
        oPower = dimmed ? P_LOW : P_ON;
        oLevel = 60;
        oW = 0.75 * nom;
      } else if (dimmed) {
        oPower = P_LOW;
        oLevel = 50;
        oW = 0.5 * nom * this.#drift[i]!;
      } else {
        oPower = P_ON;
        oLevel = 100;
        oW = nom * this.#drift[i]!;
      }
    }
    const seen = this.#seen[i]! & f;
    oStatus = f & F_COLUMN ? 2 : seen & (F_OUT | F_FLICKER) ? 1 : 0;
    oFaults = seen & VISIBLE;
  }

  #remember(i: number): void {
    this.#repStatus[i] = oStatus;
    this.#repPower[i] = oPower;
    this.#repLevel[i] = oLevel;
    this.#repFaults[i] = oFaults;
    this.#repW[i] = oW;
    this.#hasRep[i] = 1;
  }

  #reportIfChanged(i: number, ts: number, out: Msg[]): void {
    const rw = this.#repW[i]!;
    if (
      this.#hasRep[i] &&
      this.#repStatus[i] === oStatus &&
      this.#repPower[i] === oPower &&
      this.#repLevel[i] === oLevel &&
      this.#repFaults[i] === oFaults &&
      Math.abs(oW - rw) <= Math.max(1, 0.05 * rw)
    ) {
      return;
    }
    this.#emitLamp(i, ts, out);
  }

  /** Emits the observed state held in oStatus... for lamp i and remembers it as reported. */
  #emitLamp(i: number, ts: number, out: Msg[]): void {
    this.#remember(i);
    out.push({
      topic: this.#lampTopic[i]!,
      payload: `{"tsMs":${this.#stamp(ts)},"status":"${STATUS[oStatus]}","powerState":"${POWER[oPower]}","illuminanceLevel":${oLevel / 100},"powerConsumptionW":${Math.round(oW * 10) / 10}${FAULT_SUFFIX[oFaults]}}`,
      qos: 0,
      retain: false,
    });
    this.#stats.lampMessages++;
  }

  #emitCabinet(c: number, t: number, out: Msg[]): void {
    this.#cabNextHbMs[c] = t + this.#hbSec * 1000;
    if (this.#cabSilent[c]) return;
    const fault = this.#cabFault[c]!;
    const ps = fault !== 0 ? 'off' : POWER[this.#cabOut[c] === OUT_LOW ? P_LOW : this.#cabOut[c] === OUT_ON ? P_ON : P_OFF];
    const power = fault !== 0 ? 0 : Math.max(0, Math.round(this.#cabPowerW[c]!));
    const f = CAB_FAULT_NAMES[fault];
    out.push({
      topic: lightingTopics.cabinetState(this.inventory.cabinets[c]!.id),
      payload: `{"tsMs":${this.#stamp(t)},"powerState":"${ps}","energyKWh":${Math.round(this.#cabEnergyKWh[c]! * 10) / 10},"activePowerW":${power},"commsOk":${this.#cabNetDown[c] === 0},"fault":${f === null ? 'null' : `"${f}"`}}`,
      qos: 0,
      retain: false,
    });
    this.#stats.cabinetMessages++;
  }

  // ---- faults ----------------------------------------------------------------------------------

  #randomFaults(dt: number, t: number, out: Msg[]): void {
    const tech = this.inventory.tech;
    const nowSec = Math.floor(t / 1000);
    for (const kind of LAMP_FAULT_KINDS) {
      const rates = LAMP_RATES[kind];
      let maxRate = 0;
      for (const r of rates) if (r > maxRate) maxRate = r;
      const draws = this.#rng.poisson((this.#n * maxRate * this.#scale * dt) / YEAR_SEC);
      for (let k = 0; k < draws; k++) {
        const i = Math.floor(this.#rng.next() * this.#n);
        if (this.#rng.next() >= rates[tech[i]!]! / maxRate) continue; // thinning by technology
        if (this.#fault[i] !== 0) continue;
        this.#lampFault(i, kind, t, this.#autoRepair ? uniformH(this.#rng, LAMP_REPAIR_H[kind]) : null, nowSec, false);
      }
    }
    for (const kind of CABINET_FAULT_KINDS) {
      const draws = this.#rng.poisson((this.#c * CABINET_RATES[kind] * this.#scale * dt) / YEAR_SEC);
      for (let k = 0; k < draws; k++) {
        const c = Math.floor(this.#rng.next() * this.#c);
        if (this.#cabFault[c] || this.#cabNetDown[c] || this.#cabSilent[c]) continue;
        const delay = this.#autoRepair ? uniformH(this.#rng, CABINET_REPAIR_H[kind]) : null;
        if (kind === 'supplyFailure' || kind === 'breakerTripped') this.#cabinetOutage(c, kind === 'supplyFailure' ? 1 : 2, t, delay, out);
        else this.#cabinetComms(c, kind === 'lampNetworkDown' ? 'lampNetwork' : 'backhaul', true, t, delay, out);
      }
    }
  }

  /** `repairInMs` null = no automatic repair. Random faults drift slowly, injected anomalies start off nominal. */
  #lampFault(i: number, kind: LampFaultKind, t: number, repairInMs: number | null, nowSec: number, injected: boolean): void {
    const bit = KIND_BIT[kind];
    if (this.#fault[i]! & bit) return;
    this.#fault[i]! |= bit;
    this.#stats.faultsStarted[kind]++;
    if (kind === 'powerAnomaly') this.#startDrift(i, injected);
    if (repairInMs !== null) this.#scheduleRepair(t + repairInMs, i * 16 + LAMP_FAULT_KINDS.indexOf(kind));
    if (kind === 'commsLost') return; // the node just goes quiet
    if (this.#initialised) {
      this.#observe(i);
      this.#setW(i, oW);
      if (this.#reportable(i)) this.#reportSoon(i, nowSec, 5);
    }
  }

  #startDrift(i: number, fast: boolean): void {
    const sign = this.#rng.next() < 0.7 ? 1 : -1; // mostly rising (ageing drivers, moisture)
    // ~2-8 %/h: visible as a fault after a few hours; injected ones start already off nominal.
    this.#driftRate[i] = sign * (0.02 + 0.06 * this.#rng.next());
    this.#drift[i] = fast ? 1 + sign * 0.2 : 1;
    this.#anomalies.push(i);
  }

  #updateDrift(dt: number, nowSec: number): void {
    if (this.#anomalies.length === 0) return;
    for (const i of this.#anomalies) {
      const d = Math.min(1.8, Math.max(0.4, this.#drift[i]! + (this.#driftRate[i]! * dt) / 3600));
      this.#drift[i] = d;
      const c = this.inventory.cabinet[i]!;
      if (this.#cabOut[c] === OUT_OFF || this.#cabFault[c] !== 0) continue;
      this.#observe(i);
      this.#setW(i, oW);
      if (!this.#reportable(i) || this.#pending[i]) continue;
      const rw = this.#repW[i]!;
      if (Math.abs(oW - rw) > Math.max(1, 0.05 * rw) || oFaults !== this.#repFaults[i]) this.#reportSoon(i, nowSec, 5);
    }
  }

  #scheduleRepair(due: number, code: number): void {
    this.#repairDue.set(code, due);
    // binary heap push
    const d = this.#heapDue;
    const c = this.#heapCode;
    let k = d.length;
    d.push(due);
    c.push(code);
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (d[p]! <= due) break;
      d[k] = d[p]!;
      c[k] = c[p]!;
      k = p;
    }
    d[k] = due;
    c[k] = code;
  }

  #popRepair(): number {
    const d = this.#heapDue;
    const c = this.#heapCode;
    const top = c[0]!;
    const lastD = d.pop()!;
    const lastC = c.pop()!;
    if (d.length > 0) {
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= d.length) break;
        const r = l + 1;
        const m = r < d.length && d[r]! < d[l]! ? r : l;
        if (d[m]! >= lastD) break;
        d[k] = d[m]!;
        c[k] = c[m]!;
        k = m;
      }
      d[k] = lastD;
      c[k] = lastC;
    }
    return top;
  }

  #repairsDue(t: number): void {
    const nowSec = Math.floor(t / 1000);
    while (this.#heapDue.length > 0 && this.#heapDue[0]! <= t) {
      const due = this.#heapDue[0]!;
      const code = this.#popRepair();
      if (this.#repairDue.get(code) !== due) continue; // superseded (repaired by hand, re-injected)
      this.#repairDue.delete(code);
      const idx = Math.floor(code / 16);
      const kind = code % 16;
      if (kind < 8) {
        const k = LAMP_FAULT_KINDS[kind]!;
        if (this.#fault[idx]! & KIND_BIT[k]) this.#repairLamp(idx, k, nowSec);
      } else {
        const k = CABINET_FAULT_KINDS[kind - 8]!;
        if (k === 'supplyFailure' || k === 'breakerTripped') {
          if (this.#cabFault[idx]) this.#restoreCabinet(idx);
        } else if (k === 'lampNetworkDown') {
          if (this.#cabNetDown[idx]) this.#cabinetComms(idx, 'lampNetwork', false, t, null);
        } else if (this.#cabSilent[idx]) {
          this.#cabinetComms(idx, 'backhaul', false, t, null);
        }
      }
    }
  }

  #repairLamp(i: number, kind: LampFaultKind, nowSec: number): void {
    const bit = KIND_BIT[kind];
    this.#fault[i]! &= ~bit;
    this.#seen[i]! &= ~bit;
    this.#repairDue.delete(i * 16 + LAMP_FAULT_KINDS.indexOf(kind));
    this.#stats.repairs++;
    if (kind === 'powerAnomaly') {
      this.#drift[i] = 1;
      this.#driftRate[i] = 0;
      this.#anomalies = this.#anomalies.filter((x) => x !== i);
    }
    if (kind === 'commsLost') this.#hasRep[i] = 0; // the node announces itself when it is back
    if (!this.#initialised) return;
    this.#observe(i);
    this.#setW(i, oW);
    if (this.#reportable(i)) this.#reportSoon(i, nowSec, 5);
  }

  /** With `out` the cabinet reports at once (random fault inside a step), else in the next step. */
  #cabinetOutage(c: number, fault: 1 | 2, t: number, repairInMs: number | null, out?: Msg[]): void {
    if (this.#cabFault[c]) return;
    this.#cabFault[c] = fault;
    this.#stats.faultsStarted[fault === 1 ? 'supplyFailure' : 'breakerTripped']++;
    const cab = this.inventory.cabinets[c]!;
    for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
      this.#booting[i] = 0;
      this.#w[i] = 0;
    }
    this.#cabPowerW[c] = 0;
    this.#cabOut[c] = OUT_OFF;
    if (repairInMs !== null) this.#scheduleRepair(t + repairInMs, c * 16 + 8 + (fault === 1 ? 0 : 1));
    if (out) this.#emitCabinet(c, t, out);
    else this.#cabReportQueue.add(c);
  }

  #restoreCabinet(c: number): void {
    if (!this.#cabFault[c]) return;
    this.#repairDue.delete(c * 16 + 8 + (this.#cabFault[c] === 1 ? 0 : 1));
    this.#cabFault[c] = 0;
    this.#stats.repairs++;
    this.#cabOut[c] = OUT_OFF; // the control loop switches it on again if it is dark
    const cab = this.inventory.cabinets[c]!;
    const nowSec = this.#lastSec;
    let p = 20;
    for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
      this.#observe(i);
      this.#w[i] = oW;
      p += oW;
      this.#hasRep[i] = 0; // every node announces itself after power-up
      this.#reportSoon(i, nowSec, 60);
    }
    this.#cabPowerW[c] = p;
    this.#cabReportQueue.add(c);
  }

  #cabinetComms(c: number, scope: 'lampNetwork' | 'backhaul', down: boolean, t: number, repairInMs: number | null, out?: Msg[]): void {
    const arr = scope === 'lampNetwork' ? this.#cabNetDown : this.#cabSilent;
    if ((arr[c] === 1) === down) return;
    arr[c] = down ? 1 : 0;
    const kindIdx = scope === 'lampNetwork' ? 2 : 3;
    if (down) {
      this.#stats.faultsStarted[CABINET_FAULT_KINDS[kindIdx]!]++;
      if (repairInMs !== null) this.#scheduleRepair(t + repairInMs, c * 16 + 8 + kindIdx);
    } else {
      this.#repairDue.delete(c * 16 + 8 + kindIdx);
      this.#stats.repairs++;
      // Lamp reports come through again: every node sends its current state.
      const cab = this.inventory.cabinets[c]!;
      const nowSec = Math.floor(t / 1000);
      for (let i = cab.firstLamp; i < cab.firstLamp + cab.lampCount; i++) {
        this.#hasRep[i] = 0;
        this.#reportSoon(i, nowSec, 60);
      }
    }
    if (out) this.#emitCabinet(c, t, out);
    else this.#cabReportQueue.add(c);
  }
}

// Scratch output of LightingEmulator#observe (module-level: no allocation per lamp).
let oStatus = 0;
let oPower = 0;
let oLevel = 0;
let oW = 0;
let oFaults = 0;
