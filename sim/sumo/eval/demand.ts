// Scheduled departures of the route files inside the simulation window, so vehicles that never
// entered the network (kept out by a starving controller) can be charged for it
// (../shared/scenarios/sumo/README.md: delay = end - scheduled depart).

import { streamXml } from './xml.ts';

export type ScheduledDeparture = { id: string; departSec: number };

export type Demand = {
  /** vehicle/trip/deterministic-flow departures in [begin, end) */
  departures: Map<string, number>;
  /** flows SUMO inserts randomly (probability=...) cannot be enumerated; their ids are unknown */
  unenumerableFlows: string[];
};

export async function readDemand(routeFiles: string[], beginSec: number, endSec: number): Promise<Demand> {
  const departures = new Map<string, number>();
  const unenumerableFlows: string[] = [];
  const inWindow = (t: number) => t >= beginSec && t < endSec;
  for (const file of routeFiles) {
    await streamXml(file, (name, a) => {
      if (name === 'vehicle' || name === 'trip') {
        const t = Number(a.depart);
        // non-numeric departs ("triggered", "now") have no schedule to be late against
        if (a.id !== undefined && Number.isFinite(t) && inWindow(t)) departures.set(a.id, t);
      } else if (name === 'flow') {
        const b = Number(a.begin ?? 0);
        const e = Number(a.end ?? endSec);
        let period = NaN;
        if (a.period !== undefined && /^[\d.]+$/.test(a.period)) period = Number(a.period);
        else if (a.vehsPerHour !== undefined) period = 3600 / Number(a.vehsPerHour);
        else if (a.number !== undefined) period = (e - b) / Number(a.number);
        if (!Number.isFinite(period) || period <= 0) {
          unenumerableFlows.push(a.id ?? '(flow without id)');
          return;
        }
        const max = a.number !== undefined ? Number(a.number) : Infinity;
        // SUMO names flow vehicles <flowId>.<index> and spaces them `period` apart from begin
        for (let i = 0, t = b; i < max && t < e; i++, t = b + i * period) {
          if (inWindow(t)) departures.set(`${a.id ?? ''}.${i}`, t);
        }
      }
    });
  }
  return { departures, unenumerableFlows };
}
