/**
 * Number, date and time formatting for the two UI languages. Times are always Duisburg's
 * (Europe/Berlin) with the zone shown, whatever zone the browser runs in: a wall PC set to UTC and
 * an operator's laptop must show the same clock. English uses en-GB conventions (24-hour clock,
 * "CET"/"CEST"), German de-DE ("MEZ"/"MESZ").
 */
export const LOCALES = ['de', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const INTL_LOCALE: Record<Locale, string> = { de: 'de-DE', en: 'en-GB' };
export const TIME_ZONE = 'Europe/Berlin';

interface Formatters {
  number: Intl.NumberFormat;
  time: Intl.DateTimeFormat;
  timeShort: Intl.DateTimeFormat;
  date: Intl.DateTimeFormat;
  dateTime: Intl.DateTimeFormat;
}
// Intl constructors are expensive: one set per locale, built on first use.
const cache = new Map<Locale, Formatters>();
export function formatters(locale: Locale): Formatters {
  let f = cache.get(locale);
  if (!f) {
    const l = INTL_LOCALE[locale];
    f = {
      number: new Intl.NumberFormat(l),
      time: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
      timeShort: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
      date: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric' }),
      dateTime: new Intl.DateTimeFormat(l, { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
    };
    cache.set(locale, f);
  }
  return f;
}

/** The UI language for a list of browser languages (navigator.languages): the first de/en wins, else German. */
export function pickLocale(languages: readonly string[] | undefined): Locale {
  for (const tag of languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'de';
}

export const isLocale = (v: unknown): v is Locale => v === 'de' || v === 'en';
