// Metrics of one run, exactly as ../shared/scenarios/sumo/README.md defines them:
// delay = mean over every tripinfo record (unfinished included) of timeLoss + departDelay, where each
// vehicle scheduled inside the window that never entered the network adds one record with
// delay end − scheduled depart. Duration and waiting time: mean over the tripinfo records.

import { streamXml } from './xml.ts';

export type TripinfoSummary = {
  records: number;
  unfinished: number;
  sumDelaySec: number;
  sumDurationSec: number;
  sumWaitingSec: number;
  ids: Set<string>;
};

export async function readTripinfo(file: string): Promise<TripinfoSummary> {
  const s: TripinfoSummary = { records: 0, unfinished: 0, sumDelaySec: 0, sumDurationSec: 0, sumWaitingSec: 0, ids: new Set() };
  await streamXml(file, (name, a) => {
    if (name !== 'tripinfo') return;
    s.records++;
    s.ids.add(a.id ?? '');
    if (Number(a.arrival) < 0) s.unfinished++;
    s.sumDelaySec += Number(a.timeLoss) + Number(a.departDelay);
    s.sumDurationSec += Number(a.duration);
    s.sumWaitingSec += Number(a.waitingTime);
  });
  return s;
}

export type RunMetrics = {
  /** s per vehicle, incl. never-departed */
  delay: number;
  /** diagnostic: the same mean over the tripinfo records only (never-departed not charged) */
  delayDeparted: number;
  /** s per tripinfo record */
  duration: number;
  /** s per tripinfo record */
  waiting: number;
  neverDeparted: number;
  tripinfos: number;
  unfinished: number;
};

export function computeMetrics(trips: TripinfoSummary, departures: Map<string, number>, endSec: number): RunMetrics {
  let never = 0;
  let neverDelaySec = 0;
  for (const [id, departSec] of departures) {
    if (trips.ids.has(id)) continue;
    never++;
    neverDelaySec += endSec - departSec;
  }
  const n = trips.records + never;
  return {
    delay: n > 0 ? (trips.sumDelaySec + neverDelaySec) / n : 0,
    delayDeparted: trips.records > 0 ? trips.sumDelaySec / trips.records : 0,
    duration: trips.records > 0 ? trips.sumDurationSec / trips.records : 0,
    waiting: trips.records > 0 ? trips.sumWaitingSec / trips.records : 0,
    neverDeparted: never,
    tripinfos: trips.records,
    unfinished: trips.unfinished,
  };
}

/** mean and sample standard deviation (n − 1; 0 for a single seed) */
export function meanSd(values: number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, sd: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const v = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(v) };
}
