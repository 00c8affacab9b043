/**
 * DATEX II parking publications, streamed with saxes and read by local element names, so the same
 * reader takes
 *  - v2.3 as used in Germany (MDM): ParkingTablePublication (static sites) and
 *    ParkingStatusPublication (live occupancy), also wrapped in a GenericPublication extension;
 *  - v2 `parkingFacilityTableStatusPublication` (the older facility model some cities still send);
 *  - v3 Part 6 (namespace http://datex2.eu/schema/3/parking): the same element names
 *    (parkingRecord, parkingRecordStatus, parkingOccupancy, …) in other namespaces.
 * Pure apart from the parser: text in, records out.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { MalformedDocument } from './report.ts';

export interface DatexSite {
  id: string;
  name: string | null;
  lat: number | null;
  lon: number | null;
  capacity: number | null;
  layout: string | null;
}

export interface DatexStatus {
  id: string;
  tsMs: number | null;
  occupied: number | null;
  vacant: number | null;
  /** parkingNumberOfSpacesOverride: the capacity valid for this status. */
  capacity: number | null;
  occupancyPct: number | null;
  trend: string | null;
  /** parkingSiteStatus / parkingFacilityStatus values (several may be given). */
  siteStatus: string[];
  openingStatus: string | null;
  incoming: number | null;
  outgoing: number | null;
  intervalSec: number | null;
}

export interface DatexDocument {
  /** '2' or '3' from the root element's namespace. */
  version: '2' | '3';
  publicationTimeMs: number | null;
  sites: DatexSite[];
  statuses: DatexStatus[];
}

const num = (s: string): number | null => {
  const v = Number(s);
  return s !== '' && Number.isFinite(v) ? v : null;
};
const time = (s: string): number | null => {
  const v = Date.parse(s);
  return Number.isFinite(v) ? v : null;
};

/** Parses one document (string or chunks). Throws MalformedDocument for XML errors or no parking content. */
export function parseDatex2(chunks: string | Iterable<string>): DatexDocument {
  const p = new SaxesParser({ xmlns: true });
  const doc: DatexDocument = { version: '2', publicationTimeMs: null, sites: [], statuses: [] };
  /** Local names of the open elements, and whether each had a child element. */
  const stack: string[] = [];
  const hadChild: boolean[] = [];
  let text = '';
  let site: DatexSite | null = null;
  let status: DatexStatus | null = null;
  let sawRoot = false;
  let error: Error | null = null;

  const inside = (name: string) => stack.lastIndexOf(name) >= 0;

  p.on('error', (e) => {
    error ??= e;
  });
  p.on('opentag', (tag: SaxesTagNS) => {
    if (hadChild.length) hadChild[hadChild.length - 1] = true;
    const name = tag.local;
    if (!sawRoot) {
      sawRoot = true;
      if (!/^http:\/\/datex2\.eu\/schema\//.test(tag.uri)) throw new MalformedDocument(`root element ${tag.name} is not in a DATEX II namespace (${tag.uri || 'none'})`);
      doc.version = tag.uri.includes('/schema/3/') ? '3' : '2';
    }
    const id = tag.attributes.id?.value;
    if (name === 'parkingRecord' && !status) {
      site = { id: id ?? '', name: null, lat: null, lon: null, capacity: null, layout: null };
    } else if ((name === 'parkingRecordStatus' || (name === 'parkingFacilityStatus' && !status)) && !site) {
      status = { id: '', tsMs: null, occupied: null, vacant: null, capacity: null, occupancyPct: null, trend: null, siteStatus: [], openingStatus: null, incoming: null, outgoing: null, intervalSec: null };
    } else if (status && (name === 'parkingRecordReference' || name === 'parkingFacilityReference') && id && !status.id) {
      status.id = id;
    }
    stack.push(name);
    hadChild.push(false);
    text = '';
  });
  p.on('text', (t) => {
    text += t;
  });
  p.on('closetag', (tag) => {
    const name = tag.local ?? tag.name;
    const leaf = !hadChild.pop();
    stack.pop();
    const v = leaf ? text.trim() : '';
    text = '';
    if (name === 'publicationTime' && doc.publicationTimeMs === null) doc.publicationTimeMs = time(v);
    if (site) {
      if (name === 'parkingRecord') {
        doc.sites.push(site);
        site = null;
      } else if (name === 'value' && (inside('parkingName') || inside('name')) && site.name === null && v) site.name = v;
      else if (name === 'latitude' && site.lat === null) site.lat = num(v);
      else if (name === 'longitude' && site.lon === null) site.lon = num(v);
      else if (name === 'parkingNumberOfSpaces' && site.capacity === null) site.capacity = num(v);
      else if (name === 'parkingLayout') site.layout = v;
      return;
    }
    if (!status) return;
    // The outer parkingFacilityStatus (a record) has children; the inner ones are leaf values.
    if (name === 'parkingRecordStatus' || (name === 'parkingFacilityStatus' && !leaf)) {
      if (status.id) doc.statuses.push(status);
      status = null;
      return;
    }
    if (!leaf) return;
    // Per-space-type breakdowns (assignedParkingSpacesStatus, parkingOccupancyByVehicleType…) are not the site's total.
    if (inside('assignedParkingSpacesStatus')) return;
    switch (name) {
      case 'parkingStatusOriginTime':
      case 'parkingFacilityStatusTime':
        status.tsMs = time(v);
        break;
      case 'parkingNumberOfOccupiedSpaces':
      case 'totalNumberOfOccupiedParkingSpaces':
        status.occupied = num(v);
        break;
      case 'parkingNumberOfVacantSpaces':
      case 'totalNumberOfVacantParkingSpaces':
        status.vacant = num(v);
        break;
      case 'parkingNumberOfSpacesOverride':
        status.capacity = num(v);
        break;
      case 'parkingOccupancy':
        status.occupancyPct = num(v);
        break;
      case 'parkingOccupancyTrend':
        status.trend = v;
        break;
      case 'parkingSiteStatus':
      case 'parkingFacilityStatus':
        status.siteStatus.push(v);
        break;
      case 'parkingSiteOpeningStatus':
        status.openingStatus = v;
        break;
      case 'measurementInterval':
        status.intervalSec = num(v);
        break;
      case 'vehicleCount':
        if (inside('numberOfIncomingVehicles')) status.incoming = num(v);
        else if (inside('numberOfOutgoingVehicles')) status.outgoing = num(v);
        break;
    }
  });

  try {
    for (const c of typeof chunks === 'string' ? [chunks] : chunks) {
      p.write(c);
      if (error) break;
    }
    if (!error) p.close();
  } catch (err) {
    if (err instanceof MalformedDocument) throw err;
    error ??= err as Error;
  }
  if (error) throw new MalformedDocument(`not well-formed XML: ${(error as Error).message.slice(0, 300)}`);
  if (!sawRoot) throw new MalformedDocument('empty document');
  if (doc.sites.length === 0 && doc.statuses.length === 0) throw new MalformedDocument('no DATEX II parking records (ParkingTablePublication) or statuses (ParkingStatusPublication) in the document');
  return doc;
}
