import { describe, expect, it } from 'vitest';
import { AlarmEngine, AlarmError, FLOOD_THRESHOLD, MAX_SHELVE_MS, alarmId, type ConditionInput } from './engine.ts';

const cond = (over: Partial<ConditionInput> = {}): ConditionInput => ({
  entity: 'tls:K001',
  condition: 'lost',
  active: true,
  priority: 'high',
  area: 'traffic',
  message: 'K001 sends no data',
  ...over,
});
const ID = alarmId('tls:K001', 'lost');
const states = (e: AlarmEngine) => e.alarms.get(ID)?.state;

describe('ISA-18.2 state machine', () => {
  it('NORM -> UNACK -> ACKED -> NORM', () => {
    const e = new AlarmEngine();
    expect(e.evaluate(cond(), 1)).toMatchObject([{ from: 'NORM', to: 'UNACK', by: 'system' }]);
    expect(e.ack(ID, 'anna', 2)).toMatchObject({ from: 'UNACK', to: 'ACKED', by: 'anna' });
    expect(e.alarms.get(ID)?.ackedBy).toBe('anna');
    expect(e.evaluate(cond({ active: false }), 3)).toMatchObject([{ from: 'ACKED', to: 'NORM' }]);
  });

  it('UNACK -> RTNUN -> (ack) NORM, and RTNUN -> UNACK when the condition returns', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 1);
    expect(e.evaluate(cond({ active: false }), 2)).toMatchObject([{ to: 'RTNUN' }]);
    expect(e.evaluate(cond(), 3)).toMatchObject([{ from: 'RTNUN', to: 'UNACK' }]);
    e.evaluate(cond({ active: false }), 4);
    expect(e.ack(ID, 'ben', 5)).toMatchObject({ from: 'RTNUN', to: 'NORM' });
  });

  it('refuses to acknowledge what is not acknowledgeable, with a stable code', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 1);
    e.ack(ID, 'anna', 2);
    expect(() => e.ack(ID, 'anna', 3)).toThrow(AlarmError);
    try {
      e.ack(ID, 'anna', 3);
    } catch (err) {
      expect((err as AlarmError).code).toBe('E_ALARM_NOT_ACKABLE');
    }
    expect(() => e.ack('nope', 'anna', 3)).toThrow(/no alarm/);
  });
});

describe('delays against chattering', () => {
  it('a condition shorter than its on-delay never alarms', () => {
    const e = new AlarmEngine();
    const c = { onDelayMs: 5000, offDelayMs: 10_000 };
    expect(e.evaluate(cond(c), 0)).toEqual([]);
    expect(e.evaluate(cond({ ...c, active: false }), 3000)).toEqual([]);
    expect(e.tick(20_000)).toEqual([]);
    expect(states(e)).toBeUndefined();
  });

  it('alarms once the on-delay elapsed, and returns only after the off-delay', () => {
    const e = new AlarmEngine();
    const c = { onDelayMs: 5000, offDelayMs: 10_000 };
    e.evaluate(cond(c), 0);
    expect(e.tick(4999)).toEqual([]);
    expect(e.tick(5000)).toMatchObject([{ to: 'UNACK' }]);
    e.evaluate(cond({ ...c, active: false }), 6000);
    e.evaluate(cond({ ...c, active: true }), 9000); // flaps back: off-delay restarts
    e.evaluate(cond({ ...c, active: false }), 9500);
    expect(e.tick(16_000)).toEqual([]);
    expect(e.tick(19_500)).toMatchObject([{ to: 'RTNUN' }]);
  });
});

describe('shelving', () => {
  it('needs a reason and a bounded duration, and re-annunciates on expiry if still active', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 0);
    expect(() => e.shelve(ID, 'anna', 60_000, '  ', 1)).toThrow(/reason/);
    expect(() => e.shelve(ID, 'anna', MAX_SHELVE_MS + 1, 'sensor work', 1)).toThrow(/duration/);
    expect(e.shelve(ID, 'anna', 60_000, 'sensor work', 1)).toMatchObject({ to: 'SHLVD', by: 'anna' });
    expect(e.tick(60_000)).toEqual([]);
    expect(e.tick(60_001)).toMatchObject([{ from: 'SHLVD', to: 'UNACK', by: 'system' }]);
  });

  it('returns to NORM on expiry when the condition cleared meanwhile, silently while shelved', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 0);
    e.shelve(ID, 'anna', 60_000, 'known fault', 1);
    expect(e.evaluate(cond({ active: false }), 100)).toEqual([]);
    expect(e.evaluate(cond({ active: true }), 200)).toEqual([]);
    expect(e.evaluate(cond({ active: false }), 300)).toEqual([]);
    expect(e.unshelve(ID, 'ben', 400)).toMatchObject({ to: 'NORM', by: 'ben' });
  });
});

describe('suppression by design and out of service', () => {
  it('lamps of a dead cabinet are suppressed under the cabinet alarm, and released if they stay faulty', () => {
    const e = new AlarmEngine();
    const cab = { entity: 'cabinet:C1', condition: 'supplyFailure', priority: 'high' as const, area: 'utility', message: 'C1 down' };
    e.evaluate({ ...cab, active: true }, 0);
    const lamp = (id: string, active = true) => ({ entity: `lamp:${id}`, condition: 'out', priority: 'low' as const, area: 'utility', message: `${id} out`, causeId: alarmId('cabinet:C1', 'supplyFailure'), active });
    const t = [...e.evaluate(lamp('L1'), 1), ...e.evaluate(lamp('L2'), 1)];
    expect(t.map((x) => x.to)).toEqual(['DSUPR', 'DSUPR']);
    expect(e.newAlarmCount('utility', 2)).toBe(1); // one event, not one per lamp
    e.evaluate(lamp('L2', false), 3);
    const back = e.evaluate({ ...cab, active: false }, 4);
    expect(back.map((x) => `${x.alarmId}:${x.to}`)).toEqual(['cabinet:C1|supplyFailure:RTNUN', 'lamp:L1|out:UNACK']);
  });

  it('out of service hides the alarm until returned, then re-evaluates it', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 0);
    expect(() => e.setOutOfService(ID, 'tech', true, '', 1)).toThrow(/reason/);
    e.setOutOfService(ID, 'tech', true, 'controller replaced', 1);
    expect(e.evaluate(cond({ active: false }), 2)).toEqual([]);
    expect(e.setOutOfService(ID, 'tech', false, '', 3)).toMatchObject({ from: 'OOSRV', to: 'NORM' });
  });
});

describe('flood detection', () => {
  it('is a flood above 10 new alarms in 10 minutes in one area only', () => {
    const e = new AlarmEngine();
    for (let i = 0; i <= FLOOD_THRESHOLD; i++) e.evaluate(cond({ entity: `tls:K${i}` }), i * 1000);
    expect(e.isFlood('traffic', 11_000)).toBe(true);
    expect(e.isFlood('utility', 11_000)).toBe(false);
    expect(e.isFlood('traffic', 11 * 60_000)).toBe(false); // the window moved on
  });
});

describe('restart', () => {
  it('restored alarms keep their state and transitions continue from it', () => {
    const e = new AlarmEngine();
    e.evaluate(cond(), 0);
    e.ack(ID, 'anna', 1);
    const f = new AlarmEngine();
    f.restore([...e.alarms.values()]);
    expect(f.alarms.get(ID)?.state).toBe('ACKED');
    expect(f.evaluate(cond({ active: false }), 2)).toMatchObject([{ from: 'ACKED', to: 'NORM' }]);
  });
});
