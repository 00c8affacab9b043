/**
 * DATEX II parking in: sites of a ParkingTablePublication become garage metas, statuses of a
 * ParkingStatusPublication become garage statuses, both handed to the hub's ingest (the parking
 * kind checks occupied + vacant against the capacity and refuses statuses of garages it does not
 * know: those are reported and quarantined as `unknown_device`, never dropped silently).
 */
import { parkingTopics, type OccupancyTrend, type ParkingMeta, type ParkingSiteStatus, type ParkingStatus } from '../../protocol/index.ts';
import { parseDatex2, type DatexSite, type DatexStatus } from './datex2-parse.ts';
import { hubId, ReportBuilder, type Deliver } from './report.ts';

export interface Datex2State {
  /** Garage id -> tsMs of the last status delivered; and the last meta delivered (as JSON). */
  lastTsMs: Map<string, number>;
  lastMeta: Map<string, string>;
}
export const newDatex2State = (): Datex2State => ({ lastTsMs: new Map(), lastMeta: new Map() });

export interface Datex2Options {
  idPrefix?: string;
  zone?: string;
}

/** DATEX II parkingLayout -> our parkingType. */
const LAYOUT: Record<string, ParkingMeta['parkingType']> = {
  multiStorey: 'carPark',
  singleLevel: 'carPark',
  underground: 'undergroundParking',
  undergroundParking: 'undergroundParking',
  openSpace: 'openSpace',
  surface: 'openSpace',
  nested: 'carPark',
  carPark: 'carPark',
};

const TRENDS = new Set<string>(['increasing', 'decreasing', 'stable']);

/**
 * DATEX II status values -> ours. DATEX v2.3 ParkingSiteStatusEnum has more (e.g.
 * `noParkingInformationAvailable`, `spacesAvailable`, `almostFull`, `full`, `fullAtEntrance`,
 * `overcrowded`, `closed`, `unknown`); the opening status `closed` wins.
 */
export function siteStatusOf(s: DatexStatus): ParkingSiteStatus {
  if (s.openingStatus === 'closed' || s.siteStatus.includes('closed')) return 'closed';
  for (const v of s.siteStatus) {
    if (v === 'full' || v === 'fullAtEntrance' || v === 'overcrowded') return 'full';
    if (v === 'almostFull') return 'almostFull';
    if (v === 'spacesAvailable' || v === 'open') return 'spacesAvailable';
  }
  return 'statusUnknown';
}

export function metaOfSite(s: DatexSite, o: Datex2Options, tsMs: number): ParkingMeta | string {
  if (!s.id) return 'parkingRecord without id';
  if (s.lat === null || s.lon === null) return 'parkingRecord without parkingLocation coordinates';
  if (s.capacity === null || s.capacity <= 0) return 'parkingRecord without parkingNumberOfSpaces';
  const layout = s.layout ? LAYOUT[s.layout] : undefined;
  return {
    id: hubId(o.idPrefix ?? '', s.id),
    name: (s.name ?? s.id).slice(0, 200),
    zone: o.zone ?? 'DATEX II',
    lon: s.lon,
    lat: s.lat,
    address: '',
    totalParkingCapacity: Math.round(s.capacity),
    ...(layout ? { parkingType: layout } : {}),
    // The table's opening times are free-form validity periods; the status says when a site is closed.
    openingTimes: { alwaysOpen: true },
    tsMs,
  };
}

export function statusOf(s: DatexStatus, fallbackTsMs: number): ParkingStatus | string {
  let occ = s.occupied;
  let vac = s.vacant;
  if (occ === null && vac !== null && s.capacity !== null) occ = s.capacity - vac;
  if (vac === null && occ !== null && s.capacity !== null) vac = s.capacity - occ;
  if (occ === null && vac === null && s.occupancyPct !== null && s.capacity !== null) {
    occ = Math.round((s.occupancyPct / 100) * s.capacity);
    vac = s.capacity - occ;
  }
  if (occ === null || vac === null) return 'status without occupied/vacant spaces (nor a capacity to derive them)';
  if (occ < 0 || vac < 0) return `negative spaces (occupied ${occ}, vacant ${vac})`;
  const total = occ + vac;
  const perHour = (n: number | null) => (n === null || !s.intervalSec ? 0 : Math.round((n * 3600) / s.intervalSec));
  return {
    tsMs: s.tsMs ?? fallbackTsMs,
    occupiedSpaces: Math.round(occ),
    vacantSpaces: Math.round(vac),
    parkingSiteStatus: siteStatusOf(s),
    occupancy: total === 0 ? 0 : Math.round((occ / total) * 10_000) / 10_000,
    occupancyTrend: (s.trend && TRENDS.has(s.trend) ? s.trend : 'stable') as OccupancyTrend,
    entryRateVehH: perHour(s.incoming),
    exitRateVehH: perHour(s.outgoing),
  };
}

/** Imports one document: sites first (a document may carry both), then statuses. */
export function importDatex2(text: string, state: Datex2State, deliver: Deliver, nowMs: number, o: Datex2Options = {}): ReportBuilder {
  const rb = new ReportBuilder('datex2');
  const doc = parseDatex2(text);
  const pubTs = doc.publicationTimeMs ?? nowMs;
  for (const site of doc.sites) {
    const meta = metaOfSite(site, o, pubTs);
    if (typeof meta === 'string') {
      rb.reject(`parking site ${site.id || '?'}`, 'schema', meta);
      continue;
    }
    const key = JSON.stringify({ ...meta, tsMs: 0 });
    if (state.lastMeta.get(meta.id) === key) {
      rb.report.unchanged++;
      continue;
    }
    if (rb.deliver(deliver, 'sites', `parking site ${site.id}`, parkingTopics.meta(meta.id), meta)) state.lastMeta.set(meta.id, key);
  }
  for (const st of doc.statuses) {
    const id = hubId(o.idPrefix ?? '', st.id);
    const s = statusOf(st, pubTs);
    if (typeof s === 'string') {
      rb.reject(`parking status ${st.id}`, 'schema', s);
      continue;
    }
    const last = state.lastTsMs.get(id);
    if (last !== undefined && s.tsMs <= last) {
      rb.report.unchanged++;
      continue;
    }
    if (rb.deliver(deliver, 'statuses', `parking status ${st.id}`, parkingTopics.status(id), s)) state.lastTsMs.set(id, s.tsMs);
  }
  return rb;
}
