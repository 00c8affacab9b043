import { describe, expect, it } from 'vitest';
import { STATE_CODE } from '../../protocol/signal.ts';
import type { Intersection, Link, LngLat } from '../city/types.ts';
import { constantDemand } from './demand.ts';
import { emissions } from './emissions.ts';
import { TrafficModel, UNCONTROLLED_FACTOR } from './model.ts';
import { SINK_SHARE, buildNetwork } from './network.ts';

const S = 0.5; // saturation flow, veh/s per lane

function isolated(lanes = 1): Intersection {
  return { id: 'X', name: 'test', pos: [6.7, 51.4], district: 't', approaches: [{ id: 'w', street: 'Teststraße', bearingDeg: 90, lanes }], generated: true };
}

/** A fixed signal: green G s from cycle second 0, then amber 3 s, red, red-amber 1 s. */
function signalAt(t: number, C: number, G: number): number {
  const c = ((t % C) + C) % C;
  if (c < G) return STATE_CODE.green;
  if (c < G + 3) return STATE_CODE.amber;
  if (c === C - 1) return STATE_CODE.redAmber;
  return STATE_CODE.red;
}

function fluidModel(intersections: Intersection[], links: Link[] = []): TrafficModel {
  return TrafficModel.create(intersections, links, { seed: 1, startMs: 0, arrivals: 'fluid', demand: constantDemand(1) });
}

describe('one signalised approach, deterministic arrivals (hand-computable)', () => {
  const C = 60;
  const G = 32; // effective green g = G − 2 s lost time = 30 s (no discharge in the amber)
  const g = G - 2;
  const r = C - g;

  it('average delay = uniform delay C(1 − g/C)² / (2(1 − q/s)) and queue at the end of red = q·r', () => {
    for (const qVehH of [360, 720, 864]) {
      const q = qVehH / 3600;
      const m = fluidModel([isolated()]);
      m.setSourceRate('X', 'w', qVehH);
      const a = m.approachIndex('X', 'w');
      let queueEndOfRed = -1;
      let d0 = 0;
      let n0 = 0;
      for (let t = 0; t < 120 * C; t++) {
        if (t === C) {
          d0 = m.cumApQueueDelay[a]!;
          n0 = m.cumApArrivals[a]!;
        }
        m.apSignal[a] = signalAt(t, C, G);
        m.step();
        // After the second lost second of green the effective red is over.
        if (t === 50 * C + 1) queueEndOfRed = m.queue[a]!;
      }
      const perVeh = (m.cumApQueueDelay[a]! - d0) / (m.cumApArrivals[a]! - n0);
      const uniform = (C * (1 - g / C) ** 2) / (2 * (1 - q / S));
      expect(Math.abs(perVeh / uniform - 1), `q=${qVehH}: ${perVeh} vs ${uniform}`).toBeLessThan(0.05);
      expect(queueEndOfRed).toBeCloseTo(q * r, 6);
      // Under capacity nothing is left over: throughput = arrivals.
      expect(m.cumApThroughput[a]! + m.queue[a]!).toBeCloseTo(m.cumApArrivals[a]!, 6);
    }
  });

  it('an over-saturated approach grows its queue by (q − s·g/C)·C per cycle', () => {
    const q = 0.3; // capacity s·g/C = 0.25 veh/s
    const m = fluidModel([isolated()]);
    m.setSourceRate('X', 'w', q * 3600);
    const a = 0;
    const atCycleEnd: number[] = [];
    for (let t = 0; t < 40 * C; t++) {
      m.apSignal[a] = signalAt(t, C, G);
      m.step();
      if (t % C === C - 1) atCycleEnd.push(m.queue[a]!);
    }
    const growth = (q - (S * g) / C) * C;
    for (let k = 5; k < atCycleEnd.length; k++) expect(atCycleEnd[k]! - atCycleEnd[k - 1]!).toBeCloseTo(growth, 6);
  });

  it('capacity scales with open lanes; a lane closure halves a saturated two-lane approach', () => {
    const run = (closed: number) => {
      const m = fluidModel([isolated(2)]);
      m.setSourceRate('X', 'w', 5000);
      if (closed) m.restrictApproach('X', 'w', { lanesClosed: closed });
      for (let t = 0; t < 10 * C; t++) {
        m.apSignal[0] = signalAt(t, C, G);
        m.step();
      }
      return m.cumApThroughput[0]!;
    };
    const open = run(0);
    expect(open).toBeCloseTo(10 * 2 * S * g, 6);
    expect(run(1) / open).toBeCloseTo(0.5, 6);
    expect(run(2)).toBe(0);
  });

  it('dark / flashing signals give way: a fixed share of the saturation flow, no lost time', () => {
    const m = fluidModel([isolated()]);
    m.setSourceRate('X', 'w', 3600);
    m.apSignal[0] = STATE_CODE.flashingAmber;
    for (let t = 0; t < 100; t++) m.step();
    expect(m.cumApThroughput[0]!).toBeCloseTo(100 * S * UNCONTROLLED_FACTOR, 6);
  });

  it('stops: every vehicle arriving in the red stops, none when the queue is gone', () => {
    const m = fluidModel([isolated()]);
    m.setSourceRate('X', 'w', 360); // 0.1 veh/s
    let first = 0;
    for (let t = 0; t < 2 * C; t++) {
      m.apSignal[0] = signalAt(t, C, G);
      m.step();
      if (t === C - 1) first = m.cumApStops[0]!;
    }
    // Per cycle: arrivals in the effective red (30 s · 0.1) plus those joining the queue while it
    // discharges: the queue of 3 clears after 3/(0.5 − 0.1) = 7.5 s, 0.75 more vehicles stop.
    expect(m.cumApStops[0]! - first).toBeCloseTo(3.75, 6);
    const e = emissions(m.cumApQueueDelay[0]!, m.cumApStops[0]!);
    expect(e.co2G).toBeGreaterThan(0);
  });
});

describe('stop-line detectors', () => {
  it('count the discharged vehicles per lane; occupancy 100 % over a standing queue, ~65 % in saturated discharge', () => {
    const m = fluidModel([isolated(2)]);
    m.setSourceRate('X', 'w', 2400);
    const occ: number[] = [];
    for (let t = 0; t < 60; t++) {
      m.apSignal[0] = t < 30 ? STATE_CODE.red : STATE_CODE.green;
      const before = m.cumLaneOccSec[0]!;
      m.step();
      occ.push(m.cumLaneOccSec[0]! - before);
    }
    expect(occ[20]).toBe(1); // red, queue standing on the loop
    expect(occ[45]).toBeCloseTo((0.5 * 6.5) / 5, 6); // discharging at saturation flow
    expect(m.cumLaneCount[0]! + m.cumLaneCount[1]!).toBeCloseTo(m.cumApThroughput[0]!, 9);
    expect(m.cumLaneCount[0]).toBeCloseTo(m.cumLaneCount[1]!, 9);
    const empty = fluidModel([isolated(1)]);
    empty.setSourceRate('X', 'w', 0);
    empty.apSignal[0] = STATE_CODE.green;
    empty.step();
    expect(empty.cumLaneOccSec[0]).toBe(0);
  });
});

describe('Poisson arrivals', () => {
  it('have the demanded mean and depend on the seed only', () => {
    const run = (seed: number) => {
      const m = TrafficModel.create([isolated()], [], { seed, startMs: 0, demand: constantDemand(1) });
      m.setSourceRate('X', 'w', 600);
      m.apSignal[0] = STATE_CODE.off;
      for (let t = 0; t < 7200; t++) m.step();
      return m.cumApArrivals[0]!;
    };
    const n = run(1);
    expect(Number.isInteger(n)).toBe(true);
    expect(Math.abs(n / 1200 - 1)).toBeLessThan(0.08); // 1200 expected, sd ≈ 35
    expect(run(1)).toBe(n);
    expect(run(2)).not.toBe(n);
  });
});

// ---- a corridor A -> B --------------------------------------------------------------------------

const A_POS: LngLat = [6.7, 51.4];
const M_PER_DEG_LON = (6371008.8 * Math.PI * Math.cos((51.4 * Math.PI) / 180)) / 180;
function corridor(lengthM: number, lanes = 1): { xs: Intersection[]; links: Link[] } {
  const B_POS: LngLat = [A_POS[0] + lengthM / M_PER_DEG_LON, A_POS[1]];
  const link: Link = { id: 'A-B', street: 'Teststraße', roadClass: 'secondary', from: 'A', to: 'B', lanes, speedLimitKmh: 50, geometry: [A_POS, B_POS] };
  const xs: Intersection[] = [
    { id: 'A', name: 'A', pos: A_POS, district: 't', approaches: [{ id: 'w', street: 'Zulauf', bearingDeg: 90, lanes }] },
    { id: 'B', name: 'B', pos: B_POS, district: 't', approaches: [{ id: 'w', street: 'Teststraße', bearingDeg: 90, lanes, fromLink: 'A-B' }] },
  ];
  return { xs, links: [link] };
}

describe('links', () => {
  it('turns into the downstream link by the turning ratio; platoons arrive after the travel time', () => {
    const { xs, links } = corridor(500);
    const net = buildNetwork(xs, links);
    expect(net.turnRatio[0]).toBeCloseTo(1 - SINK_SHARE, 9);
    const m = fluidModel(xs, links);
    m.setSourceRate('A', 'w', 0);
    m.setSourceRate('B', 'w', 0);
    const a = m.approachIndex('A', 'w');
    const b = m.approachIndex('B', 'w');
    m.queue[a] = 10;
    m.apSignal[b] = STATE_CODE.green;
    // One 12 s green at A: 10 vehicles leave (2 s lost, then 0.5 veh/s), 8 enter the link.
    const arrivalsAtB: number[] = [];
    for (let t = 0; t < 200; t++) {
      m.apSignal[a] = t < 24 ? STATE_CODE.green : STATE_CODE.red;
      const before = m.cumApArrivals[b]!;
      m.step();
      arrivalsAtB.push(m.cumApArrivals[b]! - before);
    }
    const total = arrivalsAtB.reduce((s, v) => s + v, 0);
    expect(total).toBeCloseTo(10 * (1 - SINK_SHARE), 3);
    // Mean arrival time ≈ mean departure (2 + 10 s) + travel time 500 m / 13.9 m/s = 36 s (Robertson: ×1.08).
    const mean = arrivalsAtB.reduce((s, v, t) => s + v * t, 0) / total;
    expect(mean).toBeGreaterThan(12 + 36 * 0.95);
    expect(mean).toBeLessThan(12 + 36 * 1.15);
    // Nobody arrives before 0.8 of the free-flow travel time (the Robertson lag).
    expect(arrivalsAtB.slice(0, Math.floor(2 + 0.8 * 36 - 1)).every((v) => v === 0)).toBe(true);
    expect(m.vehiclesInModel() + m.cumExited).toBeCloseTo(m.cumEntered + 10, 6);
  });

  it('spills back: a link full up to its storage blocks the upstream stop line', () => {
    const { xs, links } = corridor(140); // storage 140 m / 7 m = 20 vehicles
    const m = fluidModel(xs, links);
    m.setSourceRate('A', 'w', 1800);
    m.setSourceRate('B', 'w', 0);
    const a = m.approachIndex('A', 'w');
    const b = m.approachIndex('B', 'w');
    m.apSignal[a] = STATE_CODE.green;
    m.apSignal[b] = STATE_CODE.red; // B never lets anyone go
    let maxOnLink = 0;
    for (let t = 0; t < 600; t++) {
      m.step();
      maxOnLink = Math.max(maxOnLink, m.lkInTransit[0]! + m.queue[b]!);
    }
    expect(maxOnLink).toBeLessThanOrEqual(20 + 1e-6);
    expect(maxOnLink).toBeGreaterThan(19.9);
    // A has stopped discharging, its queue grows with every arrival.
    const q = m.queue[a]!;
    m.step();
    expect(m.queue[a]! - q).toBeCloseTo(0.5, 6);
    expect(m.approachGreen('A', 'w')).toBe(true);
    expect(m.approachGreen('B', 'w')).toBe(false);
    expect(m.queueVeh('B', 'w')).toBeGreaterThan(15);
  });

  it('running speed falls with density (Greenshields) and a work zone slows it further', () => {
    const { xs, links } = corridor(1000, 2);
    const m = fluidModel(xs, links);
    m.setSourceRate('A', 'w', 0);
    m.setSourceRate('B', 'w', 0);
    m.apSignal[m.approachIndex('B', 'w')] = STATE_CODE.green;
    m.step();
    expect(m.linkSpeedKmh('A-B')).toBeCloseTo(50, 6);
    m.lkInTransit[0] = 100; // 50 veh/km/lane
    m.step();
    const v = m.linkSpeedKmh('A-B');
    expect(v).toBeLessThan(50 * (1 - 0.05 * 7) + 1);
    expect(v).toBeGreaterThan(50 * (1 - 0.05 * 7) - 1);
    m.restrictLink('A-B', { speedFactor: 0.6 });
    m.step();
    expect(m.linkSpeedKmh('A-B')).toBeLessThan(v * 0.61);
    expect(m.linkSpeedKmh('nope')).toBe(50); // the view is lenient: free flow where the model has no link
    expect(m.approachGreen('nope', 'n')).toBe(true);
    expect(m.queueVeh('nope', 'n')).toBe(0);
    expect(() => m.restrictLink('nope', {})).toThrow(RangeError);
  });

  it('a closed link sends the turning traffic out of the network (detour) instead of jamming', () => {
    const { xs, links } = corridor(300);
    const m = fluidModel(xs, links);
    m.setSourceRate('A', 'w', 720);
    m.setSourceRate('B', 'w', 0);
    m.restrictLink('A-B', { lanesClosed: 1 });
    m.apSignal[0] = STATE_CODE.green;
    m.apSignal[1] = STATE_CODE.green;
    for (let t = 0; t < 600; t++) m.step();
    expect(m.lkInTransit[0]).toBe(0);
    expect(m.queue[0]!).toBeLessThan(1);
    m.clearRestrictions();
    for (let t = 0; t < 60; t++) m.step();
    expect(m.lkInTransit[0]!).toBeGreaterThan(1);
  });

  it('coordination matters: the offset between A and B changes the delay at B', () => {
    // 500 m at 50 km/h ≈ 36 s; both signals 60 s cycle, 30 s green. B's green starting when A's
    // platoon arrives (offset ≈ travel time) beats B's green starting when it has just gone by.
    const delayAtB = (offsetB: number) => {
      const { xs, links } = corridor(500, 1);
      const m = fluidModel(xs, links);
      m.setSourceRate('A', 'w', 900);
      m.setSourceRate('B', 'w', 0);
      for (let t = 0; t < 60 * 60; t++) {
        m.apSignal[0] = signalAt(t, 60, 30);
        m.apSignal[1] = signalAt(t - offsetB, 60, 30);
        m.step();
      }
      return m.cumApQueueDelay[1]!;
    };
    const good = delayAtB(38);
    const bad = delayAtB(38 + 30);
    expect(good).toBeLessThan(bad * 0.6);
  });
});
