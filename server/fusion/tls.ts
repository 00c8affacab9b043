/**
 * Fusion for signal installations: pure functions of (previous state, message, now).
 */
import type { DetectorReport, Patch, TlsEntity, TlsMeta } from '../../protocol/index.ts';

export function entityFromMeta(meta: TlsMeta, prev: TlsEntity | undefined): TlsEntity {
  return {
    id: meta.id,
    name: meta.name,
    lon: meta.lon,
    lat: meta.lat,
    district: meta.district ?? null,
    flowVehH: prev?.flowVehH ?? null,
    occupancyPct: prev?.occupancyPct ?? null,
    tsMs: prev?.tsMs ?? null,
    link: prev?.link ?? 'stale',
    mode: prev?.mode ?? null,
    planId: prev?.planId ?? null,
    cycleSec: prev?.cycleSec ?? null,
    cycleSecond: prev?.cycleSecond ?? null,
    greens: prev?.greens ?? [],
    stateTsMs: prev?.stateTsMs ?? null,
  };
}

export interface DetectorFusion {
  patch: Patch<TlsEntity>;
  /** Numeric measurements to keep in history, as [metric, value]. */
  samples: [metric: string, value: number][];
}

/** Flows are shown over the last minute: a 5-s count of 1 or 2 vehicles says nothing as veh/h. */
export const FLOW_WINDOW_SEC = 60;

/**
 * Per-installation rolling window of (count, interval) pairs. The hub keeps one per installation;
 * it is the only state fusion needs besides the previous entity.
 */
export class FlowWindow {
  #ts: number[] = [];
  #count: number[] = [];
  #sec: number[] = [];
  push(tsMs: number, count: number, intervalSec: number): void {
    this.#ts.push(tsMs);
    this.#count.push(count);
    this.#sec.push(intervalSec);
    // Drop intervals that ended before the window (a report covers [tsMs - intervalSec, tsMs]).
    while (this.#ts.length > 1 && this.#ts[0]! <= tsMs - FLOW_WINDOW_SEC * 1000) {
      this.#ts.shift();
      this.#count.shift();
      this.#sec.shift();
    }
  }
  /** Vehicles per hour over the intervals in the window. */
  flowVehH(): number {
    let n = 0;
    let sec = 0;
    for (let i = 0; i < this.#ts.length; i++) {
      n += this.#count[i]!;
      sec += this.#sec[i]!;
    }
    return sec > 0 ? Math.round((n * 3600) / sec) : 0;
  }
}

/**
 * Flow (veh/h) = vehicles counted over the last minute scaled to an hour; occupancy = mean over
 * the installation's detectors in the latest interval. A report older than what we hold is ignored
 * (out-of-order delivery after a reconnect must not move the picture backwards).
 */
export function fuseDetectorReport(prev: TlsEntity, report: DetectorReport, window: FlowWindow): DetectorFusion | null {
  if (prev.tsMs !== null && report.tsMs <= prev.tsMs) return null;
  let count = 0;
  let occ = 0;
  for (const d of report.detectors) {
    count += d.count;
    occ += d.occupancyPct;
  }
  window.push(report.tsMs, count, report.intervalSec);
  const flowVehH = window.flowVehH();
  const occupancyPct = Math.round((occ / report.detectors.length) * 10) / 10;
  const patch: Patch<TlsEntity> = { id: prev.id, tsMs: report.tsMs };
  if (prev.link !== 'live') patch.link = 'live';
  if (flowVehH !== prev.flowVehH) patch.flowVehH = flowVehH;
  if (occupancyPct !== prev.occupancyPct) patch.occupancyPct = occupancyPct;
  return {
    patch,
    samples: [
      ['flowVehH', flowVehH],
      ['occupancyPct', occupancyPct],
    ],
  };
}
