/**
 * The bridge's signal-safety layer on a real derived network (netgenerate grid with pedestrian
 * crossings: vehicle groups, pedestrian groups with long clearance intergreens), stepped second by
 * second against SUMO's own program as SUMO would show it. SUMO itself is exercised in bridge.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, cycleSecondAt, STATE_CODE, type SignalPlan } from '../../protocol/index.ts';
import { charClass, CLS_GREEN, loadSumoNetwork, type SumoSignal } from './net/derive.ts';
import { SignalSafety } from './safety.ts';
import { checkSequence } from './sequence-check.ts';
import { sumoAvailable } from './testnet.ts';
import { sumoEnv } from './traci/spawn.ts';

const run = promisify(execFile);
const hasSumo = await sumoAvailable();
if (!hasSumo) console.warn('safety.test.ts: netgenerate not on PATH; skipped');

const E0 = 1_795_000_000; // epoch second of SUMO time 0 (a multiple of 90: cycle second = t mod 90)

/** SUMO's own program state at model second t (position (t − offset) mod C). */
function programState(s: SumoSignal, t: number): string {
  const C = s.plan.cycleSec;
  let cs = (((t - s.programOffsetSec) % C) + C) % C;
  for (const p of s.phases) {
    if (cs < p.durationSec) return p.state;
    cs -= p.durationSec;
  }
  return s.phases[0]!.state;
}

/** Steps the layer like the bridge does; returns the state string SUMO shows each second. */
function stepTo(safety: SignalSafety, from: number, to: number, shown: string[], current: { state: string }): void {
  for (let t = from; t <= to; t++) {
    const want = safety.decide(t);
    if (want !== null) current.state = want;
    else {
      current.state = programState(safety.signal, t); // passthrough or handback: SUMO's program
      safety.observe(t, current.state);
    }
    shown.push(current.state);
  }
}

const groupCls = (s: SumoSignal, state: string, id: string) => charClass(state[s.linkGroup.indexOf(s.spec.signalGroups.findIndex((g) => g.id === id))]!);

describe.skipIf(!hasSumo)('SignalSafety', () => {
  let dir: string;
  let s: SumoSignal;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sumo-safety-'));
    const netFile = join(dir, 'peds.net.xml');
    await run(
      'netgenerate',
      ['--grid', '--grid.number', '3', '--grid.length', '200', '-L', '2', '--tls.guess', 'true', '--sidewalks.guess', 'true', '--crossings.guess', 'true', '-o', netFile],
      { env: sumoEnv() },
    );
    s = (await loadSumoNetwork(netFile)).signals.find((x) => x.tlId === 'B1')!;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const stage = (greens: string[], tsMs: number, validMs = 3000, cmdId = `st-${tsMs}`) => ({ cmdId, tsMs, greens, validUntilMs: tsMs + validMs, issuedBy: 'test' });

  it('without commands never touches SUMO (passthrough), mode fixed, cycle second of the program', () => {
    const safety = new SignalSafety(s, E0);
    for (let t = 0; t < 200; t++) {
      expect(safety.decide(t)).toBeNull();
      safety.observe(t, programState(s, t));
      const st = safety.state((E0 + t) * 1000, programState(s, t));
      expect(st.mode).toBe('fixed');
      expect(st.cycleSecond).toBe(t % s.plan.cycleSec);
    }
  });

  it('carries out a stage request: minimum green, amber, pedestrian clearance intergreen, then the requested greens — no second earlier', () => {
    const safety = new SignalSafety(s, E0);
    const shown: string[] = [];
    const cur = { state: '' };
    // Find the vehicle group and pedestrian group green in the second stage of the program.
    const ids = s.spec.signalGroups.map((g) => g.id);
    stepTo(safety, 0, 46, shown, cur); // cycle second 46: the second stage has just started
    const greenNow = ids.filter((id) => groupCls(s, cur.state, id) === CLS_GREEN);
    const conflicting = ids.filter((id) => s.spec.conflicts.some(([a, b]) => (a === id && greenNow.includes(b)) || (b === id && greenNow.includes(a))));
    // Request every group conflicting with the current greens that are mutually compatible.
    const want: string[] = [];
    for (const id of conflicting) if (!want.some((w) => s.spec.conflicts.some(([a, b]) => (a === w && b === id) || (a === id && b === w)))) want.push(id);
    expect(want.length).toBeGreaterThan(0);
    const ack = safety.stageCommand(stage(want, (E0 + 46) * 1000, 9000), (E0 + 46) * 1000);
    expect(ack).toMatchObject({ accepted: true, reasons: [] });
    for (let t = 47; t <= 80; t++) {
      safety.stageCommand(stage(want, (E0 + t - 1) * 1000, 3000), (E0 + t - 1) * 1000); // repeated every second, as the hub does
      stepTo(safety, t, t, shown, cur);
    }
    expect(checkSequence(s, shown)).toEqual([]);
    expect(safety.mode).toBe('adaptive');
    // Every requested group is green at the end, every other group red.
    for (const id of ids) expect(groupCls(s, cur.state, id) === CLS_GREEN, id).toBe(want.includes(id));
    // Exactly: the first requested green starts at the earliest second the rules allow.
    const byId = new Map(s.spec.signalGroups.map((g) => [g.id, g] as const));
    const endOf = (id: string) => shown.findIndex((st, i) => i > 46 && groupCls(s, st, id) !== CLS_GREEN);
    const startOf = (id: string) => shown.findIndex((st, i) => i > 46 && groupCls(s, st, id) === CLS_GREEN);
    for (const w of want) {
      let earliest = 47;
      for (const h of greenNow) {
        const e = s.spec.intergreenSec.find((x) => x.from === h && x.to === w);
        if (!e) continue;
        const minEnd = 45 + byId.get(h)!.minGreenSec; // green since cycle second 45
        expect(endOf(h)).toBe(Math.max(47, minEnd));
        earliest = Math.max(earliest, endOf(h) + e.sec);
      }
      expect(startOf(w), w).toBe(earliest);
    }
    // The pedestrian clearance made somebody wait longer than the vehicle amber alone would.
    expect(Math.max(...want.map(startOf))).toBeGreaterThan(Math.max(...greenNow.map(endOf)) + 3);
  });

  it('refuses unsafe or malformed requests with reasons and never leaves passthrough for them', () => {
    const safety = new SignalSafety(s, E0);
    const now = (E0 + 10) * 1000;
    const [a, b] = s.spec.conflicts[0]!;
    expect(safety.stageCommand(stage([a, b], now, 3000, 's1'), now)).toMatchObject({ accepted: false, reasons: [expect.objectContaining({ code: 'CONFLICT' })] });
    expect(safety.stageCommand(stage(['NOPE'], now, 3000, 's2'), now).reasons.map((r) => r.code)).toContain('UNKNOWN_GROUP');
    expect(safety.stageCommand({ ...stage([a], now - 5000, 1000), cmdId: 'old' }, now).reasons.map((r) => r.code)).toContain('EXPIRED');
    expect(safety.stageCommand({ cmdId: 'x', greens: 'K1' }, now).reasons.map((r) => r.code)).toContain('SCHEMA');
    const C = s.plan.cycleSec;
    const overlap: SignalPlan = { ...s.plan, planId: 'bad1', greens: s.spec.signalGroups.map((g) => ({ groupId: g.id, startSec: 0, endSec: 40 })) };
    expect(safety.planCommand({ cmdId: 'p1', tsMs: now, plan: overlap, issuedBy: 't' }, now).reasons.map((r) => r.code)).toContain('CONFLICT');
    const short: SignalPlan = { ...s.plan, planId: 'bad2', greens: s.plan.greens.map((w) => (w.groupId === a ? { ...w, endSec: (w.startSec + 2) % C } : w)) };
    const ack = safety.planCommand({ cmdId: 'p2', tsMs: now, plan: short, issuedBy: 't' }, now);
    expect(ack.accepted).toBe(false);
    expect(ack.reasons.map((r) => r.code)).toContain('MIN_GREEN');
    // QoS 1 redelivery of the same command: the same answer.
    expect(safety.planCommand({ cmdId: 'p2', tsMs: now, plan: s.plan, issuedBy: 't' }, now + 1000)).toMatchObject({ cmdId: 'p2', accepted: false });
    for (let t = 11; t < 200; t++) {
      expect(safety.decide(t)).toBeNull();
      safety.observe(t, programState(s, t));
    }
    expect(safety.stats.refused).toBe(6);
  });

  it('falls back to the fixed-time plan when the stage requests stop (watchdog) and hands control back to SUMO', () => {
    const safety = new SignalSafety(s, E0);
    const shown: string[] = [];
    const cur = { state: '' };
    stepTo(safety, 0, 10, shown, cur);
    const red = s.spec.signalGroups.map((g) => g.id).filter((id) => groupCls(s, cur.state, id) !== CLS_GREEN);
    const want = red.filter((id, i) => !red.slice(0, i).some((w) => s.spec.conflicts.some(([a, b]) => (a === w && b === id) || (a === id && b === w))));
    expect(safety.stageCommand(stage(want, (E0 + 10) * 1000, 5000), (E0 + 10) * 1000).accepted).toBe(true);
    let handedBack = -1;
    for (let t = 11; t <= 400 && handedBack < 0; t++) {
      stepTo(safety, t, t, shown, cur);
      if (safety.justHandedBack) handedBack = t;
      if (t <= 15) expect(safety.mode, `t=${t}`).toBe('adaptive');
      if (t === 16) expect(safety.mode).toBe('fixed'); // validUntil = t 15 passed
    }
    expect(safety.stats.watchdog).toBe(1);
    expect(handedBack).toBeGreaterThan(16);
    expect(safety.passthrough).toBe(true);
    stepTo(safety, handedBack + 1, handedBack + 200, shown, cur);
    expect(checkSequence(s, shown)).toEqual([]);
  });

  it('switches an accepted plan in at the cycle boundary and then runs it exactly', () => {
    const safety = new SignalSafety(s, E0);
    const shown: string[] = [];
    const cur = { state: '' };
    stepTo(safety, 0, 20, shown, cur);
    // The program shifted by 10 s: a valid plan (every window moved together).
    const C = s.plan.cycleSec;
    const shifted: SignalPlan = { ...safety.defaultPlan, planId: 'shifted', greens: s.plan.greens.map((w) => ({ ...w, startSec: (w.startSec + 10) % C, endSec: ((w.endSec + 10) % C) || C })) };
    const ack = safety.planCommand({ cmdId: 'ok1', tsMs: (E0 + 20) * 1000, plan: shifted, issuedBy: 't' }, (E0 + 20) * 1000);
    expect(ack).toMatchObject({ accepted: true, reasons: [] });
    expect(safety.state((E0 + 20) * 1000, cur.state).pendingPlanId).toBe('shifted');
    stepTo(safety, 21, C - 1, shown, cur);
    expect(safety.passthrough).toBe(true); // still SUMO's program until the boundary
    stepTo(safety, C, 4 * C, shown, cur);
    expect(safety.mode).toBe('external');
    expect(checkSequence(s, shown)).toEqual([]);
    // After one cycle of transition, every second shows the commanded plan exactly.
    const compiled = compilePlan(s.spec, shifted);
    const G = s.spec.signalGroups.length;
    for (let t = 2 * C; t <= 4 * C; t++) {
      const cs = cycleSecondAt(shifted, E0 + t);
      for (let g = 0; g < G; g++) {
        const isGreen = compiled.states[cs * G + g] === STATE_CODE.green;
        expect(groupCls(s, shown[t]!, s.spec.signalGroups[g]!.id) === CLS_GREEN, `t=${t} ${s.spec.signalGroups[g]!.id}`).toBe(isGreen);
      }
    }
  });

  it('the sequence checker itself catches skipped amber, short intergreen and conflicting greens', () => {
    // Build sequences from the program: a clean one, then break it three ways.
    const C = s.plan.cycleSec;
    const clean = Array.from({ length: 2 * C }, (_, t) => programState(s, t));
    expect(checkSequence(s, clean)).toEqual([]);
    const firstYellow = clean.findIndex((st) => st.includes('y'));
    // 1. Amber skipped: the yellow seconds become red.
    const noAmber = clean.map((st, t) => (t >= firstYellow && t < firstYellow + 3 ? st.replace(/y/g, 'r') : st));
    expect(checkSequence(s, noAmber).map((v) => v.rule)).toContain('AMBER');
    // 2. The next stage starts during the amber: intergreen violated.
    const early = clean.map((st, t) => (t >= firstYellow && t < firstYellow + 3 ? clean[firstYellow + 3]! : st));
    expect(checkSequence(s, early).map((v) => v.rule)).toEqual(expect.arrayContaining(['INTERGREEN']));
    // 3. Everything green at once.
    const allGreen = clean.map((st, t) => (t === 10 ? st.replace(/[rys]/g, 'G') : st));
    expect(checkSequence(s, allGreen).map((v) => v.rule)).toContain('CONFLICT');
  });
});
