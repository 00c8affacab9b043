import { i18n } from '../i18n/locale.svelte.ts';

/** A ticking clock for data-age displays: one timer for the whole page, not one per component. */
export class Clock {
  nowMs = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;
  start(periodMs = 1000): () => void {
    this.#timer = setInterval(() => (this.nowMs = Date.now()), periodMs);
    return () => clearInterval(this.#timer);
  }
}

/** "14:03:07 MEZ" / "14:03:07 CET": Duisburg time with the zone, in the UI language, whatever the browser's zone is. */
export const formatBerlinTime = (ms: number) => i18n.fmt.time.format(ms);
export const formatBerlinDate = (ms: number) => i18n.fmt.date.format(ms);
/** "22.11.2026, 14:03:07 MEZ": for tables and audit trails. */
export const formatBerlinDateTime = (ms: number) => i18n.fmt.dateTime.format(ms);

/** "12 s", "4 min", "3 h": the age of a value, short enough for a legend or a table cell. */
export function formatAge(sec: number | null): string {
  if (sec === null) return '—';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${Math.round(sec / 3600)} h`;
}

/** Age of a device timestamp on the hub clock, or null. */
export const ageOf = (tsMs: number | null | undefined, hubNowMs: number) => (tsMs == null ? null : Math.max(0, (hubNowMs - tsMs) / 1000));
