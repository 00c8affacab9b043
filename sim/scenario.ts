/**
 * Scenarios: a start time, a seed and timed events, as JSON files under sim/scenarios/. The same
 * file with the same seed gives the same run (the models are deterministic; only wall-clock
 * stamping differs).
 *
 *   SIM_SCENARIO=sim/scenarios/a59-incident.json npm start
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const At = z.object({
  /** Model minutes after the scenario start. */
  atMin: z.number().min(0),
  note: z.string().optional(),
});

export const ScenarioEvent = z.discriminatedUnion('type', [
  At.extend({
    type: z.literal('approachClosure'),
    intersection: z.string(),
    approach: z.string(),
    lanesClosed: z.number().int().min(0).max(8),
    /** Lifted again at this minute; open-ended when absent. */
    untilMin: z.number().min(0).optional(),
  }),
  At.extend({
    type: z.literal('linkClosure'),
    link: z.string(),
    lanesClosed: z.number().int().min(0).max(8),
    speedFactor: z.number().min(0.1).max(1).optional(),
    untilMin: z.number().min(0).optional(),
  }),
  At.extend({ type: z.literal('droneMission'), missionId: z.string(), lon: z.number(), lat: z.number() }),
  At.extend({ type: z.literal('rhine'), kind: z.enum(['normal', 'flood', 'lowWater']), hours: z.number().positive().optional() }),
  At.extend({
    type: z.literal('cabinetOutage'),
    /** A cabinet id, or a district name: its first cabinet. */
    cabinet: z.string().optional(),
    district: z.string().optional(),
    fault: z.enum(['supplyFailure', 'breakerTripped']).default('supplyFailure'),
  }),
  At.extend({ type: z.literal('parkingEvent'), garages: z.array(z.string()).min(1), durationMin: z.number().positive(), extraArrivalsVehH: z.number().min(0) }),
]);
export type ScenarioEvent = z.infer<typeof ScenarioEvent>;

export const Scenario = z.object({
  name: z.string(),
  description: z.string(),
  /** Local Duisburg time of the start, ISO without zone, e.g. "2026-11-18T07:00" (a Wednesday). */
  startLocal: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/),
  seed: z.number().int().default(1),
  durationMin: z.number().positive().optional(),
  events: z.array(ScenarioEvent).default([]),
});
export type Scenario = z.infer<typeof Scenario>;

export function loadScenario(path: string): Scenario {
  const r = Scenario.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.success) throw new Error(`scenario ${path}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** UTC ms of a local Europe/Berlin wall time (the simulator's clock is the city's). */
export function berlinLocalToUtcMs(local: string): number {
  const [d, t] = local.split('T') as [string, string];
  const [y, mo, da] = d.split('-').map(Number) as [number, number, number];
  const [h, mi] = t.split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, mo - 1, da, h, mi);
  // Offset of Berlin at that instant (CET +1 / CEST +2), read back through Intl.
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: 'numeric', hourCycle: 'h23', minute: 'numeric' }).formatToParts(guess);
  const lh = Number(parts.find((p) => p.type === 'hour')!.value);
  const lm = Number(parts.find((p) => p.type === 'minute')!.value);
  let offsetMin = (lh * 60 + lm - (h * 60 + mi)) % 1440;
  if (offsetMin < -720) offsetMin += 1440;
  if (offsetMin > 720) offsetMin -= 1440;
  return guess - offsetMin * 60_000;
}

/** What scenario events act on; implemented by the running simulator. */
export interface ScenarioTargets {
  restrictApproach(intersection: string, approach: string, lanesClosed: number): void;
  restrictLink(link: string, lanesClosed: number, speedFactor?: number): void;
  startDroneMission(missionId: string, lon: number, lat: number): void;
  setRhine(kind: 'normal' | 'flood' | 'lowWater', hours?: number): void;
  cabinetOutage(cabinetOrDistrict: { cabinet?: string; district?: string }, fault: 'supplyFailure' | 'breakerTripped'): string;
  parkingEvent(garages: string[], startMs: number, endMs: number, extraArrivalsVehH: number): void;
}

interface Timed {
  atSec: number;
  run: (modelNowMs: number) => string;
}

/** Turns events (with their lifting) into a time-ordered list of actions on model seconds. */
export function schedule(s: Scenario, t: ScenarioTargets): Timed[] {
  const out: Timed[] = [];
  for (const e of s.events) {
    const atSec = Math.round(e.atMin * 60);
    switch (e.type) {
      case 'approachClosure':
        out.push({ atSec, run: () => (t.restrictApproach(e.intersection, e.approach, e.lanesClosed), `${e.intersection}/${e.approach}: ${e.lanesClosed} lane(s) closed`) });
        if (e.untilMin !== undefined) out.push({ atSec: Math.round(e.untilMin * 60), run: () => (t.restrictApproach(e.intersection, e.approach, 0), `${e.intersection}/${e.approach}: reopened`) });
        break;
      case 'linkClosure':
        out.push({ atSec, run: () => (t.restrictLink(e.link, e.lanesClosed, e.speedFactor), `link ${e.link}: ${e.lanesClosed} lane(s) closed`) });
        if (e.untilMin !== undefined) out.push({ atSec: Math.round(e.untilMin * 60), run: () => (t.restrictLink(e.link, 0), `link ${e.link}: reopened`) });
        break;
      case 'droneMission':
        out.push({ atSec, run: () => (t.startDroneMission(e.missionId, e.lon, e.lat), `drone mission ${e.missionId}`) });
        break;
      case 'rhine':
        out.push({ atSec, run: () => (t.setRhine(e.kind, e.hours), `Rhine: ${e.kind}`) });
        break;
      case 'cabinetOutage':
        out.push({ atSec, run: () => `cabinet ${t.cabinetOutage({ cabinet: e.cabinet, district: e.district }, e.fault)}: ${e.fault}` });
        break;
      case 'parkingEvent':
        out.push({ atSec, run: (now) => (t.parkingEvent(e.garages, now, now + e.durationMin * 60_000, e.extraArrivalsVehH), `parking event at ${e.garages.join(', ')}`) });
        break;
    }
  }
  return out.sort((a, b) => a.atSec - b.atSec);
}
