/**
 * A signal installation's identity (`TlsMeta`) and detector naming, shared by the emulators.
 *
 * The detector counts of the simulated city now come from the closed-loop traffic model
 * (`sim/traffic/model.ts`) through the signal controllers (`sim/devices/controller.ts`,
 * `SignalController.detectorReport`), run over MQTT by `sim/traffic-run.ts`.
 * `TlsDetectorEmulator` below is the old open-loop Poisson emulator, kept only until `sim/run.ts`
 * is switched over to `runTrafficSim`; do not build on it.
 */
import type { DetectorReport, TlsMeta } from '../../protocol/index.ts';
import type { Intersection } from '../city/types.ts';
import type { Rng } from '../rng.ts';

/** Free-flow speed, jam density per lane and effective detector length (vehicle 5 m + loop 1.5 m). */
const VF_KMH = 50;
const KJ_VEH_KM = 140;
const LEFF_M = 6.5;
/** Peak-hour demand per lane of an approach; minor approaches (1 lane) get less. */
const PEAK_VEH_H_PER_LANE = 520;

export function detectorIds(x: Intersection): string[] {
  const ids: string[] = [];
  for (const a of x.approaches) for (let l = 1; l <= a.lanes; l++) ids.push(`${x.id}-${a.id}${l}`);
  return ids;
}

export function tlsMeta(x: Intersection, tsMs: number): TlsMeta {
  return {
    id: x.id,
    name: x.name,
    lon: x.pos[0],
    lat: x.pos[1],
    district: x.district,
    approaches: x.approaches.map((a) => ({ id: a.id, street: a.street, bearingDeg: a.bearingDeg, lanes: a.lanes })),
    detectorIds: detectorIds(x),
    ...(x.generated ? { generated: true } : {}),
    tsMs,
  };
}

/** Occupancy (%) of a detector passing `flowVehH` on the uncongested branch of Greenshields' model. */
export function occupancyFromFlow(flowVehH: number): number {
  const cap = (VF_KMH * KJ_VEH_KM) / 4;
  const q = Math.min(flowVehH, cap * 0.999);
  const k = (KJ_VEH_KM / 2) * (1 - Math.sqrt(1 - (4 * q) / (VF_KMH * KJ_VEH_KM)));
  return Math.min(100, (k * LEFF_M) / 10);
}

/** @deprecated Open-loop Poisson counts that ignore the signals; use `runTrafficSim` (sim/traffic-run.ts). */
export class TlsDetectorEmulator {
  readonly x: Intersection;
  readonly #rng: Rng;
  /** Per-approach demand weight, fixed per site: some approaches are busier than others. */
  readonly #weights: number[];

  constructor(x: Intersection, rng: Rng) {
    this.x = x;
    this.#rng = rng;
    this.#weights = x.approaches.map((a) => (a.lanes >= 2 ? 0.8 : 0.45) + 0.4 * rng.next());
  }

  report(tsMs: number, intervalSec: number, demandFactor: number): DetectorReport {
    const detectors: DetectorReport['detectors'] = [];
    this.x.approaches.forEach((a, i) => {
      const flowVehH = PEAK_VEH_H_PER_LANE * this.#weights[i]! * demandFactor;
      for (let l = 1; l <= a.lanes; l++) {
        const count = this.#rng.poisson((flowVehH * intervalSec) / 3600);
        const occ = occupancyFromFlow((count * 3600) / intervalSec);
        detectors.push({ id: `${this.x.id}-${a.id}${l}`, count, occupancyPct: Math.round(occ * 10) / 10 });
      }
    });
    return { tsMs, intervalSec, detectors };
  }
}
