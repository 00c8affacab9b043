/**
 * The base tick: every family is flushed at its own rate (FAMILY_TICK_HZ, capped by the base
 * rate), and the deltas of one base tick go to the fan-out together.
 */
import type { Delta, Family } from '../../protocol/index.ts';
import { FAMILY_TICK_HZ } from './config.ts';
import type { FamilyState } from './family.ts';

export function startTicker(opts: {
  families: Readonly<Record<Family, FamilyState<Family, { id: string }>>>;
  baseHz: number;
  onTick: (nowMs: number, deltas: Delta[]) => void;
  rates?: Partial<Record<Family, number>>;
}): () => void {
  const baseMs = 1000 / opts.baseHz;
  const entries = Object.values(opts.families).map((fam) => {
    const hz = Math.min(opts.rates?.[fam.family] ?? FAMILY_TICK_HZ[fam.family] ?? opts.baseHz, opts.baseHz);
    return { fam, periodMs: 1000 / hz, nextMs: 0 };
  });
  const timer = setInterval(() => {
    const now = Date.now();
    const deltas: Delta[] = [];
    for (const e of entries) {
      // Half a base tick of slack: timers fire a little late or early, a family must not skip one.
      if (now + baseMs / 2 < e.nextMs) continue;
      e.nextMs = Math.max(e.nextMs + e.periodMs, now + e.periodMs - baseMs / 2);
      const d = e.fam.flush(now);
      if (d) deltas.push(d as Delta);
    }
    opts.onTick(now, deltas);
  }, baseMs);
  return () => clearInterval(timer);
}
