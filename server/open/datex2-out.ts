/**
 * DATEX II v2.3 out (the German MDM profile: a GenericPublication with a parking extension), the
 * live garages as ParkingStatusPublication and their static records as ParkingTablePublication.
 * Element order follows the v2.3 parking schema (ParkingSiteStatus: parkingRecordReference,
 * parkingStatusOriginTime, parkingOccupancy, parkingSiteStatus, parkingSiteOpeningStatus).
 */
import type { ParkingEntity } from '../../protocol/index.ts';

export const DATEX2_NS = 'http://datex2.eu/schema/2/2_0';
const SUPPLIER = 'DE-Duisburg';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number) => new Date(ms).toISOString();

function envelope(name: string, nowMs: number, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<d2LogicalModel xmlns="${DATEX2_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2">` +
    `<exchange><supplierIdentification><country>de</country><nationalIdentifier>${SUPPLIER}</nationalIdentifier></supplierIdentification></exchange>` +
    `<payloadPublication xsi:type="GenericPublication" lang="de"><publicationTime>${iso(nowMs)}</publicationTime>` +
    `<publicationCreator><country>de</country><nationalIdentifier>${SUPPLIER}</nationalIdentifier></publicationCreator>` +
    `<genericPublicationName>${name}</genericPublicationName><genericPublicationExtension>${body}</genericPublicationExtension>` +
    `</payloadPublication></d2LogicalModel>\n`
  );
}

const HEADER = '<headerInformation><confidentiality>noRestriction</confidentiality><informationStatus>real</informationStatus></headerInformation>';

/** Our status -> DATEX II v2.3 ParkingSiteStatusEnum. */
const SITE_STATUS: Record<ParkingEntity['status'], string> = { spacesAvailable: 'spacesAvailable', almostFull: 'almostFull', full: 'full', closed: 'closed', statusUnknown: 'unknown' };

/** ParkingStatusPublication of the garages with a status (those without one have nothing to say). */
export function parkingStatusPublication(garages: Iterable<ParkingEntity>, nowMs: number): string {
  let body = `<parkingStatusPublication>${HEADER}`;
  for (const g of garages) {
    if (g.occupied === null || g.vacant === null || g.tsMs === null) continue;
    const total = g.occupied + g.vacant;
    const pct = total === 0 ? 0 : Math.round((g.occupied / total) * 10_000) / 100;
    body +=
      `<parkingRecordStatus xsi:type="ParkingSiteStatus"><parkingRecordReference id="${esc(g.id)}" targetClass="ParkingRecord" version="1"/>` +
      `<parkingStatusOriginTime>${iso(g.tsMs)}</parkingStatusOriginTime><parkingOccupancy>` +
      `<parkingNumberOfSpacesOverride>${g.capacity}</parkingNumberOfSpacesOverride>` +
      `<parkingNumberOfVacantSpaces>${g.vacant}</parkingNumberOfVacantSpaces><parkingNumberOfOccupiedSpaces>${g.occupied}</parkingNumberOfOccupiedSpaces>` +
      `<parkingOccupancy>${pct}</parkingOccupancy>${g.trend ? `<parkingOccupancyTrend>${g.trend}</parkingOccupancyTrend>` : ''}</parkingOccupancy>` +
      `<parkingSiteStatus>${SITE_STATUS[g.status]}</parkingSiteStatus>` +
      `<parkingSiteOpeningStatus>${g.status === 'closed' ? 'closed' : g.status === 'statusUnknown' ? 'unknown' : 'open'}</parkingSiteOpeningStatus></parkingRecordStatus>`;
  }
  return envelope('ParkingStatusPublication', nowMs, body + '</parkingStatusPublication>');
}

/** ParkingTablePublication: the static records (name, location, number of spaces). */
export function parkingTablePublication(garages: Iterable<ParkingEntity>, nowMs: number): string {
  let body = `<parkingTablePublication>${HEADER}<parkingTable id="duisburg-garages" version="1"><parkingTableVersionTime>${iso(nowMs)}</parkingTableVersionTime>`;
  for (const g of garages) {
    body +=
      `<parkingRecord id="${esc(g.id)}" version="1" xsi:type="UrbanParkingSite"><parkingName><values><value lang="de">${esc(g.name)}</value></values></parkingName>` +
      `<parkingRecordVersionTime>${iso(nowMs)}</parkingRecordVersionTime><parkingNumberOfSpaces>${g.capacity}</parkingNumberOfSpaces>` +
      `<parkingLocation xsi:type="Point"><pointByCoordinates><pointCoordinates><latitude>${g.lat}</latitude><longitude>${g.lon}</longitude></pointCoordinates></pointByCoordinates></parkingLocation>` +
      `<urbanParkingSiteType>offStreetParking</urbanParkingSiteType></parkingRecord>`;
  }
  return envelope('ParkingTablePublication', nowMs, body + '</parkingTable></parkingTablePublication>');
}
