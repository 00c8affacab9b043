import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTERSECTIONS, LINKS } from './city/duisburg.ts';
import { GARAGES } from './city/parking.ts';
import { berlinLocalToUtcMs, loadScenario, schedule, type ScenarioTargets } from './scenario.ts';

const dir = join(import.meta.dirname, 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('scenario files', () => {
  it('the six required scenarios exist', () => {
    expect(files.sort()).toEqual(['a59-incident.json', 'cabinet-outage.json', 'innenhafen-fire.json', 'normal-weekday.json', 'rhine-flood.json', 'rush-hour.json']);
  });

  it.each(files)('%s parses and refers only to things the city has', (f) => {
    const s = loadScenario(join(dir, f));
    const x = new Map(INTERSECTIONS.map((i) => [i.id, i]));
    const links = new Set(LINKS.map((l) => l.id));
    const garages = new Set(GARAGES.map((g: { id: string }) => g.id));
    for (const e of s.events) {
      if (e.type === 'approachClosure') expect(x.get(e.intersection)?.approaches.some((a) => a.id === e.approach)).toBe(true);
      if (e.type === 'linkClosure') expect(links.has(e.link)).toBe(true);
      if (e.type === 'parkingEvent') for (const g of e.garages) expect(garages.has(g)).toBe(true);
    }
  });
});

describe('schedule', () => {
  it('orders actions by model time, including the lifting of closures', () => {
    const calls: string[] = [];
    const t: ScenarioTargets = {
      restrictApproach: (x, a, n) => void calls.push(`A ${x}/${a} ${n}`),
      restrictLink: (l, n) => void calls.push(`L ${l} ${n}`),
      startDroneMission: (id) => void calls.push(`D ${id}`),
      setRhine: (k) => void calls.push(`R ${k}`),
      cabinetOutage: () => 'C1',
      parkingEvent: () => void calls.push('P'),
    };
    const s = loadScenario(join(dir, 'a59-incident.json'));
    const plan = schedule(s, t);
    expect(plan.map((p) => p.atSec)).toEqual([600, 4200]);
    for (const p of plan) p.run(0);
    expect(calls).toEqual(['A K015/e 1', 'A K015/e 0']);
  });
});

describe('berlinLocalToUtcMs', () => {
  it('knows winter and summer time', () => {
    expect(new Date(berlinLocalToUtcMs('2026-11-18T07:00')).toISOString()).toBe('2026-11-18T06:00:00.000Z');
    expect(new Date(berlinLocalToUtcMs('2026-07-01T07:00')).toISOString()).toBe('2026-07-01T05:00:00.000Z');
  });
});
