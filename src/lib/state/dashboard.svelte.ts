/**
 * Page-level state of the control-room dashboard: the realtime connection, every family it shows,
 * the static network data, which map layers are on, and the user's selection. Components get what
 * they need from here, as props.
 */
import { FAMILY_ACCESS, type Family, type ParkingEntity, type Role, type TlsEntity, type TransitLineMeta, type TransitVehicleEntity } from '../../../protocol/index.ts';
import { RealtimeClient, type FamilySink } from '../realtime/client.svelte.ts';
import { FamilyStore } from './family-store.svelte.ts';
import { Replay } from './replay.svelte.ts';
import { Clock } from './clock.svelte.ts';
import { packLamps, type LampArrays } from '../map/family-layers.ts';

export interface ClientConfig {
  hubId: string;
  version: string;
  basemapStyleUrl: string;
  tickHz: number;
}

/** Switchable map layers: one per family, plus the static line network. */
export const LAYER_KEYS = ['tls', 'transit', 'transitLines', 'parking', 'lighting', 'lampFaults', 'environment', 'construction', 'drone'] as const;
export type LayerKey = (typeof LAYER_KEYS)[number];

/** Side-panel tabs (label: i18n key) and the family each needs; a role that may not see the family gets no tab. */
export const PANEL_TABS = [
  { key: 'traffic', label: 'tab.traffic', family: 'tls' },
  { key: 'transit', label: 'tab.transit', family: 'transit' },
  { key: 'parking', label: 'tab.parking', family: 'parking' },
  { key: 'utility', label: 'tab.utility', family: 'environment' },
  { key: 'drone', label: 'tab.drone', family: 'drone' },
] as const;

/** The family behind a map layer (the line network comes with the transit vehicles). */
export const familyOfLayer = (k: LayerKey): Family => (k === 'transitLines' ? 'transit' : k);
export type PanelTab = (typeof PANEL_TABS)[number]['key'];

export interface LineSummary {
  lineId: string;
  lineName: string;
  color: string;
  mode: TransitVehicleEntity['mode'];
  vehicles: number;
  /** Mean delay of the vehicles that report one, seconds; null when none does. */
  avgDelaySec: number | null;
  maxDelaySec: number | null;
}

/** Loads a static JSON resource once; 404 while the hub does not offer it yet is not an error to crash on. */
class Resource<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);
  #started = false;
  readonly #url: string;
  readonly #map: (body: unknown) => T;
  constructor(url: string, map: (body: unknown) => T) {
    this.#url = url;
    this.#map = map;
  }
  /** Fetches again (e.g. the hub announced something the last answer did not have). */
  refresh(): void {
    this.#started = false;
    this.load();
  }

  load(): void {
    if (this.#started) return;
    this.#started = true;
    fetch(this.#url)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((b) => (this.value = this.#map(b)))
      .catch((e: Error) => {
        this.error = e.message;
        // try again later: the endpoint may come with the next hub release or after a restart
        setTimeout(() => (this.#started = false), 60_000);
      });
  }
}

export class Dashboard {
  readonly rt = new RealtimeClient();
  readonly tls = new FamilyStore('tls');
  readonly alarms = new FamilyStore('alarms');
  readonly transit = new FamilyStore('transit');
  readonly parking = new FamilyStore('parking');
  readonly lighting = new FamilyStore('lighting');
  readonly lampFaults = new FamilyStore('lampFaults');
  readonly environment = new FamilyStore('environment');
  readonly construction = new FamilyStore('construction');
  readonly drone = new FamilyStore('drone');
  /** Control states and proposals (operator, admin): live only, never replayed (src/lib/ui/signals/control.ts). */
  readonly control = new FamilyStore('control');
  readonly clock = new Clock();

  readonly transitLines = new Resource<TransitLineMeta[]>('/api/transit/lines', (b) => (Array.isArray(b) ? (b as TransitLineMeta[]) : []));
  readonly lamps = new Resource<LampArrays>('/api/lighting/lamps', (b) => packLamps(b as { ids: string[]; lon: number[]; lat: number[] }));

  selectedId = $state<string | null>(null);
  tab = $state<PanelTab>('traffic');
  show = $state<Record<LayerKey, boolean>>(Object.fromEntries(LAYER_KEYS.map((k) => [k, true])) as Record<LayerKey, boolean>);

  readonly selected = $derived.by((): TlsEntity | null => {
    void this.tls.version;
    return this.selectedId ? (this.tls.byId.get(this.selectedId) ?? null) : null;
  });
  readonly hubNowMs = $derived(this.clock.nowMs + this.rt.clockOffsetMs);
  /** Time travel: while active the stores show the state at `replay.atMs` (src/lib/state/replay.svelte.ts). */
  readonly replay = new Replay({ stores: () => this.#shownStores, hubNow: () => Date.now() + this.rt.clockOffsetMs });
  /** "Now" of what is on screen: the replayed instant while replaying (data ages are relative to it). */
  readonly viewNowMs = $derived(this.replay.active ? this.replay.atMs : this.hubNowMs);
  #shownStores: FamilyStore<Family>[] = [];
  readonly ageSec = $derived(this.tls.ageSec(this.viewNowMs));
  // A replayed state is old by design: it is marked as REPLAY, not as stale; the connection still counts.
  readonly stale = $derived(this.rt.status !== 'live' || (!this.replay.active && this.tls.isStale(this.hubNowMs)));
  /** Client-side view of the ISA-18.2 flood rule for the traffic area (the hub counts the same). */
  readonly trafficFlood = $derived(
    this.alarms.list.filter((a) => a.area === 'traffic' && a.activeSinceMs !== null && this.hubNowMs - a.activeSinceMs < 600_000).length > 10,
  );
  /** Sum of all installations' flow: one number that says "the city is moving". */
  readonly cityFlowVehH = $derived(this.tls.list.reduce((s, e) => s + (e.flowVehH ?? 0), 0));
  readonly busiest = $derived([...this.tls.list].sort((a, b) => (b.flowVehH ?? -1) - (a.flowVehH ?? -1)).slice(0, 12));

  // ---- transit ----
  readonly lineSummaries = $derived.by((): LineSummary[] => {
    const by = new Map<string, LineSummary & { sum: number; n: number }>();
    for (const v of this.transit.list) {
      let s = by.get(v.lineId);
      if (!s) by.set(v.lineId, (s = { lineId: v.lineId, lineName: v.lineName, color: v.color, mode: v.mode, vehicles: 0, avgDelaySec: null, maxDelaySec: null, sum: 0, n: 0 }));
      s.vehicles++;
      if (v.delaySec !== null && v.link !== 'lost') {
        s.sum += v.delaySec;
        s.n++;
        s.maxDelaySec = Math.max(s.maxDelaySec ?? -Infinity, v.delaySec);
      }
    }
    return [...by.values()]
      .map(({ sum, n, ...s }) => ({ ...s, avgDelaySec: n ? sum / n : null }))
      .sort((a, b) => a.lineName.localeCompare(b.lineName, 'de', { numeric: true }));
  });
  readonly worstLate = $derived(
    this.transit.list
      .filter((v) => v.delaySec !== null && v.delaySec > 120 && v.link !== 'lost')
      .sort((a, b) => b.delaySec! - a.delaySec!)
      .slice(0, 8),
  );
  readonly transitAvgDelaySec = $derived.by(() => {
    const d = this.transit.list.filter((v) => v.delaySec !== null).map((v) => v.delaySec!);
    return d.length ? d.reduce((a, b) => a + b, 0) / d.length : null;
  });

  // ---- parking ----
  readonly parkingByZone = $derived.by(() => {
    const by = new Map<string, ParkingEntity[]>();
    for (const p of this.parking.list) by.set(p.zone, [...(by.get(p.zone) ?? []), p]);
    return [...by.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'de'))
      .map(([zone, list]) => ({ zone, list: list.sort((a, b) => a.name.localeCompare(b.name, 'de')), vacant: list.reduce((s, p) => s + (p.vacant ?? 0), 0) }));
  });
  readonly parkingVacant = $derived(this.parking.list.reduce((s, p) => s + (p.status === 'closed' ? 0 : (p.vacant ?? 0)), 0));

  // ---- utilities ----
  readonly faultyCabinets = $derived(
    this.lighting.list
      .filter((c) => c.fault !== null || c.commsOk === false || c.lampsFaulty > 0 || c.link === 'lost')
      .sort((a, b) => Number(b.fault !== null) - Number(a.fault !== null) || b.lampsFaulty - a.lampsFaulty),
  );
  readonly lampFaultsByDistrict = $derived.by(() => {
    const by = new Map<string, number>();
    for (const f of this.lampFaults.list) {
      const d = this.lighting.byId.get(f.cabinetId)?.district ?? '—';
      by.set(d, (by.get(d) ?? 0) + 1);
    }
    void this.lighting.version;
    return [...by.entries()].sort((a, b) => b[1] - a[1]);
  });
  readonly envStations = $derived([...this.environment.list].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name, 'de')));
  readonly primaryDrone = $derived(this.drone.list[0] ?? null);

  /** The store behind each map layer, for its data age and staleness. */
  storeOf(k: LayerKey) {
    return k === 'transitLines' ? null : this[k];
  }
  layerAgeSec(k: LayerKey): number | null {
    return this.storeOf(k)?.ageSec(this.viewNowMs) ?? null;
  }
  /** Stale: the connection is down, or the family's data is older than twice its interval. */
  layerStale(k: LayerKey): boolean {
    const s = this.storeOf(k);
    if (!s) return false;
    if (this.rt.status !== 'live') return true;
    if (this.replay.active) return false;
    // Families without entities, or without any measurement yet (e.g. right after a hub restart,
    // before the first report), are "no data", shown as such, not as stale.
    return s.list.length > 0 && s.newestTsMs !== null && s.isStale(this.hubNowMs);
  }

  /** The signed-in role; the hub refuses what it may not see, and the page does not offer it. */
  role = $state<Role | null>(null);
  mayShow(f: Family): boolean {
    return this.role !== null && (FAMILY_ACCESS[f] as readonly Role[]).includes(this.role);
  }

  #linesCheckedMs = 0;
  /** A vehicle on a line the loaded line list lacks (announced later): load the lines again, at most every 5 s. */
  #checkLines(vehicles: readonly { lineId?: string }[]): void {
    const lines = this.transitLines.value;
    if (!lines || Date.now() - this.#linesCheckedMs < 5000) return;
    const known = new Set(lines.map((l) => l.id));
    if (vehicles.some((v) => v.lineId !== undefined && !known.has(v.lineId))) {
      this.#linesCheckedMs = Date.now();
      this.transitLines.refresh();
    }
  }

  start(role: Role): () => void {
    this.role = role;
    const stopClock = this.clock.start();
    const stores = [this.tls, this.alarms, this.transit, this.parking, this.lighting, this.lampFaults, this.environment, this.construction, this.drone].filter((st) =>
      this.mayShow(st.family),
    );
    this.#shownStores = stores as FamilyStore<Family>[];
    const unsubs = stores.map((store) =>
      this.rt.subscribe(store.family, {
        snapshot: (s) => {
          store.applySnapshot(s as never);
          if (s.family === 'transit') this.#checkLines(s.entities as unknown as { lineId?: string }[]);
        },
        delta: (d) => {
          store.applyDelta(d as never);
          if (d.family === 'transit') this.#checkLines(d.upserts as unknown as { lineId?: string }[]);
        },
      } satisfies FamilySink<Family>),
    );
    if (this.mayShow('control')) {
      unsubs.push(this.rt.subscribe('control', { snapshot: (s) => this.control.applySnapshot(s as never), delta: (d) => this.control.applyDelta(d as never) } satisfies FamilySink<Family>));
    }
    this.transitLines.load();
    return () => {
      for (const u of unsubs) u();
      this.replay.stop();
      stopClock();
      this.rt.close();
    };
  }
}
