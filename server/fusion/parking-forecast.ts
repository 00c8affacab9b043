/**
 * Forecast of free spaces per garage, 15/30/60 min ahead, with the probability of finding a space
 * (the Smart Parking goal). Simple and explainable, learned online, in memory:
 *
 * 1. Seasonal profile: occupancy share (occupied / capacity) per day type (weekday / saturday /
 *    sunday, local time Europe/Berlin) and 15-min slot, learned by exponential smoothing
 *    P ← P + α(o − P) of each slot's mean occupancy when the slot ends (α = PROFILE_ALPHA).
 * 2. Trend: the change of occupancy over the last ~15 min (least-squares slope), damped.
 * 3. Forecast share f(h) = o_now + β·(P[slot(now+h)] − P[slot(now)]) + (1 − β)·damp·slope·h,
 *    β = SEASONAL_WEIGHT when both slots are learned, else 0 (trend only). Clamped to [0, 1];
 *    vacant = capacity · (1 − f).
 * 4. Uncertainty: per horizon the running variance of the forecast error in spaces (exponentially
 *    weighted, γ = RESIDUAL_GAMMA), started from a prior of (PRIOR_SD_SHARE·capacity·√(h/15))².
 *    pFree = P(vacant ≥ 1) under a normal approximation = 1 − Φ((0.5 − vacant) / σ).
 */
import type { ParkingForecast } from '../../protocol/index.ts';
import { localDayHour } from './transit-ops.ts';

export const HORIZONS_MIN = [15, 30, 60] as const;
export const SLOT_MIN = 15;
export const SLOTS_PER_DAY = (24 * 60) / SLOT_MIN;
export const PROFILE_ALPHA = 0.3;
export const SEASONAL_WEIGHT = 0.7;
export const TREND_DAMPING = 0.5;
export const TREND_WINDOW_MS = 15 * 60_000;
export const RESIDUAL_GAMMA = 0.05;
export const PRIOR_SD_SHARE = 0.05;

/** Standard normal CDF (Abramowitz & Stegun 26.2.17 via erf 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Profile key of a time: day type and 15-min slot in local time. */
export function slotOf(tsMs: number): { key: string; day: string; slot: number } {
  const { day, hour } = localDayHour(tsMs);
  const slot = Math.min(SLOTS_PER_DAY - 1, Math.floor((hour * 60) / SLOT_MIN));
  return { key: `${day}:${slot}`, day, slot };
}

interface Pending {
  dueMs: number;
  inMin: number;
  vacant: number;
}

export class ParkingForecaster {
  readonly capacity: number;
  /** `${dayType}:${slot}` → smoothed occupancy share. */
  readonly profile = new Map<string, number>();
  /** Running forecast-error variance (spaces²) per horizon. */
  readonly variance = new Map<number, number>();
  #slotKey: string | null = null;
  #slotSum = 0;
  #slotN = 0;
  #recent: { tsMs: number; share: number }[] = [];
  #pending: Pending[] = [];
  #lastTs = -Infinity;

  constructor(capacity: number) {
    this.capacity = capacity;
    for (const h of HORIZONS_MIN) this.variance.set(h, (PRIOR_SD_SHARE * capacity * Math.sqrt(h / 15)) ** 2);
  }

  /** One status: learn (profile, residuals) and return the forecasts. Out-of-order statuses are ignored (null). */
  observe(tsMs: number, occupied: number, open = true): ParkingForecast[] | null {
    if (tsMs <= this.#lastTs) return null;
    this.#lastTs = tsMs;
    const share = this.capacity > 0 ? occupied / this.capacity : 0;
    const vacant = this.capacity - occupied;
    // Residuals of forecasts that have come due.
    const still: Pending[] = [];
    for (const p of this.#pending) {
      if (p.dueMs > tsMs) {
        still.push(p);
        continue;
      }
      const e = vacant - p.vacant;
      const v = this.variance.get(p.inMin)!;
      this.variance.set(p.inMin, (1 - RESIDUAL_GAMMA) * v + RESIDUAL_GAMMA * e * e);
    }
    this.#pending = still;
    // Seasonal profile: commit the slot's mean when the slot changes.
    const { key } = slotOf(tsMs);
    if (this.#slotKey !== null && key !== this.#slotKey && this.#slotN > 0) this.#learn(this.#slotKey, this.#slotSum / this.#slotN);
    if (key !== this.#slotKey) {
      this.#slotKey = key;
      this.#slotSum = 0;
      this.#slotN = 0;
    }
    this.#slotSum += share;
    this.#slotN++;
    this.#recent.push({ tsMs, share });
    while (this.#recent.length > 1 && this.#recent[0]!.tsMs < tsMs - TREND_WINDOW_MS) this.#recent.shift();
    const out = this.forecast(tsMs, share, open);
    // Bound the pending list (one status per minute → ~60 per horizon at most).
    for (const f of out) if (this.#pending.length < 1000) this.#pending.push({ dueMs: tsMs + f.inMin * 60_000, inMin: f.inMin, vacant: f.vacant });
    return out;
  }

  #learn(key: string, mean: number) {
    const p = this.profile.get(key);
    this.profile.set(key, p === undefined ? mean : p + PROFILE_ALPHA * (mean - p));
  }

  /** Occupancy slope, share per minute, least squares over the trend window. */
  slopePerMin(): number {
    const r = this.#recent;
    if (r.length < 2) return 0;
    const t0 = r[0]!.tsMs;
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const p of r) {
      const x = (p.tsMs - t0) / 60_000;
      sx += x;
      sy += p.share;
      sxx += x * x;
      sxy += x * p.share;
    }
    const n = r.length;
    const den = n * sxx - sx * sx;
    return den > 0 ? (n * sxy - sx * sy) / den : 0;
  }

  forecast(tsMs: number, share: number, open = true): ParkingForecast[] {
    const now = this.profile.get(slotOf(tsMs).key);
    const slope = this.slopePerMin();
    return HORIZONS_MIN.map((h) => {
      const then = this.profile.get(slotOf(tsMs + h * 60_000).key);
      const beta = now !== undefined && then !== undefined ? SEASONAL_WEIGHT : 0;
      const seasonal = beta > 0 ? then! - now! : 0;
      const f = Math.min(1, Math.max(0, share + beta * seasonal + (1 - beta) * TREND_DAMPING * slope * h));
      const vacant = Math.round(this.capacity * (1 - f));
      const sd = Math.sqrt(this.variance.get(h)!);
      const pFree = !open ? 0 : sd > 0 ? 1 - normalCdf((0.5 - vacant) / sd) : vacant >= 1 ? 1 : 0;
      return { inMin: h, vacant, pFree: Math.round(pFree * 100) / 100 };
    });
  }
}
