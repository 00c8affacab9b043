/**
 * Property-based tests of the hub-side safety layer (issue 8): random valid controller specs, random
 * controller histories, random strategy outputs (stages, plans, garbage) — nothing unsafe leaves
 * `safety.ts`, and a safe output passes unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validatePlan, validateSpec, validateStage, type ControllerSpec, type SignalGroup, type SignalPlan, type TlsState } from '../../protocol/signal.ts';
import { SafetyGate, checkPlan } from './safety.ts';
import { bit, compileSpec, deriveStages } from './stages.ts';

/** A valid ControllerSpec: 1-8 groups, random conflicts, intergreens ≥ the clearing group's amber. */
const specArb: fc.Arbitrary<ControllerSpec> = fc
  .integer({ min: 1, max: 8 })
  .chain((G) =>
    fc.record({
      groups: fc.array(
        fc.record({
          kind: fc.constantFrom('vehicle', 'pedestrian', 'tram'),
          minGreen: fc.integer({ min: 1, max: 20 }),
          amber: fc.integer({ min: 1, max: 5 }),
          redAmber: fc.integer({ min: 0, max: 2 }),
          maxRed: fc.option(fc.integer({ min: 40, max: 300 }), { nil: undefined }),
        }),
        { minLength: G, maxLength: G },
      ),
      conflictBits: fc.array(fc.boolean(), { minLength: (G * (G - 1)) / 2, maxLength: (G * (G - 1)) / 2 }),
      extra: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: G * G, maxLength: G * G }),
      maxCycle: fc.integer({ min: 60, max: 240 }),
    }),
  )
  .map(({ groups, conflictBits, extra, maxCycle }) => {
    const G = groups.length;
    const signalGroups: SignalGroup[] = groups.map((g, i) => ({
      id: `${g.kind === 'pedestrian' ? 'F' : g.kind === 'tram' ? 'S' : 'K'}${i + 1}`,
      kind: g.kind as SignalGroup['kind'],
      approachIds: g.kind === 'pedestrian' ? [] : [`a${i}`],
      minGreenSec: g.minGreen,
      amberSec: g.kind === 'pedestrian' ? 0 : g.amber,
      redAmberSec: g.kind === 'pedestrian' ? 0 : g.redAmber,
      ...(g.maxRed !== undefined ? { maxRedSec: g.maxRed } : {}),
    }));
    const conflicts: [string, string][] = [];
    const intergreenSec: ControllerSpec['intergreenSec'] = [];
    let k = 0;
    for (let i = 0; i < G; i++) {
      for (let j = i + 1; j < G; j++) {
        if (conflictBits[k++]) {
          const a = signalGroups[i]!;
          const b = signalGroups[j]!;
          conflicts.push([a.id, b.id]);
          intergreenSec.push({ from: a.id, to: b.id, sec: a.amberSec + extra[i * G + j]! });
          intergreenSec.push({ from: b.id, to: a.id, sec: b.amberSec + extra[j * G + i]! });
        }
      }
    }
    return { signalGroups, conflicts, intergreenSec, maxCycleSec: maxCycle };
  });

/** A controller history: per second the set of groups showing green (anything, even unsafe). */
const historyArb = fc.array(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 400 });

/** Strategy outputs: plausible stages, random id lists, and garbage. */
const requestArb = (spec: ControllerSpec) =>
  fc.oneof(
    fc.subarray(spec.signalGroups.map((g) => g.id)),
    fc.array(fc.constantFrom(...spec.signalGroups.map((g) => g.id), 'K99', '', 'x y'), { maxLength: 10 }),
    fc.constantFrom(...deriveStages(spec)).map((m) => spec.signalGroups.filter((_, i) => m & bit(i)).map((g) => g.id)),
    fc.anything(),
  );

function statesOf(spec: ControllerSpec, history: boolean[][]): TlsState[] {
  // Runs of green are stretched to be plausible: the history is per second, tsMs whole seconds.
  return history.map((row, t) => ({
    tsMs: (1_000_000 + t) * 1000,
    planId: 'x',
    cycleSec: 60,
    cycleSecond: t % 60,
    mode: 'adaptive',
    groups: Object.fromEntries(spec.signalGroups.map((g, i) => [g.id, row[i] ? 'green' : 'red'])),
  }));
}

describe('safety: stage requests', () => {
  it('generated specs are valid (the generator is what the other properties rely on)', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        expect(validateSpec(spec)).toEqual([]);
      }),
    );
  });

  it('nothing unsafe leaves the gate: conflict-free, minimum greens held, overdue groups served', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), historyArb, fc.array(requestArb(spec), { minLength: 1, maxLength: 5 }))),
        ([spec, history, requests]) => {
          const cs = compileSpec(spec);
          const gate = new SafetyGate(cs);
          const states = statesOf(spec, history);
          for (let t = 0; t < states.length; t++) {
            gate.observe(states[t]!);
            const req = requests[t % requests.length];
            const v = gate.stage(req);
            if (v.greens === null) continue;
            // 1. The spec's rules: known groups, no duplicates, no conflicts.
            expect(validateStage(spec, v.greens)).toEqual([]);
            expect(v.greens.length).toBeGreaterThan(0);
            const out = new Set(v.greens);
            const asked = new Set(Array.isArray(req) ? (req as unknown[]).filter((x) => typeof x === 'string') : []);
            for (let g = 0; g < cs.G; g++) {
              const id = cs.ids[g]!;
              // 2. A green in its minimum green is never dropped.
              if (gate.inMinGreen(g)) expect(out.has(id), `${id} in min green`).toBe(true);
              // 3. An overdue group is served unless a conflicting group that must stay or is more overdue is.
              if (gate.overdue(g) && !out.has(id)) {
                const blocker = v.greens.some((o) => {
                  const h = cs.index.get(o)!;
                  return (cs.conflictMask[g]! & bit(h)) !== 0 && (gate.inMinGreen(h) || gate.overdue(h));
                });
                expect(blocker, `${id} overdue`).toBe(true);
              }
              // 4. Nothing the strategy did not ask for, except held and overdue groups.
              if (out.has(id) && !asked.has(id)) expect(gate.inMinGreen(g) || gate.overdue(g)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a safe request passes unchanged', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), historyArb, fc.constantFrom(...deriveStages(spec)))),
        ([spec, history, stage]) => {
          const cs = compileSpec(spec);
          const gate = new SafetyGate(cs);
          for (const s of statesOf(spec, history)) gate.observe(s);
          const req = cs.ids.filter((_, g) => stage & bit(g));
          // A controller reporting conflicting greens is refused whatever is asked (tested above).
          fc.pre(spec.conflicts.every(([a, b]) => !(gate.green[cs.index.get(a)!] && gate.green[cs.index.get(b)!])));
          const mustHave = cs.ids.filter((_, g) => gate.inMinGreen(g) || gate.overdue(g));
          fc.pre(mustHave.every((id) => req.includes(id)));
          const v = gate.stage(req);
          expect(v.intervened).toBe(false);
          expect(v.greens).toEqual(req);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('commands nothing to a controller that reports conflicting greens', () => {
    const spec: ControllerSpec = {
      signalGroups: [
        { id: 'K1', kind: 'vehicle', approachIds: ['n'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
        { id: 'K2', kind: 'vehicle', approachIds: ['e'], minGreenSec: 5, amberSec: 3, redAmberSec: 1 },
      ],
      conflicts: [['K1', 'K2']],
      intergreenSec: [
        { from: 'K1', to: 'K2', sec: 5 },
        { from: 'K2', to: 'K1', sec: 5 },
      ],
      maxCycleSec: 120,
    };
    const gate = new SafetyGate(compileSpec(spec));
    gate.observe(statesOf(spec, [[true, true]])[0]!);
    const v = gate.stage(['K1']);
    expect(v.greens).toBeNull();
    expect(v.reasons[0]).toMatch(/conflicting greens/);
  });

  it('refuses before any state, and refuses garbage with reasons', () => {
    const spec = fc.sample(specArb, { numRuns: 1, seed: 7 })[0]!;
    const gate = new SafetyGate(compileSpec(spec));
    expect(gate.stage([spec.signalGroups[0]!.id]).greens).toBeNull();
    gate.observe(statesOf(spec, [[false, false, false, false, false, false, false, false]])[0]!);
    for (const junk of [null, 42, 'K1', [], [1, 2], { greens: ['K1'] }, ['K99']]) {
      const v = gate.stage(junk);
      expect(v.greens).toBeNull();
      expect(v.intervened).toBe(true);
      expect(v.reasons.length).toBeGreaterThan(0);
    }
  });
});

describe('safety: plans', () => {
  /** A plan laid out group after group (each its own stage), clearing every intergreen. */
  const planArb = (spec: ControllerSpec) =>
    fc.record({ extra: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: spec.signalGroups.length, maxLength: spec.signalGroups.length }), offset: fc.nat() }).map(({ extra, offset }) => {
      const gs = spec.signalGroups;
      const maxIg = Math.max(0, ...spec.intergreenSec.map((e) => e.sec));
      let t = 0;
      const greens = gs.map((g, i) => {
        const s = t;
        t += g.minGreenSec + extra[i]!;
        const w = { groupId: g.id, startSec: s, endSec: t };
        t += Math.max(maxIg, g.amberSec + g.redAmberSec + 1);
        return w;
      });
      const C = Math.max(t, 1);
      return { planId: 'p', cycleSec: C, offsetSec: offset % C, greens: greens.map((w) => ({ ...w, endSec: w.endSec === C ? C : w.endSec % C })) } as SignalPlan;
    });

  it('what checkPlan accepts passes validatePlan with the default vehicle max red; a safe plan passes', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) => fc.tuple(fc.constant(spec), planArb(spec))),
        ([spec, plan]) => {
          const cs = compileSpec(spec);
          const v = checkPlan(cs, plan);
          const withMaxRed = { ...spec, signalGroups: spec.signalGroups.map((g) => (g.maxRedSec === undefined && g.kind !== 'pedestrian' ? { ...g, maxRedSec: 120 } : g)) };
          const ref = validatePlan(withMaxRed, plan);
          expect(v.ok).toBe(ref.length === 0);
          if (plan.cycleSec <= spec.maxCycleSec && ref.length === 0) expect(v.violations).toEqual([]);
          // The layout itself never conflicts or cuts an intergreen or a minimum green.
          expect(validatePlan({ ...spec, maxCycleSec: 3600 }, plan).filter((x) => ['CONFLICT', 'INTERGREEN', 'MIN_GREEN', 'MIN_RED'].includes(x.code))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random and garbage plans: nothing with a conflict, short intergreen, short green or long cycle is accepted', () => {
    fc.assert(
      fc.property(
        specArb.chain((spec) =>
          fc.tuple(
            fc.constant(spec),
            fc.oneof(
              fc.record({
                planId: fc.constantFrom('a', 'b'),
                cycleSec: fc.integer({ min: 1, max: 300 }),
                offsetSec: fc.integer({ min: 0, max: 300 }),
                greens: fc.array(fc.record({ groupId: fc.constantFrom(...spec.signalGroups.map((g) => g.id), 'K99'), startSec: fc.integer({ min: 0, max: 300 }), endSec: fc.integer({ min: 0, max: 300 }) }), { maxLength: 12 }),
              }),
              fc.anything(),
            ),
          ),
        ),
        ([spec, plan]) => {
          const v = checkPlan(compileSpec(spec), plan);
          if (!v.ok) return;
          const p = plan as SignalPlan;
          expect(p.cycleSec).toBeLessThanOrEqual(spec.maxCycleSec);
          expect(validatePlan(spec, p)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
