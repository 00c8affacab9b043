/**
 * Client reads of the signals panel: an installation's announced signal spec and plan
 * (GET /api/tls/signal) and the corridors (GET /api/corridors). Cached for a minute: a meta
 * changes rarely, and the time-space diagram asks for every installation of a corridor.
 */
import type { ControllerSpec, SignalPlan } from '../../../../protocol/index.ts';
import type { ApproachInfo } from './layout.ts';

export interface SignalInfo {
  spec: ControllerSpec;
  plan: SignalPlan;
  lon: number | null;
  lat: number | null;
  approaches: ApproachInfo[];
}

export interface CorridorInfo {
  id: string;
  name: string;
  tls: string[];
  travelTimeSec: number | null;
  freeFlowTravelTimeSec: number | null;
  lengthM: number | null;
  missingLinks: string[];
}

const TTL_MS = 60_000;
const cache = new Map<string, { atMs: number; p: Promise<unknown> }>();

function cached<T>(url: string, map: (r: Response) => Promise<T>): Promise<T> {
  const hit = cache.get(url);
  if (hit && Date.now() - hit.atMs < TTL_MS) return hit.p as Promise<T>;
  const p = fetch(url).then(map);
  cache.set(url, { atMs: Date.now(), p });
  p.catch(() => cache.delete(url));
  return p;
}

/** The announced spec and plan; null when the installation announced none (404). */
export function loadSignal(id: string): Promise<SignalInfo | null> {
  return cached(`/api/tls/signal?id=${encodeURIComponent(id)}`, async (r) => {
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return (await r.json()) as SignalInfo;
  });
}

export function loadCorridors(): Promise<CorridorInfo[]> {
  return cached('/api/corridors', async (r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    const b = (await r.json()) as unknown;
    return Array.isArray(b) ? (b as CorridorInfo[]) : [];
  });
}
