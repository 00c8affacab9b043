import { describe, expect, it } from 'vitest';
import type { AlarmEntity, TlsEntity } from '../../protocol/index.ts';
import type { AlarmEventRow } from '../store/types.ts';
import { byEntity, parkingStatus, replayAlarms, replayTls } from './reconstruct.ts';

const alarm = (id: string, o: Partial<AlarmEntity> = {}): AlarmEntity => ({
  id,
  entity: id.split('|')[0]!,
  condition: id.split('|')[1]!,
  priority: 'high',
  area: 'traffic',
  state: 'NORM',
  message: 'm',
  activeSinceMs: null,
  lastChangeMs: 0,
  ackedBy: null,
  shelvedUntilMs: null,
  shelveReason: null,
  causeId: null,
  ...o,
});
const ev = (alarmId: string, from: string, to: string, atMs: number, by = 'system'): AlarmEventRow => ({ alarmId, from, to, atMs, by, reason: '' });

describe('replayAlarms (ISA-18.2 state at an instant from the transitions)', () => {
  // a: raised at 100, acked by anna at 200, cleared at 300 (NORM now).
  // b: raised at 150, still UNACK now. c: raised long before the look-back, unchanged since.
  const live = [alarm('a|x', { state: 'NORM', lastChangeMs: 300 }), alarm('b|x', { state: 'UNACK', activeSinceMs: 150, lastChangeMs: 150 }), alarm('c|x', { state: 'ACKED', activeSinceMs: 5, lastChangeMs: 10, ackedBy: 'olaf' })];
  const events = [ev('a|x', 'NORM', 'UNACK', 100), ev('b|x', 'NORM', 'UNACK', 150), ev('a|x', 'UNACK', 'ACKED', 200, 'anna'), ev('a|x', 'ACKED', 'NORM', 300)];
  const at = (t: number) => Object.fromEntries(replayAlarms(live, events, t).entities.map((a) => [a.id, [a.state, a.ackedBy, a.activeSinceMs]]));

  it('gives each alarm the state it had, leaving out those in NORM or not yet raised', () => {
    expect(at(50)).toEqual({ 'c|x': ['ACKED', 'olaf', 5] });
    expect(at(120)).toEqual({ 'a|x': ['UNACK', null, 100], 'c|x': ['ACKED', 'olaf', 5] });
    expect(at(250)).toEqual({ 'a|x': ['ACKED', 'anna', 100], 'b|x': ['UNACK', null, 150], 'c|x': ['ACKED', 'olaf', 5] });
    expect(at(400)).toEqual({ 'b|x': ['UNACK', null, 150], 'c|x': ['ACKED', 'olaf', 5] });
  });

  it('uses the first transition after the instant when none before it is in the window', () => {
    // Only the events after 120 are known (look-back starts later): a was UNACK (the `from` of its ack).
    const r = replayAlarms(live, events.filter((e) => e.atMs > 120), 120).entities.find((a) => a.id === 'a|x');
    expect(r?.state).toBe('UNACK');
  });
});

describe('replayTls', () => {
  const tls = { id: 'K1', name: 'K1', lon: 1, lat: 2, district: null, flowVehH: 900, occupancyPct: 20, tsMs: 999, link: 'live', mode: 'fixed', planId: 'P1', cycleSec: 90, cycleSecond: 12, greens: ['A'], stateTsMs: 999 } as TlsEntity;
  it('takes the stored measurements and drops the controller state, which is not historised', () => {
    const vals = byEntity([
      { entity: 'tls:K1', metric: 'flowVehH', tsMs: 100, value: 450, source: 'raw' },
      { entity: 'tls:K1', metric: 'occupancyPct', tsMs: 90, value: 7, source: 'raw' },
    ]);
    expect(replayTls([tls], vals).entities[0]).toMatchObject({ flowVehH: 450, occupancyPct: 7, tsMs: 100, link: 'live', greens: [], mode: null, planId: null });
    // Nothing stored in the look-back: no data then, not today's value.
    expect(replayTls([tls], new Map()).entities[0]).toMatchObject({ flowVehH: null, occupancyPct: null, tsMs: null, link: 'lost' });
  });
});

describe('parkingStatus', () => {
  it('derives the DATEX II status from the counts with the guidance thresholds', () => {
    expect(parkingStatus(100, 100, 200)).toBe('spacesAvailable');
    expect(parkingStatus(180, 20, 200)).toBe('almostFull');
    expect(parkingStatus(196, 4, 200)).toBe('full');
    expect(parkingStatus(null, 0, 200)).toBe('full');
    expect(parkingStatus(null, null, 200)).toBe('statusUnknown');
  });
});
