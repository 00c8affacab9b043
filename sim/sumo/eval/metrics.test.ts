/**
 * The delay metric of ../shared/scenarios/sumo/README.md on hand-made files (numbers computed by
 * hand below), the streaming readers, and mean/sd.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemand } from './demand.ts';
import { computeMetrics, meanSd, readTripinfo } from './metrics.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eval-metrics-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('delay metric', () => {
  it('counts unfinished records and charges never-departed vehicles end − scheduled depart', async () => {
    // window 100..400
    const routes = path.join(dir, 'r.rou.xml');
    await writeFile(
      routes,
      `<routes>
  <vType id="car"/>
  <vehicle id="a" depart="100.00"><route edges="e1 e2"/></vehicle>
  <vehicle depart="150" id="b" type="car"><route edges="e1 e2"/></vehicle>
  <trip id="c" depart="250" from="e1" to="e2"/>
  <trip id="early" depart="50" from="e1" to="e2"/>
  <trip id="late" depart="400" from="e1" to="e2"/>
  <trip id="trig" depart="triggered" from="e1" to="e2"/>
  <flow id="f" begin="300" end="400" period="40" from="e1" to="e2"/>
</routes>`,
    );
    const tripinfo = path.join(dir, 'tripinfo.xml');
    // a finished; b unfinished (arrival -1); f.0 finished; c, f.1, f.2 never entered
    await writeFile(
      tripinfo,
      `<tripinfos>
  <tripinfo id="a" depart="101.00" departDelay="1.00" arrival="180.00" duration="79.00" waitingTime="20.00" timeLoss="30.00"/>
  <tripinfo id="b" depart="160.00" departDelay="10.00" arrival="-1.00" duration="240.00" waitingTime="200.00" timeLoss="210.00" vaporized="end"/>
  <tripinfo id="f.0" depart="300.00" departDelay="0.00" arrival="350.00" duration="50.00" waitingTime="2.00" timeLoss="5.00"/>
</tripinfos>`,
    );
    const demand = await readDemand([routes], 100, 400);
    // early (before begin), late (at end), triggered: not scheduled inside the window
    expect([...demand.departures.entries()].sort()).toEqual(
      [
        ['a', 100],
        ['b', 150],
        ['c', 250],
        ['f.0', 300],
        ['f.1', 340],
        ['f.2', 380],
      ].sort(),
    );
    const trips = await readTripinfo(tripinfo);
    expect(trips.records).toBe(3);
    expect(trips.unfinished).toBe(1);
    const m = computeMetrics(trips, demand.departures, 400);
    // records: a 30+1 = 31, b 210+10 = 220, f.0 5+0 = 5; never: c 400−250 = 150, f.1 60, f.2 20
    expect(m.neverDeparted).toBe(3);
    expect(m.delay).toBeCloseTo((31 + 220 + 5 + 150 + 60 + 20) / 6, 9);
    expect(m.delayDeparted).toBeCloseTo((31 + 220 + 5) / 3, 9);
    expect(m.duration).toBeCloseTo((79 + 240 + 50) / 3, 9);
    expect(m.waiting).toBeCloseTo((20 + 200 + 2) / 3, 9);
    expect(m.tripinfos).toBe(3);
    expect(m.unfinished).toBe(1);
  });

  it('random flows are reported as not enumerable instead of silently ignored', async () => {
    const routes = path.join(dir, 'p.rou.xml');
    await writeFile(routes, `<routes><flow id="p" begin="0" end="100" probability="0.1" from="e1" to="e2"/></routes>`);
    const d = await readDemand([routes], 0, 100);
    expect(d.departures.size).toBe(0);
    expect(d.unenumerableFlows).toEqual(['p']);
  });

  it('malformed tripinfo is an error naming the file', async () => {
    const bad = path.join(dir, 'bad.xml');
    await writeFile(bad, '<tripinfos><tripinfo id="x" </tripinfos>');
    await expect(readTripinfo(bad)).rejects.toThrow(/bad\.xml/);
  });

  it('mean and sample standard deviation', () => {
    expect(meanSd([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ mean: 5, sd: Math.sqrt(32 / 7) });
    expect(meanSd([3])).toEqual({ mean: 3, sd: 0 });
  });
});
