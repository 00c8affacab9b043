/**
 * The gateway's readers against documents the tests make themselves (and, when ../shared is there,
 * the reference samples): DATEX II v2.3 / v3, GTFS-Realtime, GTFS static zips into a real SQLite
 * store, SensorThings observations, the sources file. The hub path is in test/integration/gateway.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bindings from 'gtfs-realtime-bindings';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParkingMeta, ParkingStatus, TransitLineMeta, VehiclePosition, type ParkingEntity } from '../../protocol/index.ts';
import { parkingStatusPublication, parkingTablePublication } from '../open/datex2-out.ts';
import { IpRateLimiter } from '../open/rate-limit.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { loadSources, SourcesConfigError } from './config.ts';
import { importDatex2, newDatex2State } from './datex2.ts';
import { parseDatex2 } from './datex2-parse.ts';
import { announceLines, headwayBands, modeOf } from './gtfs-lines.ts';
import { importGtfsRt, newGtfsRtState } from './gtfs-rt.ts';
import { gtfsTimeSec, importGtfsZip } from './gtfs-static.ts';
import { MalformedDocument, type Deliver } from './report.ts';
import { datastreamOfTopic, observationTsMs } from './sensorthings.ts';
import { tinyGtfsFeed, zip } from './test-zip.ts';

const { transit_realtime: RT } = bindings;
const SHARED = join(import.meta.dirname, '../../../shared/samples');
const haveShared = existsSync(SHARED);
const NOW = Date.UTC(2026, 10, 22, 9, 0, 0);

/** A deliver that validates like the hub's decoder would and records what it got. */
function recorder(refuse: (topic: string) => { reason: string; detail: string } | null = () => null) {
  const got: { topic: string; data: unknown }[] = [];
  const deliver: Deliver = (topic, payload) => {
    const r = refuse(topic);
    if (!r) got.push({ topic, data: JSON.parse(payload.toString('utf8')) });
    return r;
  };
  return { got, deliver };
}

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sources file', () => {
  it('an absent file means no sources', () => {
    expect(loadSources(join(dir, 'nope.json'))).toEqual([]);
  });
  it('parses a valid file and skips disabled sources', () => {
    const f = join(dir, 's.json');
    writeFileSync(
      f,
      JSON.stringify({
        sources: [
          { id: 'rt', format: 'gtfs-rt', transport: { kind: 'http-poll', url: 'http://127.0.0.1:1/vp.pb', intervalSec: 15 } },
          { id: 'sta', format: 'sensorthings', transport: { kind: 'mqtt', topic: 'v1.1/#' }, options: { datastreams: { '7': { station: 'st-1', value: 'airTempC', lon: 6.7, lat: 51.4 } } } },
          { id: 'off', format: 'datex2', transport: { kind: 'mqtt', topic: 'x' }, enabled: false },
        ],
      }),
    );
    expect(loadSources(f).map((s) => s.id)).toEqual(['rt', 'sta']);
  });
  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['a gtfs zip over mqtt', JSON.stringify({ sources: [{ id: 'g', format: 'gtfs', transport: { kind: 'mqtt', topic: 'x' } }] }), /must be polled over http/],
    ['duplicate ids', JSON.stringify({ sources: [1, 2].map(() => ({ id: 'a', format: 'datex2', transport: { kind: 'mqtt', topic: 'x' } })) }), /unique/],
    ['an unknown format', JSON.stringify({ sources: [{ id: 'a', format: 'siri', transport: { kind: 'mqtt', topic: 'x' } }] }), /format/],
    ['an unknown option', JSON.stringify({ sources: [{ id: 'a', format: 'datex2', transport: { kind: 'mqtt', topic: 'x' }, options: { colour: 1 } }] }), /colour|Unrecognized/i],
  ])('refuses %s with the reason', (_what, text, re) => {
    const f = join(dir, 's.json');
    writeFileSync(f, text);
    expect(() => loadSources(f)).toThrow(SourcesConfigError);
    expect(() => loadSources(f)).toThrow(re);
  });
});

const garage = (over: Partial<ParkingEntity> = {}): ParkingEntity => ({
  id: 'P-City',
  name: 'City & Forum <Nord>',
  zone: 'Innenstadt',
  lon: 6.7623,
  lat: 51.4344,
  capacity: 500,
  capacityEstimated: false,
  occupied: 123,
  vacant: 377,
  status: 'spacesAvailable',
  trend: 'increasing',
  tsMs: NOW - 30_000,
  link: 'live',
  ...over,
});

describe('DATEX II', () => {
  it('reads back what we publish (v2.3 table + status), to the same occupancy, valid for the hub', () => {
    const g = [garage(), garage({ id: 'P-Full', occupied: 200, vacant: 0, capacity: 200, status: 'full', trend: null })];
    const table = parseDatex2(parkingTablePublication(g, NOW));
    expect(table.version).toBe('2');
    expect(table.sites).toEqual([
      { id: 'P-City', name: 'City & Forum <Nord>', lat: 51.4344, lon: 6.7623, capacity: 500, layout: null },
      { id: 'P-Full', name: 'City & Forum <Nord>', lat: 51.4344, lon: 6.7623, capacity: 200, layout: null },
    ]);
    const { got, deliver } = recorder();
    const state = newDatex2State();
    importDatex2(parkingTablePublication(g, NOW), state, deliver, NOW);
    const rb = importDatex2(parkingStatusPublication(g, NOW), state, deliver, NOW);
    expect(rb.report.taken).toEqual({ statuses: 2 });
    for (const m of got.filter((x) => x.topic.endsWith('/meta'))) expect(ParkingMeta.safeParse(m.data).success).toBe(true);
    const statuses = got.filter((x) => x.topic.endsWith('/status'));
    expect(statuses.map((x) => x.topic)).toEqual(['city/v1/parking/P-City/status', 'city/v1/parking/P-Full/status']);
    const s0 = ParkingStatus.parse(statuses[0]!.data);
    expect([s0.occupiedSpaces, s0.vacantSpaces, s0.parkingSiteStatus, s0.occupancyTrend, s0.tsMs]).toEqual([123, 377, 'spacesAvailable', 'increasing', NOW - 30_000]);
    expect(ParkingStatus.parse(statuses[1]!.data).parkingSiteStatus).toBe('full');
    // The same document again: nothing new, nothing refused.
    const again = importDatex2(parkingStatusPublication(g, NOW), state, deliver, NOW);
    expect(again.report.unchanged).toBe(2);
    expect(again.report.taken).toEqual({});
  });

  it('reads DATEX II v3 Part 6 (other namespaces, same element names)', () => {
    const xml = `<?xml version="1.0"?><d2:payload xmlns:d2="http://datex2.eu/schema/3/d2Payload" xmlns:prk="http://datex2.eu/schema/3/parking" xmlns:com="http://datex2.eu/schema/3/common" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="prk:ParkingStatusPublication" lang="de" modelBaseVersion="3">
      <com:publicationTime>2026-11-22T08:59:00Z</com:publicationTime>
      <prk:parkingRecordStatus xsi:type="prk:ParkingSiteStatus"><prk:parkingRecordReference id="G7" version="1" targetClass="prk:ParkingRecord"/>
        <prk:parkingStatusOriginTime>2026-11-22T08:58:00Z</prk:parkingStatusOriginTime>
        <prk:parkingOccupancy><prk:parkingNumberOfSpacesOverride>300</prk:parkingNumberOfSpacesOverride><prk:parkingNumberOfVacantSpaces>12</prk:parkingNumberOfVacantSpaces><prk:parkingOccupancy>96</prk:parkingOccupancy></prk:parkingOccupancy>
        <prk:parkingSiteStatus>almostFull</prk:parkingSiteStatus></prk:parkingRecordStatus></d2:payload>`;
    const d = parseDatex2(xml);
    expect(d.version).toBe('3');
    const { got, deliver } = recorder();
    importDatex2(xml, newDatex2State(), deliver, NOW, { idPrefix: 'dx-' });
    expect(got[0]!.topic).toBe('city/v1/parking/dx-G7/status');
    const s = ParkingStatus.parse(got[0]!.data);
    // Occupied derived from the capacity override and the vacant spaces.
    expect([s.occupiedSpaces, s.vacantSpaces, s.parkingSiteStatus, s.tsMs]).toEqual([288, 12, 'almostFull', Date.parse('2026-11-22T08:58:00Z')]);
  });

  it('reports a status the hub refuses (an unknown site) instead of dropping it', () => {
    const { deliver } = recorder((t) => (t.includes('/Nowhere/') ? { reason: 'unknown_device', detail: 'no meta announced for parking Nowhere' } : null));
    const rb = importDatex2(parkingStatusPublication([garage(), garage({ id: 'Nowhere' })], NOW), newDatex2State(), deliver, NOW);
    expect(rb.report.taken).toEqual({ statuses: 1 });
    expect(rb.report.rejected).toEqual([{ item: 'parking status Nowhere', reason: 'unknown_device', detail: 'no meta announced for parking Nowhere' }]);
    // The hub quarantined it already: not quarantined a second time by the gateway.
    expect(rb.local).toEqual([]);
  });

  it.each([
    ['not XML', 'garbage <<<', /not well-formed|DATEX/],
    ['XML of another kind', '<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', /not in a DATEX II namespace/],
    ['a DATEX document without parking', '<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0"><exchange/></d2LogicalModel>', /no DATEX II parking records/],
    ['truncated', parkingStatusPublication([garage()], NOW).slice(0, 300), /not well-formed/],
  ])('%s is a malformed document', (_w, text, re) => {
    expect(() => importDatex2(text, newDatex2State(), recorder().deliver, NOW)).toThrow(MalformedDocument);
    expect(() => parseDatex2(text)).toThrow(re);
  });

  it.skipIf(!haveShared)('reads the German MDM samples (../shared/samples/datex2; skipped without ../shared)', () => {
    const table = parseDatex2(readFileSync(join(SHARED, 'datex2/aachen-static.xml'), 'utf8'));
    expect(table.sites.length).toBe(17);
    expect(table.sites[0]).toEqual({ id: 'P1', name: 'P01-Eurogress', lat: 50.780552, lon: 6.0927987, capacity: 560, layout: 'multiStorey' });
    const live = parseDatex2(readFileSync(join(SHARED, 'datex2/aachen-realtime.xml'), 'utf8'));
    expect(live.statuses.length).toBe(17);
    expect(live.statuses[0]).toMatchObject({ id: 'P1', occupied: 148, vacant: 412, capacity: 560, trend: 'stable', siteStatus: ['spacesAvailable'] });
    const stuttgart = parseDatex2(readFileSync(join(SHARED, 'datex2/stuttgart-realtime.xml'), 'utf8'));
    expect(stuttgart.statuses.length).toBeGreaterThan(10);
    expect(stuttgart.statuses[0]).toMatchObject({ id: '12717289', occupied: 319, vacant: 245 });
  });
});

describe('GTFS-Realtime in', () => {
  const feed = (entity: object[], ts = NOW / 1000) => RT.FeedMessage.encode(RT.FeedMessage.fromObject({ header: { gtfsRealtimeVersion: '2.0', timestamp: ts }, entity })).finish();

  it('maps VehiclePositions to our payload with the delay of the trip’s TripUpdate', () => {
    const bytes = feed([
      { id: 'v1', vehicle: { trip: { tripId: 'T1', routeId: '901' }, vehicle: { id: 'bus 4711' }, position: { latitude: 51.43, longitude: 6.77, bearing: 90, speed: 10 }, currentStatus: 1, stopId: 'B', timestamp: NOW / 1000 - 5 } },
      { id: 'tu1', tripUpdate: { trip: { tripId: 'T1' }, stopTimeUpdate: [{ stopSequence: 3, arrival: { delay: 240 } }] } },
    ]);
    const { got, deliver } = recorder();
    const state = newGtfsRtState();
    const rb = importGtfsRt(bytes, state, deliver, NOW, 'vrr-');
    expect(rb.report.taken).toEqual({ tripUpdates: 1, vehicles: 1 });
    expect(got[0]!.topic).toBe('city/v1/transit/vrr-bus_4711/position');
    const p = VehiclePosition.parse(got[0]!.data);
    expect(p).toMatchObject({ vehicle: { id: 'vrr-bus_4711' }, trip: { tripId: 'T1', routeId: 'vrr-901' }, position: { latitude: 51.43, longitude: 6.77, bearing: 90, speed: 10 }, currentStatus: 'STOPPED_AT', stopId: 'B', delaySec: 240, tsMs: NOW - 5000 });
    // A poll that repeats the same position is "unchanged", not a duplicate for the quarantine.
    expect(importGtfsRt(bytes, state, deliver, NOW, 'vrr-').report.unchanged).toBe(1);
    expect(got.length).toBe(1);
  });

  it('rejects TripUpdates without a trip or a delay, with the reason', () => {
    const rb = importGtfsRt(feed([{ id: 'a', tripUpdate: { trip: {}, stopTimeUpdate: [] } }, { id: 'b', tripUpdate: { trip: { tripId: 'X' }, stopTimeUpdate: [{ stopSequence: 1 }] } }]), newGtfsRtState(), recorder().deliver, NOW);
    expect(rb.report.rejected.map((r) => r.item)).toEqual(['tripUpdate a', 'tripUpdate b']);
    expect(rb.local.length).toBe(2);
  });

  it('a buffer that is not a FeedMessage is malformed', () => {
    expect(() => importGtfsRt(Buffer.from('<html>503</html>'), newGtfsRtState(), recorder().deliver, NOW)).toThrow(MalformedDocument);
  });

  it.skipIf(!haveShared)('decodes the bindings’ VehiclePosition fixture (../shared; skipped without it)', () => {
    const { got, deliver } = recorder();
    const rb = importGtfsRt(readFileSync(join(SHARED, 'gtfs-rt/vehicle_position.pb')), newGtfsRtState(), deliver, NOW);
    expect(rb.report.taken).toEqual({ vehicles: 1 });
    // No timestamp in the fixture: the receive time stands in.
    expect(VehiclePosition.parse(got[0]!.data)).toMatchObject({ vehicle: { id: '1' }, trip: { tripId: 't0' }, position: { latitude: 47, longitude: -122 }, tsMs: NOW });
  });
});

describe('GTFS static', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore(dir);
  });
  afterEach(async () => store.close());

  it('GTFS times may pass midnight; anything else is refused', () => {
    expect(gtfsTimeSec('25:10:05')).toBe(25 * 3600 + 605);
    expect(gtfsTimeSec('')).toBeNull();
    expect(() => gtfsTimeSec('7.30')).toThrow(/HH:MM:SS/);
    expect([modeOf(0), modeOf(3), modeOf(2), modeOf(900), modeOf(700)]).toEqual(['tram', 'bus', 'lightrail', 'tram', 'bus']);
    expect(headwayBands('weekday', [6 * 3600, 6 * 3600 + 600, 6 * 3600 + 1200, 7 * 3600, 7 * 3600 + 1800])).toEqual([
      { days: 'weekday', fromHour: 6, toHour: 7, headwayMin: 20 },
      { days: 'weekday', fromHour: 7, toHour: 8, headwayMin: 30 },
    ]);
  });

  it('imports a feed the test zips itself, streaming into the store, and makes its line', async () => {
    const f = join(dir, 'feed.zip');
    const files = tinyGtfsFeed();
    // A broken row is reported, the rest taken.
    files['stops.txt'] += 'D,Broken,not-a-lat,6.7\n';
    writeFileSync(f, zip(files));
    const rb = await importGtfsZip(f, 'dvg', store.gtfs, NOW);
    expect(rb.report.taken).toEqual({ stops: 3, routes: 1, trips: 24, stopTimes: 72, shapes: 5, calendar: 1 });
    expect(rb.report.rejected).toEqual([{ item: 'stops.txt line 5', reason: 'schema', detail: 'stop_lat not-a-lat is not a number in [-90, 90]' }]);
    expect((await store.gtfs.feeds())[0]!.counts.stopTimes).toBe(72);

    const { got, deliver } = recorder();
    const lines = await announceLines(store.gtfs, 'dvg', deliver, NOW, { idPrefix: 'dvg-' });
    expect(lines.report.taken).toEqual({ lines: 1 });
    expect(got[0]!.topic).toBe('city/v1/transit/dvg-R901/meta');
    const meta = TransitLineMeta.parse(got[0]!.data);
    expect([meta.name, meta.mode, meta.colour, meta.longName]).toEqual(['901', 'tram', '#E30613', 'Meiderich - Hauptbahnhof']);
    const d0 = meta.directions.find((d) => d.directionId === 0)!;
    expect(d0.headsign).toBe('Hauptbahnhof');
    expect(d0.stops.map((s) => [s.stopId, s.name])).toEqual([
      ['A', 'Meiderich Bf'],
      ['B', 'Duissern, Platz'],
      ['C', 'Hauptbahnhof'],
    ]);
    // The shape is the geometry; stops sit along it in order.
    expect(d0.geometry.length).toBe(5);
    expect(d0.stops[2]!.distanceM).toBeGreaterThan(3500);
    expect(d0.runTimesSec).toEqual([180, 160]);
    expect(d0.dwellSec).toBe(20);
    // Direction 1 has no shape: its stops are its geometry.
    expect(meta.directions.find((d) => d.directionId === 1)!.geometry.length).toBe(3);
    expect(meta.headways).toEqual([{ days: 'weekday', fromHour: 6, toHour: 8, headwayMin: 10 }]);
  });

  it('a file that is not a zip, or a zip without stop_times.txt, is malformed and leaves the stored feed as it was', async () => {
    const good = join(dir, 'good.zip');
    writeFileSync(good, zip(tinyGtfsFeed()));
    await importGtfsZip(good, 'dvg', store.gtfs, NOW);
    const junk = join(dir, 'junk.zip');
    writeFileSync(junk, '<html>maintenance</html>');
    await expect(importGtfsZip(junk, 'dvg', store.gtfs, NOW)).rejects.toThrow(/not a zip/);
    expect((await store.gtfs.stops('dvg')).length).toBe(3);
    const partial = tinyGtfsFeed();
    delete (partial as Record<string, string | undefined>)['stop_times.txt'];
    const p = join(dir, 'partial.zip');
    writeFileSync(p, zip(partial));
    await expect(importGtfsZip(p, 'other', store.gtfs, NOW)).rejects.toThrow(/missing stop_times.txt/);
    expect(await store.gtfs.stops('other')).toEqual([]);
  });

  it.skipIf(!haveShared)('imports the GTFS reference sample feed (../shared; skipped without it)', async () => {
    const rb = await importGtfsZip(join(SHARED, 'gtfs/sample-feed-1.zip'), 'sample', store.gtfs, NOW);
    expect(rb.report.taken).toMatchObject({ stops: 9, routes: 5, trips: 11, stopTimes: 28, calendar: 2 });
    expect(rb.report.rejectedCount).toBe(0);
    const { got, deliver } = recorder();
    const lines = await announceLines(store.gtfs, 'sample', deliver, NOW);
    expect(lines.report.taken.lines).toBe(5);
    for (const g of got) expect(TransitLineMeta.safeParse(g.data).success).toBe(true);
    expect(got.map((g) => (g.data as { name: string }).name).sort()).toEqual(['10', '20', '30', '40', '50']);
  });
});

describe('SensorThings topics and times', () => {
  it('reads the datastream id from the topic', () => {
    expect(datastreamOfTopic('v1.1/Datastreams(42)/Observations')).toBe('42');
    expect(datastreamOfTopic("v1.1/Datastreams('abc')/Observations")).toBe('abc');
    expect(datastreamOfTopic('v1.1/Things(1)')).toBeNull();
  });
  it('takes the end of a phenomenonTime interval, else resultTime', () => {
    expect(observationTsMs({ phenomenonTime: '2026-11-22T08:00:00Z/2026-11-22T08:10:00Z' })).toBe(Date.parse('2026-11-22T08:10:00Z'));
    expect(observationTsMs({ resultTime: '2026-11-22T08:00:00Z' })).toBe(Date.parse('2026-11-22T08:00:00Z'));
    expect(observationTsMs({})).toBeNull();
  });
});

describe('open data rate limit', () => {
  it('a token bucket per address: the burst, then a wait, then one more per second', () => {
    const l = new IpRateLimiter(60);
    for (let i = 0; i < 60; i++) expect(l.take('1.2.3.4', 0)).toBe(0);
    expect(l.take('1.2.3.4', 0)).toBe(1000);
    expect(l.take('5.6.7.8', 0)).toBe(0);
    expect(l.take('1.2.3.4', 1000)).toBe(0);
  });
});
