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
