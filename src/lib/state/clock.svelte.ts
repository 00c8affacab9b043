/** A ticking clock for data-age displays: one timer for the whole page, not one per component. */
export class Clock {
  nowMs = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;
  start(periodMs = 1000): () => void {
    this.#timer = setInterval(() => (this.nowMs = Date.now()), periodMs);
    return () => clearInterval(this.#timer);
  }
}

const berlinTime = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});
const berlinDate = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric' });

/** "14:03:07 MEZ": local Duisburg time with the zone, whatever the browser's zone is. */
export const formatBerlinTime = (ms: number) => berlinTime.format(ms);
export const formatBerlinDate = (ms: number) => berlinDate.format(ms);

/** "12 s", "4 min", "3 h": the age of a value, short enough for a legend or a table cell. */
export function formatAge(sec: number | null): string {
  if (sec === null) return '—';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${Math.round(sec / 3600)} h`;
}

/** Age of a device timestamp on the hub clock, or null. */
export const ageOf = (tsMs: number | null | undefined, hubNowMs: number) => (tsMs == null ? null : Math.max(0, (hubNowMs - tsMs) / 1000));
