import { describe, expect, it } from 'vitest';
import type { AlarmEntity } from '../../protocol/index.ts';
import { computeAlarmKpis, type KpiEvent } from './kpis.ts';

const alarm = (id: string, over: Partial<AlarmEntity> = {}): AlarmEntity => ({
  id,
  entity: id.split('|')[0]!,
  condition: 'lost',
  priority: 'low',
  area: 'traffic',
  state: 'NORM',
  message: id,
  activeSinceMs: null,
  lastChangeMs: 0,
  ackedBy: null,
  shelvedUntilMs: null,
  shelveReason: null,
  causeId: null,
  ...over,
});
const ann = (alarmId: string, atMs: number): KpiEvent => ({ alarmId, from: 'NORM', to: 'UNACK', atMs });
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('computeAlarmKpis', () => {
  it('rates per 10 minutes, flood share and priority distribution per area', () => {
    const alarms = [alarm('a|x'), alarm('b|x', { priority: 'high' }), alarm('c|x', { area: 'utility' })];
    // One hour: 12 traffic alarms in the first 10 minutes (a flood), 1 in each other period.
    const ev: KpiEvent[] = [];
    for (let i = 0; i < 12; i++) ev.push(ann(i % 2 ? 'a|x' : 'b|x', i * 30_000));
    for (let p = 1; p < 6; p++) ev.push(ann('a|x', p * 10 * MIN + 5 * MIN));
    ev.push(ann('c|x', 30 * MIN));
    ev.push({ alarmId: 'a|x', from: 'UNACK', to: 'ACKED', atMs: 1000 }); // not an annunciation
    const k = computeAlarmKpis(ev, alarms, 0, HOUR, HOUR);
    expect(k.annunciated).toBe(18);
    expect(k.perArea.traffic).toEqual({ annunciated: 17, avgPer10Min: 2.83, maxPer10Min: 12, floodPct: 16.67 });
    expect(k.perArea.utility).toEqual({ annunciated: 1, avgPer10Min: 0.17, maxPer10Min: 1, floodPct: 0 });
    expect(k.priorityPct.high).toBe(33.33); // b|x: 6 of 18
    expect(k.targets.floodPct!.met).toBe(false);
    expect(k.targets.avgPer10Min!.met).toBe(false);
  });

  it('finds chattering (3 in a minute), bad actors and stale alarms', () => {
    const alarms = [alarm('a|x', { state: 'ACKED', activeSinceMs: 0 }), alarm('b|x')];
    const ev = [ann('a|x', 0), ann('a|x', 20_000), ann('a|x', 50_000), ann('b|x', 5 * MIN), ann('b|x', 7 * MIN)];
    const k = computeAlarmKpis(ev, alarms, 0, HOUR, 25 * HOUR);
    expect(k.chattering).toEqual([{ alarmId: 'a|x', maxPerMinute: 3 }]);
    expect(k.topBadActors).toEqual([
      { alarmId: 'a|x', count: 3, sharePct: 60 },
      { alarmId: 'b|x', count: 2, sharePct: 40 },
    ]);
    expect(k.stale).toEqual([{ alarmId: 'a|x', activeHours: 25 }]);
  });

  it('an empty period meets every target', () => {
    const k = computeAlarmKpis([], [], 0, HOUR, HOUR);
    expect(Object.values(k.targets).every((t) => t.met)).toBe(true);
  });
});
