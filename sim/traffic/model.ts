/**
 * Mesoscopic, closed-loop traffic model of Duisburg: the traffic reacts to what the signals show.
 *
 * Time step 1 s of model time. Hot state in typed arrays (struct of arrays); private cars are
 * fluid quantities (fractional vehicles), never objects.
 *
 * - Demand: every approach has an external arrival stream (side streets, car parks, the edge of the
 *   modelled area), its design peak flow times the time-of-day factor (`demand.ts`). Arrivals are
 *   Poisson counts per second from a seeded `Rng` per intersection (same seed, same traffic), or
 *   deterministic (`arrivals: 'fluid'`, q·1 s per second) for tests and averages.
 * - Queues: one vertical (point) queue per approach at the stop line, served by all its lanes.
 *   Discharge on green at the saturation flow 1800 veh/h per lane, nothing in the first
 *   LOST_TIME_SEC = 2 s of green (start-up lost time) and nothing on red, red-amber or amber. That
 *   is the effective-green convention g = G − 2 s with the amber counted fully as lost (clearance)
 *   time: RiLSA/HBS treat the start-up loss and the used part of the amber as corrections of the
 *   displayed green; we take the conservative reading that no vehicle passes in the amber
 *   (AMBER_USE_SEC = 0), so capacity = s · (G − 2) / C. Dark ('off') or flashing-amber approaches
 *   are uncontrolled and pass UNCONTROLLED_FACTOR of the saturation flow.
 * - Links: a vehicle leaving a stop line turns by fixed turning ratios into a downstream link (or
 *   leaves the network). It runs the link at a Greenshields speed v = v_f (1 − k/k_j) of the
 *   density on the part of the link not taken by the queue, then arrives at the downstream queue,
 *   dispersed by Robertson's platoon dispersion (TRANSYT: lag β·T, smoothing F = 1/(1 + αβT),
 *   α = 0.35, β = 0.8), so platoons from the upstream signal arrive as platoons and offsets matter.
 * - Spillback: a link stores length × open lanes / 7 m vehicles (moving plus queued). A stop line
 *   can only discharge what its downstream links can take (FIFO: the approach is blocked by the
 *   most blocked of its movements, as a single-queue node model does).
 * - Outputs, cumulative since the start (readers take differences): per stop-line lane the count
 *   (= discharged vehicles) and the occupied seconds; per approach the queue now, the delay
 *   (queueing veh·s at the stop line and slow running on the feeding link), stops, throughput and
 *   arrivals. Emissions follow from idle veh·s and stops (`emissions.ts`).
 */
import { STATE_CODE } from '../../protocol/signal.ts';
import type { Intersection, Link } from '../city/types.ts';
import { Rng } from '../rng.ts';
import { perMinute, type DemandFn } from './demand.ts';
import { JAM_SPACING_M, buildNetwork, type Network } from './network.ts';

/** Saturation flow, veh/s per lane (1800 veh/h). */
export const SAT_FLOW_PER_LANE = 0.5;
/** Start-up lost time at the beginning of green, s. */
export const LOST_TIME_SEC = 2;
/** Seconds of the amber still used by vehicles (0: none; see the module comment). */
export const AMBER_USE_SEC = 0;
/** Dark or flashing signals: capacity as a share of the saturation flow (give-way operation). */
export const UNCONTROLLED_FACTOR = 0.4;
/** Robertson / TRANSYT platoon dispersion parameters. */
export const ROBERTSON_ALPHA = 0.35;
export const ROBERTSON_BETA = 0.8;
/** Slowest running speed on a link, m/s (crawling in a jam). */
export const MIN_SPEED_MS = 1.5;
/** Effective detector length: a 5 m car plus a 1.5 m loop. */
export const DETECTOR_EFF_LENGTH_M = 6.5;
/** Speed over the stop line of a vehicle starting from the queue, m/s. */
export const DISCHARGE_SPEED_MS = 5;

/**
 * What other parts of the simulator (buses, trams) need to know about the traffic. Same shape as the
 * TrafficView that sim/devices/transit.ts declares for itself, so TrafficModel satisfies both.
 */
export interface TrafficView {
  /** True while the approach may go: its signal is green (or dark/flashing, i.e. give-way). */
  approachGreen(intersectionId: string, approachId: string): boolean;
  /** Current running speed on a link (free-flow speed when empty). */
  linkSpeedKmh(linkId: string): number;
  /** Vehicles queued at the approach's stop line now. */
  queueVeh(intersectionId: string, approachId: string): number;
}

export interface TrafficModelOptions {
  seed: number;
  /** Model time of the first step, ms since the epoch (rounded down to a whole second). */
  startMs: number;
  /** Demand factor relative to the design peak over model time; default the Duisburg time-of-day profile. */
  demand?: DemandFn;
  /** 'poisson' (default): random arrivals; 'fluid': exactly q·1 s per second. */
  arrivals?: 'poisson' | 'fluid';
}

export interface Restriction {
  /** Lanes taken away (construction site, incident), counted from the last lane. */
  lanesClosed?: number;
  /** Further capacity reduction, 0..1 (e.g. 0.7 for a narrowed lane, rubbernecking). */
  capacityFactor?: number;
  /** Links only: running speed reduction, 0..1 (speed limit in a work zone). */
  speedFactor?: number;
}

const GREEN = STATE_CODE.green;
const AMBER = STATE_CODE.amber;
const OFF = STATE_CODE.off;
const FLASH = STATE_CODE.flashingAmber;

export class TrafficModel implements TrafficView {
  readonly net: Network;
  /** Epoch second the next step() simulates ([tSec, tSec + 1)). */
  tSec: number;

  /** Input: STATE_CODE per approach, written by the controllers before each step ('off' until then). */
  readonly apSignal: Uint8Array;

  // ---- state
  readonly queue: Float64Array;
  /** Vehicles waiting to enter their link from side streets (link full). */
  readonly entryBacklog: Float64Array;
  readonly lkInTransit: Float64Array;
  /** Current running speed, m/s. */
  readonly lkSpeed: Float64Array;

  // ---- restrictions
  readonly apLanesOpen: Int32Array;
  readonly apCapFactor: Float64Array;
  readonly lkLanesOpen: Int32Array;
  readonly lkSpeedFactor: Float64Array;

  // ---- outputs (cumulative since the start)
  readonly cumLaneCount: Float64Array;
  readonly cumLaneOccSec: Float64Array;
  /** Queueing delay at the stop line (idling), veh·s. */
  readonly cumApQueueDelay: Float64Array;
  /** Running delay on the feeding link against free flow, veh·s. */
  readonly cumApLinkDelay: Float64Array;
  readonly cumApStops: Float64Array;
  readonly cumApThroughput: Float64Array;
  readonly cumApArrivals: Float64Array;
  /** Vehicles discharged in the last step, per approach. */
  readonly lastDischarge: Float64Array;
  /** Vehicles that entered the model from outside / left it at a junction, since the start. */
  cumEntered = 0;
  cumExited = 0;

  readonly #demand: DemandFn;
  readonly #fluid: boolean;
  readonly #rng: Rng[];
  readonly #srcOverride: Float64Array;
  readonly #lam: Float64Array;
  readonly #expNegLam: Float64Array;
  #lamMinute = Number.NaN;
  readonly #prevSignal: Uint8Array;
  readonly #stateElapsed: Int32Array;
  readonly #arr: Float64Array;
  readonly #cap: Float64Array;
  readonly #desired: Float64Array;
  readonly #lkDemand: Float64Array;
  readonly #lkAccept: Float64Array;
  readonly #lkIn: Float64Array;
  readonly #lkReservoir: Float64Array;
  readonly #lkBuf: Float64Array;
  readonly #lkBufOff: Int32Array;
  readonly #lkBufSize: Int32Array;
  /** Travel time on the free part of each link at the current speed, s. */
  readonly #lkTT: Float64Array;

  constructor(net: Network, opts: TrafficModelOptions) {
    this.net = net;
    this.tSec = Math.floor(opts.startMs / 1000);
    this.#demand = opts.demand ?? perMinute();
    this.#fluid = opts.arrivals === 'fluid';
    const root = new Rng(opts.seed);
    this.#rng = net.intersections.map((_, i) => root.fork(i));
    const A = net.apCount;
    const L = net.links.length;
    this.apSignal = new Uint8Array(A).fill(OFF);
    this.#prevSignal = new Uint8Array(A).fill(255);
    this.#stateElapsed = new Int32Array(A);
    this.queue = new Float64Array(A);
    this.entryBacklog = new Float64Array(A);
    this.lkInTransit = new Float64Array(L);
    this.lkSpeed = Float64Array.from(net.lkVfree);
    this.apLanesOpen = Int32Array.from(net.apLanes);
    this.apCapFactor = new Float64Array(A).fill(1);
    this.lkLanesOpen = Int32Array.from(net.lkLanes);
    this.lkSpeedFactor = new Float64Array(L).fill(1);
    this.cumLaneCount = new Float64Array(net.laneCount);
    this.cumLaneOccSec = new Float64Array(net.laneCount);
    this.cumApQueueDelay = new Float64Array(A);
    this.cumApLinkDelay = new Float64Array(A);
    this.cumApStops = new Float64Array(A);
    this.cumApThroughput = new Float64Array(A);
    this.cumApArrivals = new Float64Array(A);
    this.lastDischarge = new Float64Array(A);
    this.#srcOverride = new Float64Array(A).fill(Number.NaN);
    this.#lam = new Float64Array(A);
    this.#expNegLam = new Float64Array(A);
    this.#arr = new Float64Array(A);
    this.#cap = new Float64Array(A);
    this.#desired = new Float64Array(A);
    this.#lkDemand = new Float64Array(L);
    this.#lkAccept = new Float64Array(L);
    this.#lkIn = new Float64Array(L);
    this.#lkReservoir = new Float64Array(L);
    this.#lkBufOff = new Int32Array(L);
    this.#lkBufSize = new Int32Array(L);
    let off = 0;
    for (let l = 0; l < L; l++) {
      this.#lkBufOff[l] = off;
      const size = Math.ceil((ROBERTSON_BETA * net.lkLength[l]!) / MIN_SPEED_MS) + 2;
      this.#lkBufSize[l] = size;
      off += size;
    }
    this.#lkBuf = new Float64Array(off);
    this.#lkTT = new Float64Array(L);
    for (let l = 0; l < L; l++) this.#lkTT[l] = net.lkLength[l]! / net.lkVfree[l]!;
  }

  /** Builds the network and the model in one go. */
  static create(intersections: readonly Intersection[], links: readonly Link[], opts: TrafficModelOptions): TrafficModel {
    return new TrafficModel(buildNetwork(intersections, links), opts);
  }

  // ---- lookups

  approachIndex(intersectionId: string, approachId: string): number {
    const a = this.net.apKey.get(`${intersectionId}/${approachId}`);
    if (a === undefined) throw new RangeError(`no approach ${approachId} at ${intersectionId} in the traffic model`);
    return a;
  }

  linkIdx(linkId: string): number {
    const l = this.net.linkIndex.get(linkId);
    if (l === undefined) throw new RangeError(`no link ${linkId} in the traffic model`);
    return l;
  }

  // ---- TrafficView

  // Lenient for ids the model does not have (a model built for part of the city): free flow, green,
  // no queue, 50 km/h; the other lookups above throw.

  approachGreen(intersectionId: string, approachId: string): boolean {
    const a = this.net.apKey.get(`${intersectionId}/${approachId}`);
    if (a === undefined) return true;
    const s = this.apSignal[a]!;
    return s === GREEN || s === OFF || s === FLASH;
  }

  linkSpeedKmh(linkId: string): number {
    const l = this.net.linkIndex.get(linkId);
    return l === undefined ? 50 : this.lkSpeed[l]! * 3.6;
  }

  queueVeh(intersectionId: string, approachId: string): number {
    const a = this.net.apKey.get(`${intersectionId}/${approachId}`);
    return a === undefined ? 0 : this.queue[a]!;
  }

  /** Queue length in metres (vehicles over the open lanes, 7 m each). */
  queueM(a: number): number {
    return (this.queue[a]! / Math.max(1, this.apLanesOpen[a]!)) * JAM_SPACING_M;
  }

  // ---- demand and incidents

  /** Fixes an approach's external arrival rate (veh/h), ignoring the time-of-day profile; NaN restores it. */
  setSourceRate(intersectionId: string, approachId: string, vehH: number): void {
    this.#srcOverride[this.approachIndex(intersectionId, approachId)] = vehH;
    this.#lamMinute = Number.NaN;
  }

  /** Lane closure / capacity cut at one stop line; `{}` lifts it. */
  restrictApproach(intersectionId: string, approachId: string, r: Restriction): void {
    const a = this.approachIndex(intersectionId, approachId);
    this.apLanesOpen[a] = Math.max(0, this.net.apLanes[a]! - Math.max(0, Math.floor(r.lanesClosed ?? 0)));
    this.apCapFactor[a] = clamp01(r.capacityFactor ?? 1);
  }

  /**
   * Construction site on a link: fewer lanes (less storage, higher density, and the same lanes
   * closed at its stop line), lower speed, less capacity at its stop line; `{}` lifts it. With all
   * lanes closed the link is shut: upstream traffic that would turn into it leaves the network
   * instead (a detour through streets the model does not have).
   */
  restrictLink(linkId: string, r: Restriction): void {
    const l = this.linkIdx(linkId);
    this.lkLanesOpen[l] = Math.max(0, this.net.lkLanes[l]! - Math.max(0, Math.floor(r.lanesClosed ?? 0)));
    this.lkSpeedFactor[l] = Math.max(0.1, clamp01(r.speedFactor ?? 1));
    const a = this.net.lkToAp[l]!;
    // At least one lane stays open at the stop line so that whoever is still on a shut link can leave.
    this.apLanesOpen[a] = Math.max(1, this.net.apLanes[a]! - Math.max(0, Math.floor(r.lanesClosed ?? 0)));
    this.apCapFactor[a] = clamp01(r.capacityFactor ?? 1);
  }

  clearRestrictions(): void {
    this.apLanesOpen.set(this.net.apLanes);
    this.apCapFactor.fill(1);
    this.lkLanesOpen.set(this.net.lkLanes);
    this.lkSpeedFactor.fill(1);
  }

  #refreshDemand(t: number): void {
    const minute = Math.floor(t / 60);
    if (minute === this.#lamMinute) return;
    this.#lamMinute = minute;
    const f = this.#demand(t * 1000);
    const n = this.net;
    for (let a = 0; a < n.apCount; a++) {
      const o = this.#srcOverride[a]!;
      const lam = (Number.isNaN(o) ? n.apSourceVehH[a]! * f : o) / 3600;
      this.#lam[a] = lam > 0 ? lam : 0;
      this.#expNegLam[a] = Math.exp(-this.#lam[a]!);
    }
  }

  // ---- the step

  /** Simulates one model second [tSec, tSec + 1) with the signal states in `apSignal`. */
  step(): void {
    const t = this.tSec;
    const n = this.net;
    const A = n.apCount;
    const L = n.links.length;
    this.#refreshDemand(t);
    const arr = this.#arr;
    arr.fill(0);
    const queue = this.queue;
    const lkIn = this.#lkIn;
    const lkToAp = n.lkToAp;
    const apLink = n.apLink;
    const turnStart = n.turnStart;
    const turnLink = n.turnLink;
    const turnRatio = n.turnRatio;

    // 1. External arrivals.
    const lam = this.#lam;
    const enl = this.#expNegLam;
    const nIx = n.intersections.length;
    for (let i = 0; i < nIx; i++) {
      const rng = this.#rng[i]!;
      for (let a = n.apStart[i]!, end = n.apStart[i + 1]!; a < end; a++) {
        const l = lam[a]!;
        if (l <= 0) continue;
        let k: number;
        if (this.#fluid) k = l;
        else {
          // Knuth's Poisson sampler with exp(−λ) cached per minute (λ < 1 per second here).
          k = 0;
          let p = rng.next();
          const lim = enl[a]!;
          while (p > lim) {
            k++;
            p *= rng.next();
          }
        }
        this.cumEntered += k;
        if (apLink[a]! >= 0) this.entryBacklog[a]! += k;
        else arr[a]! += k;
      }
    }

    // 2. Arrivals at the stop lines from the links (lagged and dispersed).
    const buf = this.#lkBuf;
    const res = this.#lkReservoir;
    const inTransit = this.lkInTransit;
    for (let l = 0; l < L; l++) {
      const size = this.#lkBufSize[l]!;
      const idx = this.#lkBufOff[l]! + (t % size);
      const r = res[l]! + buf[idx]!;
      buf[idx] = 0;
      const F = 1 / (1 + ROBERTSON_ALPHA * ROBERTSON_BETA * this.#lkTT[l]!);
      let out = r * F;
      if (r < 1e-6) out = r;
      res[l] = r - out;
      let it = inTransit[l]! - out;
      if (it < 1e-9) it = 0;
      inTransit[l] = it;
      arr[lkToAp[l]!]! += out;
    }

    // 3a. What each stop line could discharge, and what that asks of each link.
    const cap = this.#cap;
    const desired = this.#desired;
    const lkDemand = this.#lkDemand;
    lkDemand.fill(0);
    const sig = this.apSignal;
    const prev = this.#prevSignal;
    const elapsed = this.#stateElapsed;
    const lkOpen = this.lkLanesOpen;
    for (let a = 0; a < A; a++) {
      const s = sig[a]!;
      if (s !== prev[a]) {
        prev[a] = s;
        elapsed[a] = 0;
      }
      const sat = SAT_FLOW_PER_LANE * this.apLanesOpen[a]! * this.apCapFactor[a]!;
      let c = 0;
      if (s === GREEN) c = elapsed[a]! >= LOST_TIME_SEC ? sat : 0;
      else if (s === AMBER) c = elapsed[a]! < AMBER_USE_SEC ? sat : 0;
      else if (s === OFF || s === FLASH) c = sat * UNCONTROLLED_FACTOR;
      cap[a] = c;
      const q = queue[a]! + arr[a]!;
      const d = c < q ? c : q;
      desired[a] = d;
      if (d > 0) {
        for (let k = turnStart[a]!, e = turnStart[a + 1]!; k < e; k++) {
          const l = turnLink[k]!;
          if (lkOpen[l]! > 0) lkDemand[l]! += d * turnRatio[k]!;
        }
      }
    }

    // 3b. How much of that each link can take (space left of its storage).
    const accept = this.#lkAccept;
    for (let l = 0; l < L; l++) {
      const dem = lkDemand[l]!;
      if (dem <= 0) {
        accept[l] = 1;
        continue;
      }
      const a = lkToAp[l]!;
      const storage = (n.lkLength[l]! * lkOpen[l]!) / JAM_SPACING_M;
      const space = storage - inTransit[l]! - queue[a]! - arr[a]!;
      accept[l] = dem <= space ? 1 : space > 0 ? space / dem : 0;
    }

    // 3c. Discharge, queues, delay, stops, detectors.
    lkIn.fill(0);
    const cumLaneCount = this.cumLaneCount;
    const cumLaneOcc = this.cumLaneOccSec;
    const laneStart = n.laneStart;
    for (let a = 0; a < A; a++) {
      const Q = queue[a]!;
      const Ar = arr[a]!;
      let c = cap[a]!;
      if (c > 0 && desired[a]! > 0) {
        let f = 1;
        for (let k = turnStart[a]!, e = turnStart[a + 1]!; k < e; k++) {
          const l = turnLink[k]!;
          if (lkOpen[l]! > 0 && accept[l]! < f) f = accept[l]!;
        }
        c *= f;
      }
      // Exact fluid integral over the second: arrivals at rate Ar, service at rate c while queued.
      let d: number;
      let area: number;
      let stops: number;
      if (c <= 0) {
        d = 0;
        area = Q + Ar / 2;
        stops = Ar;
      } else if (Q + Ar <= c) {
        d = Q + Ar;
        const tau = c > Ar ? Q / (c - Ar) : 0;
        area = (Q * tau) / 2;
        stops = Ar * tau;
      } else {
        d = c;
        if (Ar >= c) {
          area = Q + (Ar - c) / 2;
          stops = Q > 0 ? Ar : Ar - c;
        } else {
          area = Q - (c - Ar) / 2;
          stops = Ar;
        }
      }
      let nq = Q + Ar - d;
      if (nq < 1e-9) nq = 0;
      queue[a] = nq;
      this.lastDischarge[a] = d;
      this.cumApQueueDelay[a]! += area;
      this.cumApStops[a]! += stops;
      this.cumApThroughput[a]! += d;
      this.cumApArrivals[a]! += Ar;
      if (d > 0) {
        let stay = 0;
        for (let k = turnStart[a]!, e = turnStart[a + 1]!; k < e; k++) {
          const l = turnLink[k]!;
          if (lkOpen[l]! > 0) {
            lkIn[l]! += d * turnRatio[k]!;
            stay += turnRatio[k]!;
          }
        }
        this.cumExited += d * (1 - stay);
      }
      // Stop-line detectors on the open lanes: count = discharged vehicles; occupancy from a vehicle
      // standing on the loop (queue, no discharge) or from the flow over it at its speed.
      const open = this.apLanesOpen[a]!;
      if (open > 0) {
        let occ: number;
        const perLane = d / open;
        if (nq / open >= 0.5) {
          // A queue stands over the stop-line loop: fully occupied when nothing moves, down to the
          // occupancy of a saturated discharge (s · L_eff / v_discharge ≈ 0.65) when it flows freely.
          const occSat = (SAT_FLOW_PER_LANE * DETECTOR_EFF_LENGTH_M) / DISCHARGE_SPEED_MS;
          occ = 1 - (1 - occSat) * Math.min(1, perLane / SAT_FLOW_PER_LANE);
        } else {
          const fromQueue = d < Q ? d : Q;
          occ = ((fromQueue * DETECTOR_EFF_LENGTH_M) / DISCHARGE_SPEED_MS + ((d - fromQueue) * DETECTOR_EFF_LENGTH_M) / n.apVfree[a]!) / open;
          if (occ > 1) occ = 1;
        }
        for (let ln = laneStart[a]!, e = ln + open; ln < e; ln++) {
          cumLaneCount[ln]! += perLane;
          cumLaneOcc[ln]! += occ;
        }
      }
      elapsed[a]!++;
    }

    // 4. Link entries: discharged vehicles and side-street entries, then the running speed.
    for (let l = 0; l < L; l++) {
      const a = lkToAp[l]!;
      const open = lkOpen[l]!;
      const storage = (n.lkLength[l]! * open) / JAM_SPACING_M;
      let inflow = lkIn[l]!;
      const backlog = this.entryBacklog[a]!;
      if (backlog > 0 && open > 0) {
        const space = storage - inTransit[l]! - queue[a]! - inflow;
        const take = space <= 0 ? 0 : backlog < space ? backlog : space;
        this.entryBacklog[a] = backlog - take;
        inflow += take;
      }
      // Greenshields on the free part of the link (vehicles run to the back of the queue).
      const lanes = open > 0 ? open : 1;
      const queueLen = (queue[a]! / lanes) * JAM_SPACING_M;
      const len = n.lkLength[l]!;
      const free = len - queueLen > 10 ? len - queueLen : 10;
      const k = inTransit[l]! / (free * lanes);
      const vf = n.lkVfree[l]! * this.lkSpeedFactor[l]!;
      let v = vf * (1 - k * JAM_SPACING_M);
      if (v < MIN_SPEED_MS) v = MIN_SPEED_MS;
      this.lkSpeed[l] = v;
      this.#lkTT[l] = free / v;
      this.cumApLinkDelay[a]! += inTransit[l]! * (1 - v / n.lkVfree[l]!);
      if (inflow > 0) {
        const size = this.#lkBufSize[l]!;
        let lag = Math.round(ROBERTSON_BETA * this.#lkTT[l]!);
        if (lag < 1) lag = 1;
        else if (lag > size - 1) lag = size - 1;
        buf[this.#lkBufOff[l]! + ((t + lag) % size)]! += inflow;
        inTransit[l]! += inflow;
      }
    }
    this.tSec = t + 1;
  }

  /** Vehicles anywhere in the model (queues, links, waiting to enter): for conservation checks. */
  vehiclesInModel(): number {
    let s = 0;
    for (let a = 0; a < this.net.apCount; a++) s += this.queue[a]! + this.entryBacklog[a]!;
    for (let l = 0; l < this.net.links.length; l++) s += this.lkInTransit[l]!;
    return s;
  }
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 1;
}
