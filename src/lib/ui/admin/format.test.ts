import { describe, expect, it } from 'vitest';
import { escapePayload } from '../../../../server/http/auth-routes.ts';
import { clipSegments, decodePayload, formatDuration, generatePassword } from './format.ts';

const text = (s: ReturnType<typeof decodePayload>['segments']) => s.map((x) => x.text).join('');

describe('decodePayload', () => {
  it('turns the hub-escaped markup back into readable text (to be rendered as text)', () => {
    const raw = '{"id":"K001",<script>alert(1)</script> & \'x\' \\ü}';
    const d = decodePayload(escapePayload(Buffer.from(raw, 'utf8')));
    expect(d.binary).toBe(false);
    expect(text(d.segments)).toBe(raw);
    expect(d.segments.every((s) => !s.esc)).toBe(true);
  });

  it('shows control characters as marked escapes', () => {
    const d = decodePayload(escapePayload(Buffer.from('a\nb\x00c\u202ed', 'utf8')));
    expect(d.segments).toEqual([
      { text: 'a', esc: false },
      { text: '\\n', esc: true },
      { text: 'b', esc: false },
      { text: '\\u{0}', esc: true },
      { text: 'c', esc: false },
      { text: '\\u{202e}', esc: true },
      { text: 'd', esc: false },
    ]);
  });

  it('keeps the escaped form of bytes that are not UTF-8', () => {
    const d = decodePayload(escapePayload(Buffer.from([0x41, 0xff, 0xfe, 0x42])));
    expect(d.binary).toBe(true);
    expect(d.segments).toEqual([
      { text: 'A', esc: false },
      { text: '\\xff\\xfe', esc: true },
      { text: 'B', esc: false },
    ]);
  });
});

describe('clipSegments', () => {
  it('cuts on code points across segments', () => {
    const c = clipSegments(
      [
        { text: 'ab', esc: false },
        { text: '\\n', esc: true },
        { text: '😀x', esc: false },
      ],
      5,
    );
    expect(c.clipped).toBe(true);
    expect(c.segments.map((s) => s.text).join('')).toBe('ab\\n😀');
    expect(clipSegments([{ text: 'abc', esc: false }], 3).clipped).toBe(false);
  });
});

describe('formatDuration / generatePassword', () => {
  it('formats uptimes', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(3 * 3600 + 240)).toBe('3 h 4 min');
    expect(formatDuration(2 * 86400 + 5 * 3600)).toBe('2 d 5 h');
  });

  it('generates passwords the hub accepts, without ambiguous characters', () => {
    const p = generatePassword();
    expect(p).toHaveLength(20);
    expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    expect(generatePassword()).not.toBe(p);
  });
});
