import { describe, expect, it } from 'vitest';
import type { ControllerSpec, SignalPlan } from '../../../../protocol/index.ts';
import { changePct, countdown, planStages } from './control.ts';

const spec: ControllerSpec = {
  signalGroups: [
    { id: 'K1', kind: 'vehicle', approachIds: ['N'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'K2', kind: 'vehicle', approachIds: ['E'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'F1', kind: 'pedestrian', approachIds: [], minGreenSec: 6, amberSec: 0, redAmberSec: 0 },
  ],
  conflicts: [['K1', 'K2'], ['K2', 'F1']],
  intergreenSec: [
    { from: 'K1', to: 'K2', sec: 5 },
    { from: 'K2', to: 'K1', sec: 5 },
    { from: 'K2', to: 'F1', sec: 5 },
    { from: 'F1', to: 'K2', sec: 10 },
  ],
  maxCycleSec: 120,
};
const plan: SignalPlan = { planId: 'p', cycleSec: 60, offsetSec: 0, greens: [{ groupId: 'K1', startSec: 0, endSec: 30 }, { groupId: 'F1', startSec: 0, endSec: 15 }, { groupId: 'K2', startSec: 35, endSec: 55 }] };

describe('control panel helpers', () => {
  it('offers the maximal stages of a plan in cycle order', () => {
    expect(planStages(spec, plan)).toEqual([['K1', 'F1'], ['K2']]);
  });
  it('counts down and never below zero', () => {
    expect(countdown(1_000 + 125_000, 1_000)).toBe('2:05');
    expect(countdown(0, 5_000)).toBe('0:00');
  });
  it('gives the relative change with its sign', () => {
    expect(changePct(20, 15)).toBe('−25 %');
    expect(changePct(60, 72)).toBe('+20 %');
    expect(changePct(0, 3)).toBe('');
  });
});
