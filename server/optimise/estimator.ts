/**
 * Queue and demand estimates per approach from what a real intersection reports: the controller's
 * state every second (which groups show green) and the stop-line detectors every few seconds
 * (NTCIP 1202 volume and occupancy per lane). No ground truth, no vehicle ids.
 *
 * Input-output queue model (the "store-and-forward" model behind max-pressure; Varaiya 2013,
 * section 2; Aboudolas, Papageorgiou, Kosmatopoulos 2009): per second
 *   Q ← Q + λ − d,   d = min(Q + λ, s·n) on effective green (after the start-up loss), else 0,
 * with λ the arrival rate and s·n the saturation flow of the open lanes (HBS 2015: 1800 veh/h per
 * lane). Each detector report corrects the model with what really left (the counts): the queue at
 * the end of the interval is Q₀ + λ·T − D, not the predicted discharge. Occupancy corrects further:
 * a stop-line loop occupied on red stands in a queue (at least a car per lane); occupied through a
 * whole green interval, the queue is still there and what left is the real discharge rate (learnt
 * per approach: blocking downstream, closed lanes and turning traffic make it lower than s·n); a
 * green interval with the loop mostly free means the queue has cleared (the gap-out evidence an
 * actuated controller uses).
 *
 * λ: exponentially weighted mean of the departure rate per SIGNAL CYCLE OF THE APPROACH (from one
 * start of green to the next: the departures of a cycle are its arrivals while the queue clears
 * every cycle, whatever the split), raised while a queue persists through green (departures then
 * understate arrivals). Not per detector interval: an approach held red counts nothing, which says
 * nothing about its demand (taking it as zero demand would starve it further).
 *
 * Not (yet) used: the upstream installation's departures as a platoon forecast (TRANSYT's cyclic
 * flow profiles, Robertson 1969); the arrivals on green are taken from the newest stop-line count.
 */

/** Saturation flow per lane, veh/s (HBS 2015 base 1800 veh/h per lane, mixed urban traffic). */
export const SAT_VEH_S_LANE = 0.5;
/** Start-up lost time at the beginning of green, s. */
export const START_LOSS_SEC = 2;
/** Time constant of the arrival-rate mean, s (two cycles or so). */
export const LAMBDA_TAU_SEC = 120;
/** Time constant of the observed discharge rate, s of green with a queue. */
export const DISCHARGE_TAU_SEC = 60;
/** Occupancy under which a green stop-line loop sees free-flowing (no longer queued) traffic, %. */
export const FREE_OCC_PCT = 25;
/** Occupancy above which a red stop-line loop stands in a queue, %. */
export const QUEUE_OCC_PCT = 60;
/** Vehicle spacing in a standing queue, m. */
export const JAM_SPACING_M = 7;
/** Seconds of estimated discharge kept per approach (covers the travel time of any inner-city link). */
export const DISCHARGE_HISTORY_SEC = 128;

export interface ApproachModel {
  id: string;
  lanes: number;
  /** Vehicles a standing queue on the feeding link can hold (link length × lanes / jam spacing); Infinity when unknown. */
  storageVeh: number;
  /** Groups (indices) that give this approach green. */
  groups: number[];
  /** Detector ids of its lanes. */
  detectorIds: string[];
}

/**
 * Per-intersection estimator over its approaches (struct of arrays; one per intersection, updated
 * once per controller state and once per detector report).
 */
export class QueueEstimator {
  readonly approaches: ApproachModel[];
  readonly queue: Float64Array;
  readonly lambda: Float64Array;
  /** Seconds of green so far for each approach (0 when red). */
  readonly greenSec: Int32Array;
  /** Seconds of red so far for each approach. */
  readonly redSec: Int32Array;
  /** Vehicle·seconds of estimated queueing in the last second (KPI). */
  lastDelayVehS = 0;
  /** Departures counted in the newest report per approach, veh/s. */
  readonly lastRate: Float64Array;
  /** Observed discharge rate of a queue on green, veh/s (starts at the saturation flow). */
  readonly discharge: Float64Array;
  /** Occupancy of the newest report, %. */
  readonly lastOcc: Float64Array;
  /** Estimated discharge per approach and second, ring of DISCHARGE_HISTORY_SEC (index: second mod size). */
  readonly history: Float64Array;
  /** Model second of the newest state. */
  nowSec = Number.NaN;
  readonly #q0: Float64Array;
  /** Departures and seconds since the approach's last start of green. */
  readonly #cycD: Float64Array;
  readonly #cycT: Float64Array;
  readonly #arrSince: Float64Array;
  readonly #greenSince: Float64Array;
  readonly #redSince: Float64Array;
  readonly #detIndex: Map<string, [number, number]>;
  #lastReportMs = -1;
  #lastStateMs = -1;
  #initialised = false;

  constructor(approaches: ApproachModel[]) {
    this.approaches = approaches;
    const A = approaches.length;
    this.queue = new Float64Array(A);
    this.lambda = new Float64Array(A);
    this.greenSec = new Int32Array(A);
    this.redSec = new Int32Array(A);
    this.lastRate = new Float64Array(A);
    this.discharge = Float64Array.from(approaches, (a) => SAT_VEH_S_LANE * a.lanes);
    this.lastOcc = new Float64Array(A);
    this.history = new Float64Array(A * DISCHARGE_HISTORY_SEC);
    this.#q0 = new Float64Array(A);
    this.#cycD = new Float64Array(A);
    this.#cycT = new Float64Array(A);
    this.#arrSince = new Float64Array(A);
    this.#greenSince = new Float64Array(A);
    this.#redSince = new Float64Array(A);
    this.#detIndex = new Map();
    approaches.forEach((a, i) => a.detectorIds.forEach((d, l) => this.#detIndex.set(d, [i, l])));
  }

  get lastReportMs(): number {
    return this.#lastReportMs;
  }

  /**
   * One controller second. `green[g]` = 1 where group g shows green. Idempotent per tsMs.
   * Returns false when the state was not newer than the last one.
   */
  second(tsMs: number, green: Uint8Array): boolean {
    if (tsMs <= this.#lastStateMs) return false;
    const dt = this.#lastStateMs < 0 ? 1 : Math.min(10, Math.max(1, Math.round((tsMs - this.#lastStateMs) / 1000)));
    this.#lastStateMs = tsMs;
    const nowSec = Math.floor(tsMs / 1000);
    this.nowSec = nowSec;
    const H = DISCHARGE_HISTORY_SEC;
    const slot = ((nowSec % H) + H) % H;
    let delay = 0;
    const aps = this.approaches;
    for (let a = 0; a < aps.length; a++) {
      const ap = aps[a]!;
      let g = false;
      for (const k of ap.groups) if (green[k]) g = true;
      this.#cycT[a]! += dt;
      // Start of green closes the approach's cycle: its departures were its arrivals.
      if (g && this.greenSec[a] === 0 && this.#cycT[a]! >= 10) this.#closeCycle(a);
      if (g) {
        this.greenSec[a]! += dt;
        this.redSec[a] = 0;
      } else {
        this.redSec[a]! += dt;
        this.greenSec[a] = 0;
      }
      const lam = this.lambda[a]! * dt;
      this.#arrSince[a]! += lam;
      let q = this.queue[a]! + lam;
      let d = 0;
      if (g && this.greenSec[a]! > START_LOSS_SEC) {
        d = Math.min(q, this.discharge[a]! * dt);
        q -= d;
        // Once the queue has gone, the arrivals pass through: they leave too.
        if (q <= 1e-9) d = Math.max(d, Math.min(lam, this.discharge[a]! * dt));
      }
      this.history[a * H + slot] = d / dt;
      if (q > ap.storageVeh) q = ap.storageVeh;
      this.queue[a] = q;
      if (g) this.#greenSince[a]! += dt;
      else this.#redSince[a]! += dt;
      delay += q * dt;
    }
    this.lastDelayVehS = delay;
    return true;
  }

  /**
   * A detector report (counts and occupancy per lane over `intervalSec`). Reports not newer than the
   * last one are ignored. Returns true when it was used.
   */
  report(tsMs: number, intervalSec: number, detectors: readonly { id: string; count: number; occupancyPct: number }[]): boolean {
    if (tsMs <= this.#lastReportMs) return false;
    this.#lastReportMs = tsMs;
    const aps = this.approaches;
    const A = aps.length;
    const count = new Float64Array(A);
    const occ = new Float64Array(A);
    const n = new Float64Array(A);
    for (const d of detectors) {
      const r = this.#detIndex.get(d.id);
      if (!r) continue;
      count[r[0]]! += d.count;
      occ[r[0]]! += d.occupancyPct;
      n[r[0]]!++;
    }
    const T = intervalSec;
    const w = Math.min(1, T / LAMBDA_TAU_SEC);
    for (let a = 0; a < A; a++) {
      const ap = aps[a]!;
      if (n[a] === 0) continue;
      const D = count[a]!;
      const o = occ[a]! / n[a]!;
      const rate = D / T;
      this.lastRate[a] = rate;
      if (!this.#initialised) this.lambda[a] = rate;
      this.#cycD[a]! += D;
      // Held green for long: close the cycle so the rate follows the demand (never while red).
      if (this.#cycT[a]! >= 180 && this.greenSec[a]! > 0) this.#closeCycle(a);
      let lam = this.lambda[a]!;
      this.lastOcc[a] = o;
      // Measured queue at the end of the interval: start + arrivals − what really left.
      let q = this.#q0[a]! + this.#arrSince[a]! - D;
      const gs = this.#greenSince[a]!;
      const allGreen = this.#redSince[a]! === 0 && gs > 0;
      // Green seconds of the interval in which the queue could discharge (after the start-up loss).
      const effGreen = Math.max(0, Math.min(gs, this.greenSec[a]! - START_LOSS_SEC));
      if (allGreen && o >= QUEUE_OCC_PCT && effGreen >= 2) {
        // Still queued over the loop on green: what left is the real discharge rate (blocking
        // downstream, lane closures and turning traffic included), and the queue is not gone.
        this.discharge[a]! += Math.min(1, effGreen / DISCHARGE_TAU_SEC) * (D / effGreen - this.discharge[a]!);
        q = Math.max(q, ap.lanes);
        // Departures under-state arrivals while a queue persists on green.
        lam += w * Math.max(0, this.#arrSince[a]! / T - rate + 0.1 * ap.lanes * SAT_VEH_S_LANE);
      } else if (allGreen && o < FREE_OCC_PCT && effGreen >= T - 1) q = Math.min(q, 0.5 * ap.lanes); // cleared: gap-out evidence
      if (!allGreen && gs === 0 && o >= QUEUE_OCC_PCT) q = Math.max(q, ap.lanes); // standing over the loop on red
      if (q < 0) q = 0;
      if (q > ap.storageVeh) q = ap.storageVeh;
      this.queue[a] = q;
      this.lambda[a] = lam;
      this.#q0[a] = q;
      this.#arrSince[a] = 0;
      this.#greenSince[a] = 0;
      this.#redSince[a] = 0;
    }
    this.#initialised = true;
    return true;
  }

  #closeCycle(a: number): void {
    const T = this.#cycT[a]!;
    if (T <= 0) return;
    const rate = this.#cycD[a]! / T;
    // Departures balance arrivals over a cycle of the approach; weight by the cycle's length.
    this.lambda[a]! += Math.min(1, T / LAMBDA_TAU_SEC) * (rate - this.lambda[a]!);
    this.#cycD[a] = 0;
    this.#cycT[a] = 0;
  }

  /** Estimated departures of approach a in model second t (0 outside the history). */
  departedAt(a: number, t: number): number {
    const H = DISCHARGE_HISTORY_SEC;
    if (!(t <= this.nowSec && t > this.nowSec - H)) return 0;
    return this.history[a * H + (((t % H) + H) % H)]!;
  }

  /** Forgets queues (after a data gap: the model drifted); demand estimates are kept. */
  resetQueues(): void {
    this.queue.fill(0);
    this.#q0.fill(0);
    this.#arrSince.fill(0);
    this.#greenSince.fill(0);
    this.#redSince.fill(0);
  }
}
