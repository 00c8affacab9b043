import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ControllerSpec,
  PlanAck,
  PlanCommand,
  SignalPlan,
  STATE_CODE,
  TlsState,
  TlsTruth,
  VIOLATION_CODES,
  compilePlan,
  cycleSecondAt,
  groupStatesAt,
  signalTopics,
  validatePlan,
  validateSpec,
  type SignalGroup,
  type Violation,
} from './signal.ts';

// A small crossing: K1 (north/south), K2 (east/west), F1 pedestrians across the north arm.
// K1 conflicts with K2 and with F1; F1 runs with K2.
const SPEC: ControllerSpec = ControllerSpec.parse({
  signalGroups: [
    { id: 'K1', kind: 'vehicle', approachIds: ['n', 's'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'K2', kind: 'vehicle', approachIds: ['e', 'w'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
    { id: 'F1', kind: 'pedestrian', approachIds: ['n'], minGreenSec: 6, amberSec: 0, redAmberSec: 0 },
  ],
  conflicts: [
    ['K1', 'K2'],
    ['K1', 'F1'],
  ],
  intergreenSec: [
    { from: 'K1', to: 'K2', sec: 5 },
    { from: 'K2', to: 'K1', sec: 5 },
    { from: 'K1', to: 'F1', sec: 6 },
    { from: 'F1', to: 'K1', sec: 10 },
  ],
  maxCycleSec: 90,
});

/** Valid, and tight: K1->K2 exactly 5 s, K2->K1 exactly 5 s, K1->F1 exactly 6 s. */
const PLAN: SignalPlan = {
  planId: 'P1',
  cycleSec: 60,
  offsetSec: 0,
  greens: [
    { groupId: 'K1', startSec: 0, endSec: 25 },
    { groupId: 'K2', startSec: 30, endSec: 55 },
    { groupId: 'F1', startSec: 31, endSec: 45 },
  ],
};

const withGreens = (greens: SignalPlan['greens'], patch: Partial<SignalPlan> = {}): SignalPlan => ({ ...PLAN, greens, ...patch });
const codes = (v: Violation[]) => v.map((x) => x.code);

describe('schemas', () => {
  it('parse the documented messages and default maxCycleSec to 120', () => {
    const spec = ControllerSpec.parse({ signalGroups: SPEC.signalGroups, conflicts: SPEC.conflicts, intergreenSec: SPEC.intergreenSec });
    expect(spec.maxCycleSec).toBe(120);
    expect(SignalPlan.parse(PLAN)).toEqual(PLAN);
    expect(PlanCommand.safeParse({ cmdId: 'c-1', tsMs: 1, plan: PLAN, issuedBy: 'optimiser' }).success).toBe(true);
    expect(PlanAck.safeParse({ cmdId: 'c-1', tsMs: 2, accepted: false, reasons: [{ code: 'MIN_GREEN', message: 'x' }] }).success).toBe(true);
    expect(
      TlsState.safeParse({ tsMs: 1, planId: 'P1', cycleSec: 60, cycleSecond: 59, mode: 'fixed', groups: { K1: 'green', F1: 'red' } }).success,
    ).toBe(true);
    expect(TlsState.safeParse({ tsMs: 1, planId: 'P1', cycleSec: 60, cycleSecond: 0, mode: 'fixed', groups: { K1: 'blue' } }).success).toBe(false);
    expect(
      TlsTruth.safeParse({ tsMs: 1, intervalSec: 5, simulated: true, delayVehS: 1, stops: 0, throughputVeh: 2, co2G: 0.6, noxG: 0, approaches: [] }).success,
    ).toBe(true);
    // Times are whole seconds; ids cannot smuggle topic levels.
    expect(SignalPlan.safeParse({ ...PLAN, cycleSec: 60.5 }).success).toBe(false);
    expect(SignalPlan.safeParse({ ...PLAN, greens: [{ groupId: 'K1/#', startSec: 0, endSec: 5 }] }).success).toBe(false);
  });

  it('topics', () => {
    expect(signalTopics.state('K001')).toBe('city/v1/tls/K001/state');
    expect(signalTopics.cmd('K001')).toBe('city/v1/tls/K001/cmd');
    expect(signalTopics.ack('K001')).toBe('city/v1/tls/K001/ack');
    expect(signalTopics.truth('K001')).toBe('city/v1/tls/K001/truth');
  });
});

describe('validatePlan', () => {
  it('accepts a valid plan', () => {
    expect(validateSpec(SPEC)).toEqual([]);
    expect(validatePlan(SPEC, PLAN)).toEqual([]);
  });

  const g = PLAN.greens;
  const cases: [string, ControllerSpec, SignalPlan][] = [
    ['MIN_GREEN', SPEC, withGreens([g[0]!, { groupId: 'K2', startSec: 30, endSec: 33 }, g[2]!])],
    ['CONFLICT', SPEC, withGreens([g[0]!, { groupId: 'K2', startSec: 0, endSec: 5 }, g[2]!])],
    ['INTERGREEN', SPEC, withGreens([g[0]!, { groupId: 'K2', startSec: 29, endSec: 55 }, g[2]!])],
    ['MAX_CYCLE', SPEC, withGreens([g[0]!, { groupId: 'K2', startSec: 30, endSec: 95 }, g[2]!], { cycleSec: 100 })],
    ['MAX_RED', { ...SPEC, signalGroups: SPEC.signalGroups.map((x) => (x.id === 'K2' ? { ...x, maxRedSec: 30 } : x)) }, PLAN],
    ['UNKNOWN_GROUP', SPEC, withGreens([...g, { groupId: 'X9', startSec: 0, endSec: 10 }])],
    ['NO_GREEN', SPEC, withGreens([g[0]!, g[1]!])],
    ['BAD_WINDOW', SPEC, withGreens([...g, { groupId: 'K1', startSec: 70, endSec: 75 }])],
    ['MIN_RED', SPEC, withGreens([{ groupId: 'K1', startSec: 0, endSec: 12 }, { groupId: 'K1', startSec: 14, endSec: 25 }, g[1]!, g[2]!])],
    ['BAD_OFFSET', SPEC, withGreens(g, { offsetSec: 60 })],
    ['BAD_SPEC', { ...SPEC, intergreenSec: SPEC.intergreenSec.filter((e) => !(e.from === 'F1' && e.to === 'K1')) }, PLAN],
    ['BAD_CYCLE', SPEC, withGreens(g, { cycleSec: 0 })],
  ];
  it.each(cases)('produces %s exactly once and nothing else', (code, spec, plan) => {
    expect(codes(validatePlan(spec, plan))).toEqual([code]);
  });

  it('covers every violation code', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(VIOLATION_CODES));
  });

  it('handles wrap-around windows (a green over the cycle end)', () => {
    // Shift the whole valid plan by 50 s: K1 now runs 50..15 over the cycle end.
    const shifted = withGreens(g.map((w) => ({ ...w, startSec: (w.startSec + 50) % 60, endSec: (w.endSec + 50) % 60 })));
    expect(validatePlan(SPEC, shifted)).toEqual([]);
    const s = groupStatesAt(SPEC, shifted, 55);
    expect(s.K1).toBe('green');
    expect(groupStatesAt(SPEC, shifted, 49).K1).toBe('redAmber');
  });

  it('rejects a spec whose intergreen is shorter than the amber (RiLSA: the intergreen includes it)', () => {
    const spec = { ...SPEC, intergreenSec: SPEC.intergreenSec.map((e) => (e.from === 'K1' && e.to === 'K2' ? { ...e, sec: 2 } : e)) };
    expect(codes(validateSpec(spec))).toEqual(['BAD_SPEC']);
  });
});

describe('groupStatesAt', () => {
  it('shows red-amber before green and amber after green (vehicles), neither for pedestrians', () => {
    const at = (t: number) => groupStatesAt(SPEC, PLAN, t);
    expect(at(59).K1).toBe('redAmber');
    expect(at(0).K1).toBe('green');
    expect(at(24).K1).toBe('green');
    expect([at(25).K1, at(26).K1, at(27).K1]).toEqual(['amber', 'amber', 'amber']);
    expect(at(28).K1).toBe('red');
    expect(at(29).K2).toBe('redAmber');
    expect(at(30).K2).toBe('green');
    expect(at(30).F1).toBe('red');
    expect(at(31).F1).toBe('green');
    expect(at(45).F1).toBe('red');
    expect(at(60 + 26).K1).toBe('amber'); // taken modulo the cycle
  });

  it('cycleSecondAt follows the common time base and the offset', () => {
    expect(cycleSecondAt({ cycleSec: 60, offsetSec: 0 }, 1_800_000_000)).toBe(1_800_000_000 % 60);
    expect(cycleSecondAt({ cycleSec: 60, offsetSec: 10 }, 600)).toBe(50);
  });
});

// ---- properties ---------------------------------------------------------------------------------

interface Case {
  spec: ControllerSpec;
  plan: SignalPlan;
}

const groupArb = (i: number) =>
  fc.record({
    vehicle: fc.boolean(),
    minGreenSec: fc.integer({ min: 1, max: 8 }),
  }).map(({ vehicle, minGreenSec }): SignalGroup => ({
    id: `G${i}`,
    kind: vehicle ? 'vehicle' : 'pedestrian',
    approachIds: [],
    minGreenSec,
    amberSec: vehicle ? 3 : 0,
    redAmberSec: vehicle ? 1 : 0,
  }));

/** A random consistent spec: 2-5 groups, random conflicts, intergreens ≥ the clearing group's amber. */
const specArb: fc.Arbitrary<ControllerSpec> = fc.integer({ min: 2, max: 5 }).chain((n) =>
  fc
    .tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => groupArb(i))),
      fc.array(fc.boolean(), { minLength: (n * (n - 1)) / 2, maxLength: (n * (n - 1)) / 2 }),
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: n * n, maxLength: n * n }),
    )
    .map(([groups, conflictBits, extra]) => {
      const conflicts: [string, string][] = [];
      const intergreenSec: ControllerSpec['intergreenSec'] = [];
      let k = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (!conflictBits[k++]) continue;
          conflicts.push([groups[i]!.id, groups[j]!.id]);
          intergreenSec.push({ from: groups[i]!.id, to: groups[j]!.id, sec: groups[i]!.amberSec + extra[i * n + j]! });
          intergreenSec.push({ from: groups[j]!.id, to: groups[i]!.id, sec: groups[j]!.amberSec + extra[j * n + i]! });
        }
      }
      return { signalGroups: groups, conflicts, intergreenSec, maxCycleSec: 3600 };
    }),
);

/** Any plan for a spec: random windows, often invalid. */
const randomCaseArb: fc.Arbitrary<Case> = specArb.chain((spec) =>
  fc.integer({ min: 5, max: 150 }).chain((cycleSec) =>
    fc
      .array(
        fc.record({
          groupId: fc.constantFrom(...spec.signalGroups.map((g) => g.id), 'ZZ'),
          startSec: fc.integer({ min: 0, max: cycleSec + 2 }),
          endSec: fc.integer({ min: 0, max: cycleSec + 2 }),
        }),
        { maxLength: 8 },
      )
      .map((greens) => ({ spec, plan: { planId: 'R', cycleSec, offsetSec: 0, greens } })),
  ),
);

/** Stage per group, each followed by the largest intergreen it needs: always valid by construction. */
const validCaseArb: fc.Arbitrary<Case> = specArb.chain((spec) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: spec.signalGroups.length, maxLength: spec.signalGroups.length }),
      fc.integer({ min: 0, max: 200 }),
    )
    .map(([extraGreen, rotate]) => {
      const greens: SignalPlan['greens'] = [];
      let t = 0;
      for (const [i, g] of spec.signalGroups.entries()) {
        const start = t;
        const end = start + g.minGreenSec + extraGreen[i]!;
        const clear = Math.max(g.amberSec + g.redAmberSec + 1, ...spec.signalGroups.map((h) => h.amberSec + h.redAmberSec + 1), ...spec.intergreenSec.filter((e) => e.from === g.id).map((e) => e.sec));
        greens.push({ groupId: g.id, startSec: start, endSec: end });
        t = end + clear;
      }
      const C = t;
      const r = rotate % C;
      return {
        spec,
        plan: { planId: 'V', cycleSec: C, offsetSec: 0, greens: greens.map((w) => ({ groupId: w.groupId, startSec: (w.startSec + r) % C, endSec: (w.endSec + r) % C })) },
      };
    }),
);

/** Invariants of the state table of a plan that validated. */
function checkInvariants({ spec, plan }: Case): void {
  // The table as groupStatesAt gives it, second by second (and compilePlan must agree with it).
  const ids = spec.signalGroups.map((g) => g.id);
  const G = ids.length;
  const C = plan.cycleSec;
  const gi = new Map(ids.map((id, i) => [id, i] as const));
  const code = (s: string) => STATE_CODE[s as keyof typeof STATE_CODE];
  const table = Array.from({ length: C }, (_, t) => {
    const s = groupStatesAt(spec, plan, t);
    return ids.map((id) => code(s[id]!));
  });
  expect(Array.from(compilePlan(spec, plan).states)).toEqual(table.flat());
  const st = (t: number, g: number) => table[((t % C) + C) % C]![g]!;
  for (let t = 0; t < C; t++) {
    for (const [a, b] of spec.conflicts) {
      expect(st(t, gi.get(a)!) === STATE_CODE.green && st(t, gi.get(b)!) === STATE_CODE.green, `${a}/${b} green together at ${t}`).toBe(false);
    }
  }
  spec.signalGroups.forEach((g, i) => {
    for (let t = 0; t < C; t++) {
      const endsHere = st(t - 1, i) === STATE_CODE.green && st(t, i) !== STATE_CODE.green;
      if (endsHere) for (let k = 0; k < g.amberSec; k++) expect(st(t + k, i), `${g.id} amber ${k} s after green end at ${t}`).toBe(STATE_CODE.amber);
      if (endsHere) expect(st(t + g.amberSec, i)).toBe(STATE_CODE.red);
      const startsHere = st(t, i) === STATE_CODE.green && st(t - 1, i) !== STATE_CODE.green;
      if (startsHere) for (let k = 1; k <= g.redAmberSec; k++) expect(st(t - k, i)).toBe(STATE_CODE.redAmber);
    }
  });
  // Intergreens measured on the table, end of green to start of green.
  for (const e of spec.intergreenSec) {
    const a = gi.get(e.from)!;
    const b = gi.get(e.to)!;
    for (let t = 0; t < C; t++) {
      if (st(t, b) !== STATE_CODE.green || st(t - 1, b) === STATE_CODE.green) continue;
      for (let k = 1; k <= e.sec; k++) expect(st(t - k, a), `${e.from} green ${k} s before ${e.to} starts at ${t}`).not.toBe(STATE_CODE.green);
    }
  }
}

describe('properties', () => {
  it('random plans either validate (and then are safe) or give known violations; never throws', () => {
    fc.assert(
      fc.property(randomCaseArb, (cs) => {
        const v = validatePlan(cs.spec, cs.plan);
        for (const x of v) expect(VIOLATION_CODES).toContain(x.code);
        if (v.length === 0) checkInvariants(cs);
      }),
      { numRuns: 400 },
    );
  });

  it('plans valid by construction validate, never show conflicting greens, and always show the amber', () => {
    fc.assert(
      fc.property(validCaseArb, (cs) => {
        expect(validatePlan(cs.spec, cs.plan)).toEqual([]);
        checkInvariants(cs);
      }),
      { numRuns: 300 },
    );
  });

  it('moving any green start of a valid plan earlier into its intergreen is caught', () => {
    fc.assert(
      fc.property(validCaseArb, fc.nat(), (cs, pick) => {
        const withConflicts = cs.spec.intergreenSec.filter((e) => e.sec > 0);
        fc.pre(withConflicts.length > 0);
        const e = withConflicts[pick % withConflicts.length]!;
        const greens = cs.plan.greens.map((w) => ({ ...w }));
        const a = greens.find((w) => w.groupId === e.from)!;
        const b = greens.find((w) => w.groupId === e.to)!;
        // Start `to` one second after `from` ends: inside every intergreen > 1 s.
        const C = cs.plan.cycleSec;
        const len = (b.endSec - b.startSec + C) % C;
        b.startSec = (a.endSec + 1 - (e.sec > 1 ? 0 : 1) + C) % C;
        b.endSec = (b.startSec + len) % C;
        const v = codes(validatePlan(cs.spec, { ...cs.plan, greens }));
        expect(v.some((c) => c === 'INTERGREEN' || c === 'CONFLICT')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
