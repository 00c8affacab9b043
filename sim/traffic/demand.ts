/**
 * Time-of-day demand. Shape from typical German urban count profiles (weekday morning peak
 * 07–09, evening peak 16–18, night trough ~5 % of peak; weekends flatter and later).
 */
const WEEKDAY = [0.06, 0.04, 0.03, 0.03, 0.06, 0.2, 0.55, 0.95, 1.0, 0.75, 0.65, 0.68, 0.72, 0.7, 0.72, 0.82, 0.97, 1.0, 0.85, 0.6, 0.42, 0.3, 0.2, 0.11];
const WEEKEND = [0.1, 0.07, 0.05, 0.04, 0.04, 0.07, 0.12, 0.2, 0.32, 0.45, 0.55, 0.62, 0.65, 0.62, 0.6, 0.6, 0.6, 0.58, 0.52, 0.42, 0.32, 0.25, 0.18, 0.13];

const berlinParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  weekday: 'short',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

/** Local hour (fractional) and weekday in Duisburg for a UTC instant. */
export function localTime(tsMs: number): { hour: number; weekend: boolean } {
  let h = 0;
  let m = 0;
  let wd = '';
  for (const p of berlinParts.formatToParts(tsMs)) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
    else if (p.type === 'weekday') wd = p.value;
  }
  return { hour: h + m / 60, weekend: wd === 'Sat' || wd === 'Sun' };
}

/** Demand factor 0..1 relative to the weekday peak hour, interpolated between hours. */
export function demandFactor(tsMs: number): number {
  const { hour, weekend } = localTime(tsMs);
  const prof = weekend ? WEEKEND : WEEKDAY;
  const i = Math.floor(hour) % 24;
  const f = hour - Math.floor(hour);
  return prof[i]! * (1 - f) + prof[(i + 1) % 24]! * f;
}

/** A demand factor over model time (ms since the epoch), relative to the weekday design peak. */
export type DemandFn = (tsMs: number) => number;

/**
 * `fn` evaluated once per model minute (the local-time formatting behind `demandFactor` costs
 * microseconds; the traffic model asks every model second). Same input minute, same value.
 */
export function perMinute(fn: DemandFn = demandFactor): DemandFn {
  let minute = Number.NaN;
  let value = 0;
  return (tsMs: number) => {
    const m = Math.floor(tsMs / 60_000);
    if (m !== minute) {
      minute = m;
      value = fn(m * 60_000);
    }
    return value;
  };
}

/** A constant factor (tests, evaluation at a fixed load). */
export const constantDemand =
  (factor: number): DemandFn =>
  () =>
    factor;
