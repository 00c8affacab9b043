/**
 * Public transport priority (ÖPNV-Vorrang) and emergency preemption.
 *
 * Transit (VDV / RiLSA 2015 "Bevorrechtigung des ÖPNV"; passenger-weighted priority as in
 * Christofa & Skabardonis 2011, "Traffic signal optimization with application of transit signal
 * priority to an isolated intersection", TRR 2259): a LATE vehicle (delay ≥ minDelaySec) that will
 * reach the stop line within horizonSec adds its passengers, in car equivalents (1.3 persons per
 * car, German urban average occupancy), to the pressure of its approach, scaled by how late it is.
 * With the stage already green this holds it (green extension); otherwise it lets the stage switch
 * early (early green) — but only when the passenger-weighted pressure beats the waiting cars',
 * which is the "conditional on the cost to others" rule. On-time and early vehicles get nothing.
 *
 * Emergency preemption: for a route of signals, the signal the vehicle reaches within
 * prepareSec (and up to `lookaheadSignals` ahead) is asked for the stage serving its approach; the
 * safety layer still times every minimum green and intergreen. When the vehicle has passed, the
 * normal strategy resumes from whatever is green (recovery; the max-red rule serves those who
 * waited).
 */
import type { Preemption, TransitApproach } from './types.ts';

export const TRANSIT_MIN_DELAY_SEC = 60;
export const TRANSIT_HORIZON_SEC = 30;
/** Persons per car in German urban traffic (MiD 2017: about 1.3-1.5). */
export const CAR_OCCUPANCY = 1.3;
export const DEFAULT_PASSENGERS = { bus: 25, tram: 60, lightrail: 100 } as const;
/** Lateness at which the priority is full, s. */
export const FULL_PRIORITY_DELAY_SEC = 300;
/** A preempted signal is prepared this long before the vehicle's arrival, s. */
export const PREEMPT_PREPARE_SEC = 30;
/** Running speed of an emergency vehicle assumed between signals, m/s. */
export const PREEMPT_SPEED_MS = 12;

/** Car-equivalent weight of one late transit vehicle (0 when not eligible). */
export function transitWeight(t: TransitApproach, minDelaySec = TRANSIT_MIN_DELAY_SEC, horizonSec = TRANSIT_HORIZON_SEC): number {
  if (!(t.delaySec >= minDelaySec) || !(t.etaSec >= 0) || t.etaSec > horizonSec) return 0;
  const pax = t.passengers ?? DEFAULT_PASSENGERS[t.mode];
  return (pax / CAR_OCCUPANCY) * Math.min(1, t.delaySec / FULL_PRIORITY_DELAY_SEC);
}

/**
 * Signals to preempt now: tlsId → approachId, for every preemption whose vehicle reaches them within
 * PREEMPT_PREPARE_SEC. `linkLengthM(fromTls, toTls)` gives the distance between consecutive signals
 * (null when unknown: 300 m assumed).
 */
export function preemptTargets(pre: readonly Preemption[], linkLengthM: (from: string, to: string) => number | null): Map<string, { approachId: string; preemptionId: string; etaSec: number }> {
  const out = new Map<string, { approachId: string; preemptionId: string; etaSec: number }>();
  for (const p of pre) {
    const ahead = Math.max(1, p.lookaheadSignals ?? 3);
    let eta = p.etaSec;
    for (let k = p.nextIndex; k < p.route.length && k < p.nextIndex + ahead; k++) {
      if (k > p.nextIndex) eta += (linkLengthM(p.route[k - 1]!.tlsId, p.route[k]!.tlsId) ?? 300) / PREEMPT_SPEED_MS;
      if (eta > PREEMPT_PREPARE_SEC) break;
      const r = p.route[k]!;
      const prev = out.get(r.tlsId);
      if (!prev || eta < prev.etaSec) out.set(r.tlsId, { approachId: r.approachId, preemptionId: p.id, etaSec: eta });
    }
  }
  return out;
}
