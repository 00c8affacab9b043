/**
 * The UI language of this console: `?lang=de|en` in the address, else the choice remembered in
 * localStorage (header switch), else the browser's language (German unless it prefers English). `t()` reads the reactive
 * locale, so every template that calls it re-renders when the language changes.
 *
 *   import { t, i18n } from '#lib/i18n/locale.svelte.ts';
 *   t('alarms.title')                       // "Alarme" / "Alarms"
 *   t('alarms.groupCount', { n: 3 })        // placeholders in {braces}
 */
import { de, type MessageKey } from './de.ts';
import { en } from './en.ts';
import { formatters, isLocale, pickLocale, type Locale } from './format.ts';

export type { Locale, MessageKey };
export const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { de, en };
const KEY_LOCALE = 'console.locale';

function stored(): Locale | null {
  try {
    const v = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY_LOCALE);
    return isLocale(v) ? v : null;
  } catch {
    return null;
  }
}

/** Replaces `{name}` placeholders; a missing parameter stays visible as `{name}` (a bug, not a blank). */
export function interpolate(msg: string, params?: Record<string, string | number>): string {
  if (!params) return msg;
  return msg.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/** `?lang=en` in the address: for wall displays, which have no controls to switch with. */
function fromAddress(): Locale | null {
  const v = typeof location === 'undefined' ? null : new URLSearchParams(location.search).get('lang');
  return isLocale(v) ? v : null;
}

class I18n {
  locale = $state<Locale>(fromAddress() ?? stored() ?? pickLocale(typeof navigator === 'undefined' ? undefined : navigator.languages));

  set(locale: Locale): void {
    this.locale = locale;
    try {
      localStorage.setItem(KEY_LOCALE, locale);
    } catch {
      /* private mode: the choice lasts for this page */
    }
    this.apply();
  }
  /** <html lang> follows the UI language (screen readers, hyphenation). */
  apply(): void {
    if (typeof document !== 'undefined') document.documentElement.lang = this.locale;
  }
  get fmt() {
    return formatters(this.locale);
  }
}
export const i18n = new I18n();

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return interpolate(CATALOGUES[i18n.locale][key], params);
}

/** Thousands-separated number in the UI language ("9.540" / "9,540"); null as a dash. */
export const formatNumber = (n: number | null | undefined): string => (n == null || !Number.isFinite(n) ? '—' : i18n.fmt.number.format(n));
