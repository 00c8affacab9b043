/**
 * Client side of the control plane: the page's `control` family store handed to the signals panel
 * (Svelte context, so the panels in between need no new props), the REST calls, and pure helpers
 * (stages of a plan, countdowns). The hub decides every permission; the page only hides buttons.
 */
import { getContext, setContext } from 'svelte';
import { compilePlan, type ControlEntity, type ControllerSpec, type SignalPlan } from '../../../../protocol/index.ts';
import type { FamilyStore } from '../../state/family-store.svelte.ts';
import { session } from '../../auth/session.svelte.ts';

export interface ControlContext {
  store: FamilyStore<'control'>;
  /** True while the page shows the past (time travel): nothing can be commanded from there. */
  replaying(): boolean;
}

const KEY = Symbol('control');
export const setControlContext = (c: ControlContext): void => void setContext(KEY, c);
export const getControlContext = (): ControlContext | undefined => getContext<ControlContext | undefined>(KEY);

export type ControlResult = { ok: true; state: ControlEntity | null } | { ok: false; status: number; code: string; message: string };

/** POST /api/control/{action}: the installation's new control state, or the hub's refusal. */
export async function controlAction(action: 'propose' | 'approve' | 'reject' | 'override' | 'release' | 'mode', body: unknown): Promise<ControlResult> {
  let r: Response;
  try {
    r = await session.send(`/api/control/${action}`, 'POST', body);
  } catch (e) {
    return { ok: false, status: 0, code: 'E_NETWORK', message: (e as Error).message };
  }
  const b = (await r.json().catch(() => null)) as { states?: ControlEntity[]; error?: { code: string; message: string } } | null;
  if (!r.ok) return { ok: false, status: r.status, code: b?.error?.code ?? `HTTP_${r.status}`, message: b?.error?.message ?? `HTTP ${r.status}` };
  return { ok: true, state: b?.states?.[0] ?? null };
}

/**
 * Stages of a plan: the sets of groups green together, each maximal (a set contained in another,
 * e.g. the vehicles alone after the pedestrians ended, is not offered separately), in cycle order.
 */
export function planStages(spec: ControllerSpec, plan: SignalPlan): string[][] {
  const c = compilePlan(spec, plan);
  const G = c.groupIds.length;
  const sets: string[][] = [];
  for (let t = 0; t < c.cycleSec; t++) {
    const s: string[] = [];
    for (let g = 0; g < G; g++) if (c.green[t * G + g]) s.push(c.groupIds[g]!);
    if (s.length && !sets.some((x) => x.join() === s.join())) sets.push(s);
  }
  return sets.filter((s) => !sets.some((o) => o !== s && o.length > s.length && s.every((g) => o.includes(g))));
}

/** "m:ss" until `untilMs` (never negative). */
export function countdown(untilMs: number, nowMs: number): string {
  const s = Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Relative change in percent, rounded, with its sign (− for a reduction). */
export function changePct(from: number, to: number): string {
  if (from === 0) return '';
  const p = Math.round(((to - from) / from) * 100);
  return `${p > 0 ? '+' : p < 0 ? '−' : '±'}${Math.abs(p)} %`;
}
