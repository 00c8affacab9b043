/**
 * Checks a second-by-second sequence of SUMO link state strings of one signal against its
 * ControllerSpec: the rules the signal-safety layer promises (RiLSA 2015 / VwV-StVO zu § 37, see
 * sim/sumo/safety.ts). Used by the tests on what is read back from SUMO, and usable as a monitor.
 * Returns every violation found (empty = the sequence is safe).
 */
import { CLS_AMBER, CLS_GREEN, CLS_RED_AMBER, charClass, type SumoSignal } from './net/derive.ts';

export interface SequenceViolation {
  t: number;
  rule: 'CONFLICT' | 'INTERGREEN' | 'MIN_GREEN' | 'AMBER' | 'ALL_RED' | 'GROUP_SPLIT';
  message: string;
}

/**
 * `states[i]` is the state string shown at model second `t0 + i`. A green that is already running at
 * the first second (or still running at the last) is not judged for its minimum green; intergreens
 * are judged only once the clearing group's end of green lies inside the sequence.
 */
export function checkSequence(s: SumoSignal, states: readonly string[], t0 = 0): SequenceViolation[] {
  const out: SequenceViolation[] = [];
  const groups = s.spec.signalGroups;
  const G = groups.length;
  const links = groups.map((_, g) => [...s.linkGroup.keys()].filter((k) => s.linkGroup[k] === g));
  const ig = new Map(s.spec.intergreenSec.map((e) => [`${e.from}>${e.to}`, e.sec] as const));
  const conflicts = s.spec.conflicts;
  const gi = new Map(groups.map((g, i) => [g.id, i] as const));
  const cls: number[][] = states.map((st, i) => {
    return links.map((ks, g) => {
      const c = new Set(ks.map((k) => charClass(st[k]!)));
      if (c.size > 1) out.push({ t: t0 + i, rule: 'GROUP_SPLIT', message: `links of ${groups[g]!.id} show different states` });
      return charClass(st[ks[0]!]!);
    });
  });
  const lastEnd = new Array<number>(G).fill(NaN);
  const runStart = new Array<number>(G).fill(NaN);
  for (let i = 0; i < cls.length; i++) {
    const t = t0 + i;
    for (const [a, b] of conflicts) {
      if (cls[i]![gi.get(a)!] === CLS_GREEN && cls[i]![gi.get(b)!] === CLS_GREEN) out.push({ t, rule: 'CONFLICT', message: `${a} and ${b} green together` });
    }
    for (let g = 0; g < G; g++) {
      const c = cls[i]![g]!;
      const prev = i > 0 ? cls[i - 1]![g]! : c;
      const id = groups[g]!.id;
      if (c === CLS_GREEN && prev !== CLS_GREEN && i > 0) {
        runStart[g] = t;
        // Start of green: intergreen from every conflicting group, and the group's own red.
        for (const [a, b] of conflicts) {
          const h = a === id ? b : b === id ? a : null;
          if (h === null) continue;
          const e = lastEnd[gi.get(h)!]!;
          const need = ig.get(`${h}>${id}`) ?? 0;
          if (Number.isFinite(e) && t - e < need) out.push({ t, rule: 'INTERGREEN', message: `${id} green ${t - e} s after the end of green of ${h}; intergreen ${need} s` });
        }
        const own = lastEnd[g]!;
        if (Number.isFinite(own) && t - own < groups[g]!.amberSec + 1 && prev !== CLS_RED_AMBER) {
          out.push({ t, rule: 'ALL_RED', message: `${id} green again ${t - own} s after its last green` });
        }
      }
      if (c !== CLS_GREEN && prev === CLS_GREEN && i > 0) {
        lastEnd[g] = t;
        if (Number.isFinite(runStart[g]!) && t - runStart[g]! < groups[g]!.minGreenSec) {
          out.push({ t, rule: 'MIN_GREEN', message: `${id} green for ${t - runStart[g]!} s, minimum ${groups[g]!.minGreenSec} s` });
        }
        // Amber: exactly amberSec seconds of amber follow (when the sequence is long enough).
        const am = groups[g]!.amberSec;
        for (let k = 0; k < am && i + k < cls.length; k++) {
          if (cls[i + k]![g] !== CLS_AMBER) {
            out.push({ t: t + k, rule: 'AMBER', message: `${id} shows ${cls[i + k]![g]} instead of amber ${k} s after its green` });
            break;
          }
        }
      }
    }
  }
  return out;
}
