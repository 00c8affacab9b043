/**
 * The road network the hub learns (server/fusion/links.ts), shared by the handlers that measure it:
 * the signal installations (detectors of the downstream approach) and transit (vehicles as speed
 * probes). One per hub, found through the hub's IngestContext; the `links` family lives here and
 * is registered by the tls handler.
 */
import type { LinkEntity, Patch } from '../../protocol/index.ts';
import { linkEntity, linkState, PROBE_MAX_AGE_MS, probeSpeed, type LinkDef } from '../fusion/links.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext } from './types.ts';

/** A detector speed older than this gives way to transit probes. */
export const DETECTOR_FRESH_MS = 30_000;

interface DetectorMeasure {
  tsMs: number;
  flowVehH: number;
  densityVehKm: number;
  speedKmh: number | null;
}

export class RoadNetwork {
  readonly family = new FamilyState<'links', LinkEntity>('links');
  readonly defs = new Map<string, LinkDef>();
  /** `${to}|${approachId}` → link. */
  readonly byApproach = new Map<string, LinkDef>();
  readonly #detector = new Map<string, DetectorMeasure>();
  readonly #probes = new Map<string, { tsMs: number; speedKmh: number }[]>();
  /** Flat list for probe matching. */
  list: LinkDef[] = [];

  setDefs(defs: readonly LinkDef[]): void {
    const next = new Map(defs.map((d) => [d.id, d] as const));
    for (const id of this.defs.keys()) {
      if (next.has(id)) continue;
      this.family.remove(id);
      this.#detector.delete(id);
      this.#probes.delete(id);
    }
    this.defs.clear();
    this.byApproach.clear();
    for (const d of defs) {
      this.defs.set(d.id, d);
      this.byApproach.set(`${d.to}|${d.approachId}`, d);
      const prev = this.family.entities.get(d.id);
      const e = linkEntity(d, prev);
      if (!prev || JSON.stringify(prev) !== JSON.stringify(e)) this.family.put(e);
    }
    this.list = defs.slice();
  }

  detector(linkId: string, m: DetectorMeasure): void {
    const prev = this.#detector.get(linkId);
    if (prev && m.tsMs <= prev.tsMs) return;
    this.#detector.set(linkId, m);
    this.#update(linkId, m.tsMs);
  }

  probe(linkId: string, tsMs: number, speedKmh: number): void {
    let p = this.#probes.get(linkId);
    if (!p) this.#probes.set(linkId, (p = []));
    p.push({ tsMs, speedKmh });
    while (p.length > 0 && (p.length > 50 || tsMs - p[0]!.tsMs > PROBE_MAX_AGE_MS)) p.shift();
    this.#update(linkId, tsMs);
  }

  #update(linkId: string, tsMs: number): void {
    const def = this.defs.get(linkId);
    const prev = this.family.entities.get(linkId);
    if (!def || !prev) return;
    const det = this.#detector.get(linkId);
    const detFresh = det && tsMs - det.tsMs <= DETECTOR_FRESH_MS ? det : undefined;
    let speed: number | null = null;
    const sources: string[] = [];
    if (detFresh && detFresh.speedKmh !== null) {
      speed = detFresh.speedKmh;
      sources.push('detectors');
    } else {
      const ps = probeSpeed(this.#probes.get(linkId) ?? [], tsMs);
      if (ps !== null) {
        speed = ps;
        sources.push('transit-probe');
      }
      if (detFresh) sources.unshift('detectors');
    }
    const s = linkState(def, { flowVehH: detFresh?.flowVehH ?? prev.flowVehH, densityVehKm: detFresh?.densityVehKm ?? prev.densityVehKm, speedKmh: speed ?? prev.speedKmh, sources: speed === null ? prev.sources : sources });
    const patch: Patch<LinkEntity> = { id: linkId };
    let changed = false;
    for (const k of Object.keys(s) as (keyof typeof s)[]) {
      const a = s[k];
      const b = prev[k];
      if (Array.isArray(a) ? a.join() !== (b as string[]).join() : a !== b) {
        (patch as Record<string, unknown>)[k] = a;
        changed = true;
      }
    }
    if (prev.tsMs === null || tsMs > prev.tsMs) {
      patch.tsMs = tsMs;
      changed = true;
    }
    if (prev.link !== 'live') {
      patch.link = 'live';
      changed = true;
    }
    if (changed) this.family.patch(patch);
  }
}

const networks = new WeakMap<IngestContext, RoadNetwork>();

export function networkOf(ctx: IngestContext): RoadNetwork {
  let n = networks.get(ctx);
  if (!n) networks.set(ctx, (n = new RoadNetwork()));
  return n;
}
