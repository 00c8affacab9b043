/**
 * Pure helpers of the admin view: German labels, Europe/Berlin times, durations, the readable form
 * of quarantined payloads and generated passwords. No DOM; tested in format.test.ts.
 */

export const ROLE_LABEL: Record<string, string> = {
  operator: 'Verkehr',
  fire: 'Feuerwehr',
  utility: 'Betrieb',
  admin: 'Administration',
  wall: 'Wandanzeige',
};

/** Roles an admin may give a user account (protocol/auth.ts CreateUserRequest: not `wall`). */
export const USER_ROLES = ['operator', 'fire', 'utility', 'admin'] as const;

/** Why the hub quarantined a message (server/ingest/decode.ts RejectReason and the device kinds). */
export const REASON_LABEL: Record<string, string> = {
  unknown_topic: 'Unbekanntes Topic',
  oversized: 'Zu groß',
  malformed_json: 'Kein gültiges JSON',
  schema: 'Schema verletzt',
  bad_device_id: 'Ungültige Geräte-ID',
  unknown_device: 'Unbekanntes Gerät',
  timestamp: 'Zeitstempel unplausibel',
  duplicate: 'Duplikat',
};
export const reasonLabel = (r: string) => REASON_LABEL[r] ?? r;

export const AUDIT_RESULT_LABEL: Record<string, string> = { ok: 'erfolgreich', denied: 'abgelehnt', error: 'Fehler' };

export const AREA_LABEL: Record<string, string> = {
  traffic: 'Verkehr',
  transit: 'ÖPNV',
  utility: 'Betrieb',
  environment: 'Umwelt',
  fire: 'Feuerwehr',
  system: 'System',
  unknown: 'unbekannt',
};

export const PRIORITY_LABEL: Record<string, string> = { high: 'hoch', medium: 'mittel', low: 'niedrig', diagnostic: 'Diagnose' };
/** EEMUA 191 / ISA-18.2 guidance for the share of annunciations per priority (%). */
export const PRIORITY_TARGET_PCT: Record<string, number | null> = { high: 5, medium: 15, low: 80, diagnostic: null };

/** The hub's KPI targets (server/alarms/kpis.ts) in German, in display order. */
export const KPI_TARGETS: readonly { key: string; label: string; target: string; unit: string }[] = [
  { key: 'avgPer10Min', label: 'Alarme je 10 min und Bereich (Ø, schlechtester Bereich)', target: '≤ 1 (max. 2 beherrschbar)', unit: '' },
  { key: 'floodPct', label: 'Anteil 10-min-Intervalle mit Alarmflut (> 10)', target: '< 1 %', unit: ' %' },
  { key: 'top10SharePct', label: 'Anteil der 10 häufigsten Alarme', target: '≤ 5 %', unit: ' %' },
  { key: 'chattering', label: 'Flatternde Alarme (≥ 3 in 60 s)', target: '0', unit: '' },
  { key: 'stale', label: 'Dauerhaft anstehende Alarme (> 24 h)', target: '< 5', unit: '' },
  { key: 'highPriorityPct', label: 'Anteil Priorität hoch', target: '≈ 5 % (≤ 10 %)', unit: ' %' },
];

const berlinDateTime = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const berlinZone = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', timeZoneName: 'short' });

/** "27.05.2025, 14:03:07" in Duisburg time, whatever the browser's zone is. */
export const formatBerlinDateTime = (ms: number) => berlinDateTime.format(ms);
/** "MEZ" / "MESZ" at that instant. */
export const berlinZoneName = (ms: number) => berlinZone.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';

const nf = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 2 });
export const formatNumber = (x: number) => nf.format(x);

/** "45 s", "12 min 5 s", "3 h 4 min", "2 d 5 h". */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A piece of display text; `esc` pieces stand for bytes or characters that cannot be shown as is. */
export interface Segment {
  text: string;
  esc: boolean;
}

const CONTROL_NAME: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The readable form of a quarantined payload. The hub sends printable ASCII with every other byte
 * (and `\ < > & " '`) as `\xNN`; this turns it back into bytes and, when they are UTF-8, into text,
 * with control characters shown as escapes. Not UTF-8 (binary): the hub's escaped form as it is.
 * The result is plain text to be rendered as text, never as HTML.
 */
export function decodePayload(escaped: string): { segments: Segment[]; binary: boolean; length: number } {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const m = escaped[i] === '\\' && /^x[0-9a-f]{2}$/i.test(escaped.slice(i + 1, i + 4));
    if (m) {
      bytes.push(parseInt(escaped.slice(i + 2, i + 4), 16));
      i += 3;
    } else bytes.push(escaped.charCodeAt(i) & 0xff);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    const segments: Segment[] = [];
    for (const part of escaped.split(/(\\x[0-9a-f]{2})/i)) if (part) push(segments, part, /^\\x[0-9a-f]{2}$/i.test(part));
    return { segments, binary: true, length: segLength(segments) };
  }
  const segments: Segment[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const control = cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0x2028 || cp === 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
    if (control) push(segments, CONTROL_NAME[ch] ?? `\\u{${cp.toString(16)}}`, true);
    else push(segments, ch, false);
  }
  return { segments, binary: false, length: segLength(segments) };
}

function push(segments: Segment[], text: string, esc: boolean) {
  const last = segments.at(-1);
  if (last && last.esc === esc) last.text += text;
  else segments.push({ text, esc });
}

const segLength = (segments: readonly Segment[]) => segments.reduce((n, s) => n + [...s.text].length, 0);

/** The first `max` characters of the segments (whole code points), and whether anything was cut. */
export function clipSegments(segments: readonly Segment[], max: number): { segments: Segment[]; clipped: boolean } {
  const out: Segment[] = [];
  let left = max;
  for (const s of segments) {
    if (left <= 0) return { segments: out, clipped: true };
    const chars = [...s.text];
    if (chars.length <= left) {
      out.push(s);
      left -= chars.length;
    } else {
      out.push({ text: chars.slice(0, left).join(''), esc: s.esc });
      return { segments: out, clipped: true };
    }
  }
  return { segments: out, clipped: false };
}

/** Compact one-line form of an audit row's detail: `role=operator, created=true`. */
export function formatDetail(detail: Record<string, unknown> | null | undefined): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

/** Without 0/O, 1/l/I: read off a screen and typed in without doubt. */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A random password from the browser's CSPRNG (no modulo bias); 20 characters ≈ 116 bits. */
export function generatePassword(length = 20): string {
  const n = PASSWORD_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < limit) out += PASSWORD_ALPHABET[b % n];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Username rule of the hub (protocol/auth.ts CreateUserRequest). */
export const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/i;
export const MIN_PASSWORD = 12;
