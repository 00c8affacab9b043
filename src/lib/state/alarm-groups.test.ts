import { describe, expect, it } from 'vitest';
import type { AlarmEntity } from '../../../protocol/index.ts';
import { groupAlarms } from './alarm-groups.ts';

const alarm = (p: Partial<AlarmEntity> & { id: string }): AlarmEntity => ({
  entity: p.id.split('|')[0]!,
  condition: p.id.split('|')[1] ?? 'fault',
  priority: 'low',
  area: 'utility',
  state: 'UNACK',
  message: p.id,
  activeSinceMs: 1_000,
  lastChangeMs: 1_000,
  ackedBy: null,
  shelvedUntilMs: null,
  shelveReason: null,
  causeId: null,
  ...p,
});

describe('groupAlarms', () => {
  it('puts consequences under their recorded cause and counts the suppressed ones', () => {
    const cause = alarm({ id: 'cabinet:C1|fault', priority: 'high', activeSinceMs: 500, lastChangeMs: 500 });
    const lampA = alarm({ id: 'lamp:C1-1|out', causeId: cause.id, activeSinceMs: 200, lastChangeMs: 900 });
    const lampB = alarm({ id: 'lamp:C1-2|out', causeId: cause.id, state: 'DSUPR' });
    const lampC = alarm({ id: 'lamp:C1-3|out', causeId: cause.id, state: 'DSUPR' });
    const groups = groupAlarms([cause, lampA, lampB, lampC], [cause, lampA]);
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.key).toBe('cause:cabinet:C1|fault');
    expect(g.kind).toBe('cause');
    expect(g.members.map((m) => m.id)).toEqual([cause.id, lampA.id]);
    expect(g.suppressed).toBe(2);
    expect(g.priority).toBe('high');
    expect(g.oldestMs).toBe(200);
    expect(g.unacked).toHaveLength(2);
  });

  it('groups alarms without a cause relation by condition and area', () => {
    const a = alarm({ id: 'tls:K1|lost', area: 'traffic', priority: 'medium', lastChangeMs: 10 });
    const b = alarm({ id: 'tls:K2|lost', area: 'traffic', priority: 'high', state: 'ACKED', lastChangeMs: 20 });
    const c = alarm({ id: 'parking:P1|lost', area: 'parking', lastChangeMs: 30 });
    const groups = groupAlarms([a, b, c], [a, b, c]);
    expect(groups.map((g) => [g.key, g.members.length])).toEqual([
      ['type:lost|traffic', 2],
      ['type:lost|parking', 1],
    ]);
    expect(groups[0]!.priority).toBe('high');
    expect(groups[0]!.unacked.map((m) => m.id)).toEqual(['tls:K1|lost']);
  });

  it('orders groups: unacknowledged first, then priority', () => {
    const acked = alarm({ id: 'x:1|a', priority: 'high', state: 'ACKED' });
    const low = alarm({ id: 'x:2|b', priority: 'low' });
    const med = alarm({ id: 'x:3|c', priority: 'medium' });
    expect(groupAlarms([acked, low, med], [acked, low, med]).map((g) => g.condition)).toEqual(['c', 'b', 'a']);
  });

  it('a cause id that names no known alarm falls back to type grouping', () => {
    const orphan = alarm({ id: 'lamp:Z-1|out', causeId: 'cabinet:Z|fault' });
    expect(groupAlarms([orphan], [orphan])[0]!.key).toBe('type:out|utility');
  });
});
