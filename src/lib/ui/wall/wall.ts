/**
 * Pure helpers of the public wall display (/wall): view cycle, pixel shift against burn-in, the
 * Europe/Berlin clock and the nightly reload window. No state, no DOM: easy to reason about for a
 * screen that runs unattended for weeks. View labels are i18n keys.
 */
import { INTL_LOCALE, TIME_ZONE, type Locale } from '../../i18n/format.ts';

export const WALL_VIEWS = [
  { key: 'traffic', label: 'wall.traffic' },
  { key: 'transit', label: 'wall.transit' },
  { key: 'parking', label: 'wall.parking' },
  { key: 'environment', label: 'wall.environment' },
] as const;
export type WallView = (typeof WALL_VIEWS)[number]['key'];

export const DEFAULT_CYCLE_SEC = 20;

/** `?cycle=SEC`, clamped to 3 … 600 s; anything else gives the default. */
export function parseCycleSec(raw: string | null): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.min(600, Math.max(3, n)) : DEFAULT_CYCLE_SEC;
}

/** Positions of the whole content, px; one step every PIXEL_SHIFT_MS, the same cycle on every wall. */
const SHIFT_STEPS: readonly (readonly [number, number])[] = [
  [0, 0],
  [4, 0],
  [4, 4],
  [0, 4],
  [-4, 4],
  [-4, 0],
  [-4, -4],
  [0, -4],
  [4, -4],
  [2, 2],
  [-2, 2],
  [-2, -2],
  [2, -2],
];
export const PIXEL_SHIFT_MS = 120_000;
export function pixelShift(nowMs: number): readonly [number, number] {
  return SHIFT_STEPS[Math.floor(nowMs / PIXEL_SHIFT_MS) % SHIFT_STEPS.length]!;
}

const fmt = (locale: Locale) => {
  let f = cache.get(locale);
  if (!f) {
    const l = INTL_LOCALE[locale];
    f = {
      hm: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
      day: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
    };
    cache.set(locale, f);
  }
  return f;
};
const cache = new Map<Locale, { hm: Intl.DateTimeFormat; day: Intl.DateTimeFormat }>();

/** { time: "14:03", zone: "MEZ" | "MESZ" (German) / "CET" | "CEST" (English) } in Europe/Berlin, whatever the browser's zone is. */
export function berlinClock(ms: number, locale: Locale = 'de'): { time: string; zone: string; hour: number } {
  const parts = fmt(locale).hm.formatToParts(ms);
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? '';
  const hour = Number(get('hour'));
  return { time: `${get('hour')}:${get('minute')}`, zone: get('timeZoneName'), hour };
}
export const berlinDate = (ms: number, locale: Locale = 'de') => fmt(locale).day.format(ms);

/** Reload window: 04:00–04:59 Berlin time, and only for a page that has been up for more than 2 h (no loop). */
export const RELOAD_HOUR = 4;
export const RELOAD_MIN_UPTIME_MS = 2 * 3600_000;
export function reloadDue(nowMs: number, loadedAtMs: number): boolean {
  return nowMs - loadedAtMs > RELOAD_MIN_UPTIME_MS && berlinClock(nowMs).hour === RELOAD_HOUR;
}

/** "12 s", "4 min", "3 h" */
export function ageText(sec: number | null): string {
  if (sec === null) return '—';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  return `${Math.round(sec / 3600)} h`;
}
