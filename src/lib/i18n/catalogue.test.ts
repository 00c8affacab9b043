/**
 * The two catalogues must carry the same keys and the same placeholders: a missing English text
 * or a `{n}` lost in translation shows up here, not on a control-room screen.
 */
import { describe, expect, it } from 'vitest';
import { de } from './de.ts';
import { en } from './en.ts';
import { pickLocale } from './format.ts';
import { CATALOGUES, interpolate } from './locale.svelte.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogues', () => {
  it('de and en have exactly the same keys', () => {
    const deKeys = Object.keys(de).sort();
    const enKeys = Object.keys(en).sort();
    expect(enKeys.filter((k) => !(k in de)), 'keys only in en').toEqual([]);
    expect(deKeys.filter((k) => !(k in en)), 'keys missing in en').toEqual([]);
    expect(Object.keys(CATALOGUES).sort()).toEqual(['de', 'en']);
  });

  it('every text is non-empty and has the same placeholders in both languages', () => {
    for (const k of Object.keys(de) as (keyof typeof de)[]) {
      expect(de[k].trim(), `de ${k}`).not.toBe('');
      expect(en[k].trim(), `en ${k}`).not.toBe('');
      expect(placeholders(en[k]), `placeholders of ${k}`).toEqual(placeholders(de[k]));
    }
  });

  it('English is a translation, not a copy (at most a few identical texts such as "LIVE" or "Bus")', () => {
    const same = (Object.keys(de) as (keyof typeof de)[]).filter((k) => de[k] === en[k] && /[a-zäöüß]{4,}/i.test(de[k]));
    expect(same.length).toBeLessThan(Object.keys(de).length * 0.05);
  });
});

describe('interpolate and pickLocale', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(interpolate('{n} von {total} Leuchten', { n: 3, total: 12 })).toBe('3 von 12 Leuchten');
    expect(interpolate('Plan {plan}', {})).toBe('Plan {plan}');
  });
  it('takes the first German or English browser language, German otherwise', () => {
    expect(pickLocale(['en-US', 'de'])).toBe('en');
    expect(pickLocale(['fr-FR', 'de-AT'])).toBe('de');
    expect(pickLocale(['fr-FR'])).toBe('de');
    expect(pickLocale(undefined)).toBe('de');
  });
});
