import { describe, expect, it } from 'vitest';
import type { ControllerSpec, SignalPlan } from '../../../../protocol/index.ts';
import { bearingDeg, corridorGroups, cumulativeDistances, freeFlowSpeedMs, greenBands, greenWindowsOver, ringRows, stateAt, xFraction, xLevel, type CorridorNode } from './layout.ts';

const spec: ControllerSpec = {
  signalGroups: [
    { id: 'K1', kind: 'vehicle', approachIds: ['n'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'K2', kind: 'vehicle', approachIds: ['w'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'F1', kind: 'pedestrian', approachIds: [], minGreenSec: 6, amberSec: 0, redAmberSec: 0 },
  ],
  conflicts: [['K1', 'K2']],
  intergreenSec: [
    { from: 'K1', to: 'K2', sec: 4 },
    { from: 'K2', to: 'K1', sec: 4 },
  ],
  maxCycleSec: 120,
};
const plan = (offsetSec: number): SignalPlan => ({
  planId: 'P1',
  cycleSec: 60,
  offsetSec,
  greens: [
    { groupId: 'K1', startSec: 0, endSec: 30 },
    { groupId: 'K2', startSec: 34, endSec: 56 },
    { groupId: 'F1', startSec: 40, endSec: 50 },
  ],
});

describe('ring rows', () => {
  it('splits each group into red / red-amber / green / amber runs covering the cycle', () => {
    const { cycleSec, rows } = ringRows(spec, plan(0));
    expect(cycleSec).toBe(60);
    expect(rows.map((r) => [r.groupId, r.kind, r.greenSec])).toEqual([
      ['K1', 'vehicle', 30],
      ['K2', 'vehicle', 22],
      ['F1', 'pedestrian', 10],
    ]);
    expect(rows[0]!.runs).toEqual([
      { state: 'green', startSec: 0, endSec: 30 },
      { state: 'amber', startSec: 30, endSec: 33 },
      { state: 'red', startSec: 33, endSec: 59 },
      { state: 'redAmber', startSec: 59, endSec: 60 },
    ]);
    // pedestrians: no amber, no red-amber
    expect(rows[2]!.runs.map((r) => r.state)).toEqual(['red', 'green', 'red']);
    for (const r of rows) expect(r.runs.reduce((s, x) => s + x.endSec - x.startSec, 0)).toBe(60);
    expect(stateAt(rows[1]!, 60, 33)).toBe('redAmber');
    expect(stateAt(rows[1]!, 60, 94)).toBe('green'); // 94 mod 60 = 34
  });
});

describe('time-space diagram', () => {
  it('repeats the green windows of a 60 s plan over 180 s at the plan offset', () => {
    // t0 = 0 is cycle second 0 with offset 0: K1 green 0-30, 60-90, 120-150.
    expect(greenWindowsOver(plan(0), ['K1'], 0, 180)).toEqual([
      { startSec: 0, endSec: 30 },
      { startSec: 60, endSec: 90 },
      { startSec: 120, endSec: 150 },
    ]);
    // Offset 20 s: cycle second 0 at t = 20 + 60k → green 20-50, 80-110, 140-170, and the tail of the previous cycle is not green (30..60 → red).
    expect(greenWindowsOver(plan(20), ['K1'], 0, 180)).toEqual([
      { startSec: 20, endSec: 50 },
      { startSec: 80, endSec: 110 },
      { startSec: 140, endSec: 170 },
    ]);
    // A t0 inside a green is clipped at 0: with offset 50, t0 (≡ 0 mod 60) is cycle second 10.
    const t0 = 1_700_000_040;
    expect(t0 % 60).toBe(0);
    expect(greenWindowsOver(plan(50), ['K1'], t0, 180)[0]).toEqual({ startSec: 0, endSec: 20 }); // cycle second 10 at t0
    // union of groups
    expect(greenWindowsOver(plan(0), ['K1', 'K2'], 0, 60)).toEqual([
      { startSec: 0, endSec: 30 },
      { startSec: 34, endSec: 56 },
    ]);
  });

  it('finds the green-wave band whose slope is the speed', () => {
    const v = 10; // m/s
    // Second installation 300 m downstream, offset 30 s = 300 m / 10 m/s: a perfect wave.
    const nodes: CorridorNode[] = [
      { id: 'A', distM: 0, greens: greenWindowsOver(plan(0), ['K1'], 0, 240) },
      { id: 'B', distM: 300, greens: greenWindowsOver(plan(30), ['K1'], 0, 240) },
    ];
    const bands = greenBands(nodes, v, 180);
    expect(bands[0]).toEqual({ startSec: 0, endSec: 30 });
    expect(bands[1]).toEqual({ startSec: 60, endSec: 90 });
    // slope: a vehicle leaving A at τ reaches B at τ + 300 / 10 — inside B's green
    expect(nodes[1]!.greens![0]).toEqual({ startSec: 30, endSec: 60 });
    // offset 0 at B as well: leaving A at 0..30 reaches B at 30..60, where B is red → no band
    const bad: CorridorNode[] = [nodes[0]!, { id: 'B', distM: 300, greens: greenWindowsOver(plan(0), ['K1'], 0, 240) }];
    expect(greenBands(bad, v, 180)).toEqual([]);
    // an installation without a plan does not block the band
    expect(greenBands([...nodes, { id: 'C', distM: 500, greens: null }], v, 180)[0]).toEqual({ startSec: 0, endSec: 30 });
  });

  it('distances, free-flow speed and corridor groups', () => {
    const d = cumulativeDistances([{ lon: 6.77, lat: 51.43 }, { lon: 6.77, lat: 51.44 }, { lon: 6.77, lat: 51.45 }], null);
    expect(d[1]).toBeCloseTo(1112, -1);
    expect(d[2]).toBeCloseTo(2224, -1);
    const scaled = cumulativeDistances([{ lon: 6.77, lat: 51.43 }, { lon: 6.77, lat: 51.44 }, { lon: 6.77, lat: 51.45 }], 3000);
    expect(scaled[0]).toBe(0);
    expect(scaled[1]).toBeCloseTo(1500, 6);
    expect(scaled[2]).toBeCloseTo(3000, 6);
    expect(freeFlowSpeedMs(1000, 72)).toBeCloseTo(13.89, 2);
    expect(freeFlowSpeedMs(null, 72)).toBeCloseTo(50 / 3.6, 5);
    const aps = [
      { id: 'n', street: 'Mercatorstraße', bearingDeg: 175 },
      { id: 'w', street: 'Mainstraße', bearingDeg: 90 },
    ];
    expect(corridorGroups(spec, aps, 180, 'x')).toEqual(['K1']); // southbound traffic arrives on n
    expect(corridorGroups(spec, aps, 80, 'x')).toEqual(['K2']);
    expect(corridorGroups(spec, aps, null, 'Mainstraße (West → Ost)')).toEqual(['K2']);
    expect(corridorGroups(spec, [], null, 'Mülheimer Straße')).toEqual(['K1']);
    expect(bearingDeg({ lon: 6.77, lat: 51.45 }, { lon: 6.77, lat: 51.44 })).toBeCloseTo(180, 3);
  });

  it('saturation bar scale', () => {
    expect(xFraction(0.6)).toBeCloseTo(0.5);
    expect(xFraction(2)).toBe(1);
    expect(xFraction(null)).toBeNull();
    expect([xLevel(0.5), xLevel(0.9), xLevel(1.05), xLevel(null)]).toEqual(['ok', 'near', 'over', 'unknown']);
  });
});
