/**
 * Alarm management after ISA-18.2 / IEC 62682: the alarm state machine, on/off delays against
 * chattering, shelving with expiry, suppression by design (consequential alarms under an active
 * cause) and out-of-service. Pure: no clock, no I/O; every call takes `nowMs` and returns the
 * transitions it made, which the caller stores (who, when, why) and streams.
 *
 * ISA-18.2 state diagram (states A–H of the standard, named as in IEC 62682):
 *   NORM --condition--> UNACK --ack--> ACKED --clear--> NORM
 *   UNACK --clear--> RTNUN --ack--> NORM ;  RTNUN --condition--> UNACK
 *   any annunciated state --shelve--> SHLVD --expiry/unshelve--> UNACK (if still active) | NORM
 *   DSUPR: active while its cause is active, not annunciated;  OOSRV: removed for maintenance.
 */
import type { AlarmEntity, AlarmPriority, AlarmState } from '../../protocol/index.ts';

export interface ConditionInput {
  entity: string;
  condition: string;
  active: boolean;
  priority: AlarmPriority;
  area: string;
  message: string;
  /** Alarm id of the cause: while the cause is active, this alarm is suppressed by design. */
  causeId?: string | null;
  /** EEMUA 191 / ISA-18.2: a condition must persist this long before it alarms ... */
  onDelayMs?: number;
  /** ... and be gone this long before the alarm returns to normal. */
  offDelayMs?: number;
}

export interface Transition {
  alarmId: string;
  from: AlarmState;
  to: AlarmState;
  atMs: number;
  by: string;
  reason: string;
}

export class AlarmError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** A shelf is for a shift at most; a forgotten shelf must not hide an alarm for days. */
export const MAX_SHELVE_MS = 8 * 3600_000;
/** ISA-18.2 flood: more than 10 new alarms in 10 minutes per operator. */
export const FLOOD_WINDOW_MS = 10 * 60_000;
export const FLOOD_THRESHOLD = 10;

const ANNUNCIATED: ReadonlySet<AlarmState> = new Set(['UNACK', 'ACKED', 'RTNUN']);

interface Pending {
  active: boolean;
  sinceMs: number;
  input: ConditionInput;
}

export const alarmId = (entity: string, condition: string) => `${entity}|${condition}`;

export class AlarmEngine {
  readonly alarms = new Map<string, AlarmEntity>();
  /** The condition as the process says it is now (after delays), independent of shelving. */
  readonly #conditionActive = new Map<string, boolean>();
  /** Conditions that changed but whose on/off delay has not elapsed yet. */
  readonly #pending = new Map<string, Pending>();
  /** Times of new alarms (NORM/RTNUN -> UNACK) per area, for flood detection. */
  readonly #newAlarmTimes = new Map<string, number[]>();

  /** Restores alarms from the store after a restart: state survives the hub. */
  restore(alarms: AlarmEntity[]): void {
    for (const a of alarms) {
      this.alarms.set(a.id, { ...a });
      this.#conditionActive.set(a.id, a.state === 'UNACK' || a.state === 'ACKED' || a.state === 'DSUPR');
    }
  }

  /** Forgets an alarm another hub now owns (scaled mode): it evaluates and ticks it from now on. */
  release(id: string): void {
    this.alarms.delete(id);
    this.#conditionActive.delete(id);
    this.#pending.delete(id);
  }

  /** Reports the current truth of a condition; delays are applied here. */
  evaluate(input: ConditionInput, nowMs: number): Transition[] {
    const id = alarmId(input.entity, input.condition);
    const current = this.#conditionActive.get(id) ?? false;
    const delay = input.active ? (input.onDelayMs ?? 0) : (input.offDelayMs ?? 0);
    if (input.active === current) {
      this.#pending.delete(id);
      // Still refresh descriptive fields (message, priority) on an existing alarm.
      return [];
    }
    if (delay > 0) {
      const p = this.#pending.get(id);
      if (!p || p.active !== input.active) {
        this.#pending.set(id, { active: input.active, sinceMs: nowMs, input });
        return [];
      }
      p.input = input;
      if (nowMs - p.sinceMs < delay) return [];
    }
    this.#pending.delete(id);
    return this.#apply(id, input, nowMs);
  }

  /** Time passing: on/off delays elapse, shelves expire. */
  tick(nowMs: number): Transition[] {
    const out: Transition[] = [];
    for (const [id, p] of this.#pending) {
      const delay = p.active ? (p.input.onDelayMs ?? 0) : (p.input.offDelayMs ?? 0);
      if (nowMs - p.sinceMs >= delay) {
        this.#pending.delete(id);
        out.push(...this.#apply(id, p.input, nowMs));
      }
    }
    for (const a of this.alarms.values()) {
      if (a.state === 'SHLVD' && a.shelvedUntilMs !== null && nowMs >= a.shelvedUntilMs) {
        out.push(this.#leaveShelf(a, nowMs, 'system', 'shelve time expired'));
      }
    }
    return out;
  }

  ack(id: string, user: string, nowMs: number): Transition {
    const a = this.#get(id);
    if (a.state === 'UNACK') {
      a.ackedBy = user;
      return this.#move(a, 'ACKED', nowMs, user, 'acknowledged');
    }
    if (a.state === 'RTNUN') {
      a.ackedBy = user;
      return this.#move(a, 'NORM', nowMs, user, 'acknowledged');
    }
    throw new AlarmError('E_ALARM_NOT_ACKABLE', `alarm ${id} is ${a.state}; only UNACK or RTNUN can be acknowledged`);
  }

  shelve(id: string, user: string, durationMs: number, reason: string, nowMs: number): Transition {
    const a = this.#get(id);
    if (!reason.trim()) throw new AlarmError('E_ALARM_REASON', 'shelving needs a reason');
    if (!(durationMs > 0) || durationMs > MAX_SHELVE_MS) {
      throw new AlarmError('E_ALARM_SHELVE_DURATION', `shelve duration must be between 1 ms and ${MAX_SHELVE_MS / 3600_000} h`);
    }
    if (a.state === 'OOSRV' || a.state === 'DSUPR') throw new AlarmError('E_ALARM_NOT_SHELVABLE', `alarm ${id} is ${a.state}`);
    a.shelvedUntilMs = nowMs + durationMs;
    a.shelveReason = reason;
    return this.#move(a, 'SHLVD', nowMs, user, `shelved: ${reason}`);
  }

  unshelve(id: string, user: string, nowMs: number): Transition {
    const a = this.#get(id);
    if (a.state !== 'SHLVD') throw new AlarmError('E_ALARM_NOT_SHELVED', `alarm ${id} is not shelved`);
    return this.#leaveShelf(a, nowMs, user, 'unshelved');
  }

  setOutOfService(id: string, user: string, on: boolean, reason: string, nowMs: number): Transition {
    const a = this.#get(id);
    if (on) {
      if (!reason.trim()) throw new AlarmError('E_ALARM_REASON', 'out of service needs a reason');
      return this.#move(a, 'OOSRV', nowMs, user, `out of service: ${reason}`);
    }
    if (a.state !== 'OOSRV') throw new AlarmError('E_ALARM_NOT_OOS', `alarm ${id} is not out of service`);
    return this.#leaveShelf(a, nowMs, user, 'returned to service');
  }

  /** New alarms of an area in the flood window ending now. */
  newAlarmCount(area: string, nowMs: number): number {
    const times = this.#newAlarmTimes.get(area);
    if (!times) return 0;
    while (times.length && times[0]! <= nowMs - FLOOD_WINDOW_MS) times.shift();
    return times.length;
  }

  isFlood(area: string, nowMs: number): boolean {
    return this.newAlarmCount(area, nowMs) > FLOOD_THRESHOLD;
  }

  #get(id: string): AlarmEntity {
    const a = this.alarms.get(id);
    if (!a) throw new AlarmError('E_ALARM_UNKNOWN', `no alarm ${id}`);
    return a;
  }

  #causeActive(causeId: string | null | undefined): boolean {
    if (!causeId) return false;
    const c = this.alarms.get(causeId);
    return !!c && (this.#conditionActive.get(causeId) ?? false) && c.state !== 'OOSRV';
  }

  #apply(id: string, input: ConditionInput, nowMs: number): Transition[] {
    this.#conditionActive.set(id, input.active);
    let a = this.alarms.get(id);
    if (!a) {
      if (!input.active) return [];
      a = {
        id,
        entity: input.entity,
        condition: input.condition,
        priority: input.priority,
        area: input.area,
        state: 'NORM',
        message: input.message,
        activeSinceMs: null,
        lastChangeMs: nowMs,
        ackedBy: null,
        shelvedUntilMs: null,
        shelveReason: null,
        causeId: input.causeId ?? null,
      };
      this.alarms.set(id, a);
    }
    a.message = input.message;
    a.priority = input.priority;
    a.causeId = input.causeId ?? null;
    const out: Transition[] = [];
    if (input.active) {
      a.activeSinceMs = nowMs;
      if (a.state === 'SHLVD' || a.state === 'OOSRV') return out; // remembered, not annunciated
      if (this.#causeActive(a.causeId)) {
        if (a.state !== 'DSUPR') out.push(this.#move(a, 'DSUPR', nowMs, 'system', `suppressed: consequence of ${a.causeId}`));
        return out;
      }
      if (a.state === 'NORM' || a.state === 'RTNUN' || a.state === 'DSUPR') {
        a.ackedBy = null;
        out.push(this.#move(a, 'UNACK', nowMs, 'system', input.message));
        this.#noteNew(a.area, nowMs);
      }
    } else {
      if (a.state === 'UNACK') out.push(this.#move(a, 'RTNUN', nowMs, 'system', 'returned to normal'));
      else if (a.state === 'ACKED' || a.state === 'DSUPR') out.push(this.#move(a, 'NORM', nowMs, 'system', 'returned to normal'));
      // A cause returning to normal releases its consequences that are still active.
      for (const c of this.alarms.values()) {
        if (c.causeId === id && c.state === 'DSUPR' && this.#conditionActive.get(c.id)) {
          out.push(this.#move(c, 'UNACK', nowMs, 'system', `${c.message} (cause ${id} cleared, condition persists)`));
          this.#noteNew(c.area, nowMs);
        }
      }
    }
    return out;
  }

  #leaveShelf(a: AlarmEntity, nowMs: number, by: string, reason: string): Transition {
    a.shelvedUntilMs = null;
    a.shelveReason = null;
    if (this.#conditionActive.get(a.id)) {
      a.ackedBy = null;
      this.#noteNew(a.area, nowMs);
      return this.#move(a, 'UNACK', nowMs, by, `${reason}; condition still active`);
    }
    return this.#move(a, 'NORM', nowMs, by, reason);
  }

  #noteNew(area: string, nowMs: number): void {
    let t = this.#newAlarmTimes.get(area);
    if (!t) this.#newAlarmTimes.set(area, (t = []));
    t.push(nowMs);
  }

  #move(a: AlarmEntity, to: AlarmState, nowMs: number, by: string, reason: string): Transition {
    const t: Transition = { alarmId: a.id, from: a.state, to, atMs: nowMs, by, reason };
    a.state = to;
    a.lastChangeMs = nowMs;
    return t;
  }
}

export const isAnnunciated = (s: AlarmState) => ANNUNCIATED.has(s);
