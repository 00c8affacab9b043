/**
 * Console comforts of a control-room workstation: alarm tone (Web Audio, no files), mute and theme
 * preferences (per console, in localStorage), keyboard-shortcut helpers and the 30-minute ring
 * buffers behind the header's KPI sparklines.
 */
import type { AlarmEntity, Role } from '../../../protocol/index.ts';
import { session } from '../auth/session.svelte.ts';
import { t, type MessageKey } from '../i18n/locale.svelte.ts';

export type Theme = 'dark' | 'light';
const KEY_MUTED = 'console.muted';
const KEY_THEME = 'console.theme';
const KEY_GROUP = 'console.alarmGroups';

function readLs(key: string): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(key);
  } catch {
    return null;
  }
}
function writeLs(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode or quota: the preference then lasts for this page only */
  }
}

/** Per-console preferences; all survive a reload. */
class ConsolePrefs {
  muted = $state(readLs(KEY_MUTED) === '1');
  theme = $state<Theme>(readLs(KEY_THEME) === 'light' ? 'light' : 'dark');
  /** Alarm list grouped by cause (alarm-groups.ts) instead of one row per alarm. */
  groupAlarms = $state(readLs(KEY_GROUP) === '1');

  toggleMute(): void {
    this.muted = !this.muted;
    writeLs(KEY_MUTED, this.muted ? '1' : '0');
  }
  toggleGroupAlarms(): void {
    this.groupAlarms = !this.groupAlarms;
    writeLs(KEY_GROUP, this.groupAlarms ? '1' : '0');
  }
  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    writeLs(KEY_THEME, this.theme);
    this.apply();
  }
  /** Sets data-theme on <html> (app.html starts dark). */
  apply(): void {
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = this.theme;
  }
}
export const prefs = new ConsolePrefs();

// ---------------------------------------------------------------- alarm tone

const REPEAT_MS = 10_000;
const isHighUnack = (a: AlarmEntity) => a.priority === 'high' && a.state === 'UNACK';

/**
 * Plays a short two-tone chime when a high-priority alarm newly becomes UNACK, and repeats it every
 * 10 s while any high alarm is unacknowledged. Never for the wall role, never while muted. Browsers
 * keep an AudioContext suspended until a user gesture: `unlocked` says whether it may sound yet.
 */
export class AlarmSound {
  unlocked = $state(false);
  /** How often the tone was (or would have been, if muted) triggered; for tests and diagnosis. */
  played = $state(0);
  #ctx: AudioContext | null = null;
  #known = new Set<string>();
  #primed = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #anyHigh = false;
  readonly #role: () => Role | null;

  constructor(role: () => Role | null) {
    this.#role = role;
  }

  get enabled(): boolean {
    const r = this.#role();
    return r !== null && r !== 'wall';
  }

  /** Called on the first user gesture: creates/resumes the AudioContext. */
  unlock(): void {
    if (!this.enabled || typeof AudioContext === 'undefined') return;
    this.#ctx ??= new AudioContext();
    void this.#ctx.resume().then(() => (this.unlocked = this.#ctx?.state === 'running'));
    if (this.#ctx.state === 'running') this.unlocked = true;
  }

  /** Feed the current alarm list; call whenever it changes. */
  update(alarms: AlarmEntity[]): void {
    if (!this.enabled) return;
    const high = alarms.filter(isHighUnack);
    const ids = new Set(high.map((a) => a.id));
    // The first snapshot is the situation at login, not news: it starts the repeat, not a chime.
    const fresh = this.#primed ? high.some((a) => !this.#known.has(a.id)) : false;
    this.#primed = true;
    this.#known = ids;
    // Repeats while a high alarm is unacknowledged, also one that has returned to normal (RTNUN).
    this.#anyHigh = alarms.some((a) => a.priority === 'high' && (a.state === 'UNACK' || a.state === 'RTNUN'));
    if (fresh) this.#beep();
    if (this.#anyHigh && !this.#timer) this.#timer = setInterval(() => this.#anyHigh && this.#beep(), REPEAT_MS);
    if (!this.#anyHigh && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    void this.#ctx?.close().catch(() => undefined);
    this.#ctx = null;
  }

  #beep(): void {
    this.played++;
    if (prefs.muted || !this.#ctx || this.#ctx.state !== 'running') return;
    const ctx = this.#ctx;
    const t0 = ctx.currentTime + 0.02;
    // Two short rising square-ish tones (880 Hz, 1320 Hz): distinct from a phone or a PC chime.
    [
      [880, 0],
      [1320, 0.18],
      [880, 0.36],
      [1320, 0.54],
    ].forEach(([f, dt]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'triangle';
      osc.frequency.value = f!;
      gain.gain.setValueAtTime(0.0001, t0 + dt!);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + dt! + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + dt! + 0.15);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + dt!);
      osc.stop(t0 + dt! + 0.16);
    });
  }
}

// ---------------------------------------------------------------- alarm actions and shortcuts

/** The REST call behind the acknowledge button (and the `A` shortcut). */
export async function ackAlarm(id: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const r = await session.send('/api/alarms/ack', 'POST', { id }).catch(() => null);
  if (r?.ok) return { ok: true };
  const msg = r ? ((await r.json().catch(() => null)) as { error?: { message?: string } } | null)?.error?.message : null;
  return { ok: false, message: `${t('action.failed')}${r ? ` (HTTP ${r.status})` : ''}${msg ? `: ${msg}` : ''}` };
}

/** Newest alarm the `A` key acknowledges: UNACK or RTNUN, newest change first; null if none or not allowed. */
export function ackTarget(alarms: AlarmEntity[]): AlarmEntity | null {
  if (!session.can('alarm.ack')) return null;
  let best: AlarmEntity | null = null;
  for (const a of alarms) if ((a.state === 'UNACK' || a.state === 'RTNUN') && (!best || a.lastChangeMs > best.lastChangeMs)) best = a;
  return best;
}

/** True when a key event comes from a text field, select or editable element (shortcuts stay quiet). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT';
}

/** Key and the i18n key of what it does. */
export const SHORTCUTS: [string, MessageKey][] = [
  ['A', 'shortcuts.ack'],
  ['M', 'shortcuts.mute'],
  ['1 – 5', 'shortcuts.tabs'],
  ['L', 'shortcuts.layers'],
  ['?', 'shortcuts.help'],
  ['Esc', 'shortcuts.close'],
];

// ---------------------------------------------------------------- KPI ring buffers

export const SAMPLE_MS = 10_000;
export const WINDOW_MS = 30 * 60_000;

/** Fixed-capacity ring of (time, value) samples: 30 min at 10 s = 180 points, never more. */
export class Ring {
  readonly cap: number;
  #t: Float64Array;
  #v: Float64Array;
  #start = 0;
  #n = 0;
  /** Bumped on every push so Svelte redraws the sparkline. */
  version = $state(0);
  constructor(cap = WINDOW_MS / SAMPLE_MS) {
    this.cap = cap;
    this.#t = new Float64Array(cap);
    this.#v = new Float64Array(cap);
  }
  push(tMs: number, v: number | null): void {
    const i = (this.#start + this.#n) % this.cap;
    this.#t[i] = tMs;
    this.#v[i] = v ?? NaN;
    if (this.#n < this.cap) this.#n++;
    else this.#start = (this.#start + 1) % this.cap;
    this.version++;
  }
  get length(): number {
    return this.#n;
  }
  /** Oldest first; NaN marks a sample without a value. */
  points(): { t: number; v: number }[] {
    void this.version;
    const out: { t: number; v: number }[] = [];
    for (let k = 0; k < this.#n; k++) {
      const i = (this.#start + k) % this.cap;
      out.push({ t: this.#t[i]!, v: this.#v[i]! });
    }
    return out;
  }
}
