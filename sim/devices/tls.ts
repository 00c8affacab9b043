/**
 * A signal installation's identity (`TlsMeta`) and detector naming. The detector counts come from
 * the closed-loop traffic model through the signal controllers (sim/devices/controller.ts), run
 * over MQTT by sim/traffic-run.ts.
 */
import type { TlsMeta, TlsMetaSignal } from '../../protocol/index.ts';
import type { Intersection, Link } from '../city/types.ts';

/** Metres of a polyline (equirectangular: links are short). */
function lengthM(g: readonly (readonly [number, number])[]): number {
  let m = 0;
  for (let i = 1; i < g.length; i++) {
    const [x0, y0] = g[i - 1]!;
    const [x1, y1] = g[i]!;
    const kx = 111_320 * Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    m += Math.hypot((x1 - x0) * kx, (y1 - y0) * 110_540);
  }
  return m;
}

export function detectorIds(x: Intersection): string[] {
  const ids: string[] = [];
  for (const a of x.approaches) for (let l = 1; l <= a.lanes; l++) ids.push(`${x.id}-${a.id}${l}`);
  return ids;
}

/**
 * The retained announcement of an installation: position, approaches (with the feeding road where
 * the city's network has it, as a deployment's GIS would configure it), detectors and, when given,
 * the controller's signal groups and default plan.
 */
export function tlsMeta(x: Intersection, tsMs: number, signal?: TlsMetaSignal, links?: ReadonlyMap<string, Link>): TlsMeta {
  return {
    id: x.id,
    name: x.name,
    lon: x.pos[0],
    lat: x.pos[1],
    district: x.district,
    approaches: x.approaches.map((a) => {
      const l = a.fromLink ? links?.get(a.fromLink) : undefined;
      const upstream = l
        ? { tlsId: l.from, lengthM: Math.max(1, Math.round(lengthM(l.geometry))), speedLimitKmh: l.speedLimitKmh, geometry: l.geometry.map(([lo, la]) => [lo, la] as [number, number]) }
        : undefined;
      return { id: a.id, street: a.street, bearingDeg: a.bearingDeg, lanes: a.lanes, ...(upstream ? { upstream } : {}) };
    }),
    detectorIds: detectorIds(x),
    ...(x.generated ? { generated: true } : {}),
    ...(signal ? { signal } : {}),
    tsMs,
  };
}
