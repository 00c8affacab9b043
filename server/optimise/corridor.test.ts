import { describe, expect, it } from 'vitest';
import type { ControllerSpec, SignalPlan } from '../../protocol/signal.ts';
import { bandwidth, corridorOffsets, greenIntervals, timeSpace, type CorridorNodeInput } from './corridor.ts';
import { checkPlan } from './safety.ts';
import { compileSpec } from './stages.ts';

const SPEC: ControllerSpec = {
  signalGroups: [
    { id: 'K1', kind: 'vehicle', approachIds: ['w'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'K2', kind: 'vehicle', approachIds: ['n'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
  ],
  conflicts: [['K1', 'K2']],
  intergreenSec: [
    { from: 'K1', to: 'K2', sec: 5 },
    { from: 'K2', to: 'K1', sec: 5 },
  ],
  maxCycleSec: 120,
};
const plan = (C: number, k1: [number, number], k2: [number, number], offsetSec = 0): SignalPlan => ({
  planId: 'default',
  cycleSec: C,
  offsetSec,
  greens: [
    { groupId: 'K1', startSec: k1[0], endSec: k1[1] },
    { groupId: 'K2', startSec: k2[0], endSec: k2[1] },
  ],
});
const node = (id: string, p: SignalPlan, tt: number, d: number): CorridorNodeInput => ({ id, signal: { spec: SPEC, plan: p }, groupId: 'K1', travelTimeFromPrevSec: tt, distFromPrevM: d });

describe('corridor coordination', () => {
  it('offsets from the measured travel times open a green wave that was not there', () => {
    // Three signals, 60 s cycles, K1 green 0-30; travel times 25 s and 40 s (measured, not free-flow).
    const nodes = [node('A', plan(60, [0, 30], [35, 55]), 0, 0), node('B', plan(60, [0, 30], [35, 55]), 25, 350), node('C', plan(60, [0, 30], [35, 55]), 40, 500)];
    const r = corridorOffsets(nodes);
    expect(r.cycleSec).toBe(60);
    expect(r.uncoordinated).toEqual([]);
    const off = Object.fromEntries(r.plans.map((p) => [p.tlsId, p.plan.offsetSec]));
    expect(off).toEqual({ B: 25, C: 5 }); // (25) mod 60, (25 + 40) mod 60
    expect(r.bandwidthSec).toBe(30);
    expect(r.bandwidthBeforeSec).toBeLessThan(r.bandwidthSec);
    for (const p of r.plans) expect(checkPlan(compileSpec(SPEC), p.plan).ok).toBe(true);
  });

  it('stretches a shorter cycle to the common one without cutting an intergreen, and reports what it cannot coordinate', () => {
    const nodes = [node('A', plan(80, [0, 40], [45, 75]), 0, 0), node('B', plan(60, [0, 30], [35, 55]), 30, 400)];
    const r = corridorOffsets(nodes);
    expect(r.cycleSec).toBe(80);
    const b = r.plans.find((p) => p.tlsId === 'B')!.plan;
    expect(b.cycleSec).toBe(80);
    expect(checkPlan(compileSpec(SPEC), b)).toEqual({ ok: true, violations: [] });
    // A spec whose max cycle is below the common cycle cannot take the stretched plan.
    const tight = { ...node('C', plan(60, [0, 30], [35, 55]), 30, 400), signal: { spec: { ...SPEC, maxCycleSec: 60 }, plan: plan(60, [0, 30], [35, 55]) } };
    const r2 = corridorOffsets([nodes[0]!, tight]);
    expect(r2.uncoordinated.map((u) => u.tlsId)).toEqual(['C']);
    expect(r2.plans.some((p) => p.tlsId === 'C')).toBe(false);
  });

  it('time-space data: green intervals of the corridor group and the band through them', () => {
    const p = plan(60, [0, 30], [35, 55]);
    expect(greenIntervals(p, 'K1', 0, 120)).toEqual([
      [0, 30],
      [60, 90],
    ]);
    const nodes = [node('A', p, 0, 0), node('B', { ...p, offsetSec: 20 }, 20, 300)];
    const ts = timeSpace(nodes, 0, 180);
    expect(ts.nodes.map((n) => n.distM)).toEqual([0, 300]);
    expect(ts.nodes[1]!.greens[0]).toEqual([20, 50]); // offset 20: cycle second 0 at t = 20
    expect(ts.band).toMatchObject({ widthSec: 30 });
    expect(ts.band!.arrivalsSec[1]! - ts.band!.arrivalsSec[0]!).toBe(20);
    expect(bandwidth([p, { ...p, offsetSec: 30 }], ['K1', 'K1'], [0, 0])).toBe(0);
  });
});
