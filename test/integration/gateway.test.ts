/**
 * The standards gateway and the open data API with a real hub (embedded Aedes broker, SQLite),
 * a real HTTP publisher the test runs, and the hub's own REST routes called anonymously.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bindings from 'gtfs-realtime-bindings';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvStationEntity, OpenIndex, ParkingEntity, TransitLineMeta, TransitVehicleEntity } from '../../protocol/index.ts';
import { tinyGtfsFeed, zip } from '../../server/gateway/test-zip.ts';
import { startTestHub, waitFor, type TestHub } from './harness.ts';

const { transit_realtime: RT } = bindings;

/** A publisher: path -> [status, body]; the test changes what it serves. */
const served = new Map<string, [number, string | Uint8Array]>();
let publisher: Server;
let pubUrl = '';
let th: TestHub;
let dir = '';

const table = (sites: { id: string; name: string; cap: number }[]) =>
  `<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2"><payloadPublication xsi:type="GenericPublication" lang="de"><publicationTime>${new Date().toISOString()}</publicationTime><genericPublicationName>ParkingTablePublication</genericPublicationName><genericPublicationExtension><parkingTablePublication><parkingTable id="t" version="1">` +
  sites
    .map((s) => `<parkingRecord id="${s.id}" version="1" xsi:type="UrbanParkingSite"><parkingName><values><value lang="de">${s.name}</value></values></parkingName><parkingNumberOfSpaces>${s.cap}</parkingNumberOfSpaces><parkingLocation xsi:type="Point"><pointByCoordinates><pointCoordinates><latitude>51.43</latitude><longitude>6.76</longitude></pointCoordinates></pointByCoordinates></parkingLocation><parkingLayout>multiStorey</parkingLayout></parkingRecord>`)
    .join('') +
  `</parkingTable></parkingTablePublication></genericPublicationExtension></payloadPublication></d2LogicalModel>`;
const status = (rows: { id: string; occ: number; vac: number; tsMs: number }[]) =>
  `<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2"><payloadPublication xsi:type="GenericPublication" lang="de"><publicationTime>${new Date().toISOString()}</publicationTime><genericPublicationName>ParkingStatusPublication</genericPublicationName><genericPublicationExtension><parkingStatusPublication>` +
  rows
    .map((r) => `<parkingRecordStatus xsi:type="ParkingSiteStatus"><parkingRecordReference id="${r.id}" targetClass="ParkingRecord" version="1"/><parkingStatusOriginTime>${new Date(r.tsMs).toISOString()}</parkingStatusOriginTime><parkingOccupancy><parkingNumberOfVacantSpaces>${r.vac}</parkingNumberOfVacantSpaces><parkingNumberOfOccupiedSpaces>${r.occ}</parkingNumberOfOccupiedSpaces><parkingOccupancyTrend>increasing</parkingOccupancyTrend></parkingOccupancy><parkingSiteStatus>${r.vac === 0 ? 'full' : 'spacesAvailable'}</parkingSiteStatus><parkingSiteOpeningStatus>open</parkingSiteOpeningStatus></parkingRecordStatus>`)
    .join('') +
  `</parkingStatusPublication></genericPublicationExtension></payloadPublication></d2LogicalModel>`;

const rtFeed = (entity: object[]) => RT.FeedMessage.encode(RT.FeedMessage.fromObject({ header: { gtfsRealtimeVersion: '2.0', timestamp: Math.floor(Date.now() / 1000) }, entity })).finish();

const alarm = (id: string) => th.hub.alarmEngine.alarms.get(id);
const isActive = (id: string) => ['UNACK', 'ACKED'].includes(alarm(id)?.state ?? 'NORM');
async function quarantined(topicPrefix: string) {
  await th.hub.store.flush();
  return (await th.hub.store.quarantine(500)).filter((q) => q.topic.startsWith(topicPrefix));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gw-it-'));
  publisher = createServer((req, res) => {
    const r = served.get(req.url ?? '');
    if (!r) return res.writeHead(404).end();
    res.writeHead(r[0]).end(r[1]);
  });
  await new Promise<void>((r) => publisher.listen(0, '127.0.0.1', r));
  const a = publisher.address();
  pubUrl = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  // A port nobody listens on: bound and closed again.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const a2 = closed.address();
  const deadPort = typeof a2 === 'object' && a2 ? a2.port : 1;
  await new Promise((r) => closed.close(r));
  const poll = (path: string) => ({ kind: 'http-poll', url: `${pubUrl}${path}`, intervalSec: 3600, timeoutSec: 5 });
  const sources = {
    sources: [
      { id: 'dvg', format: 'gtfs', transport: poll('/gtfs.zip'), options: { idPrefix: 'dvg-' } },
      { id: 'dvg-rt', format: 'gtfs-rt', transport: poll('/rt.pb'), options: { idPrefix: 'dvg-' } },
      { id: 'garages', format: 'datex2', transport: poll('/parking.xml'), options: { zone: 'Innenstadt' } },
      { id: 'down', format: 'datex2', transport: { kind: 'http-poll', url: `http://127.0.0.1:${deadPort}/nothing.xml`, intervalSec: 3600, timeoutSec: 2 } },
      {
        id: 'udp',
        format: 'sensorthings',
        transport: { kind: 'mqtt', topic: 'v1.1/#' },
        options: { datastreams: { '7': { station: 'udp-1', name: 'Urbane Datenplattform 1', value: 'airTempC', lon: 6.76, lat: 51.43 }, '8': { station: 'udp-1', value: 'no2UgM3' } } },
      },
    ],
  };
  writeFileSync(join(dir, 'sources.json'), JSON.stringify(sources));
  served.set('/gtfs.zip', [200, zip(tinyGtfsFeed())]);
  served.set('/parking.xml', [200, table([{ id: 'PH1', name: 'Parkhaus City', cap: 400 }, { id: 'PH2', name: 'Forum', cap: 800 }])]);
  th = await startTestHub({ SOURCES_FILE: join(dir, 'sources.json') });
}, 30_000);
afterAll(async () => {
  await th?.close();
  await new Promise((r) => publisher?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway sources into the hub', () => {
  it('GTFS static: the polled feed becomes the transit lines the dashboard loads (stops and shapes)', async () => {
    await waitFor(() => th.hub.gateway.sources().find((s) => s.id === 'dvg')?.lastOkMs, 10_000, 'gtfs poll');
    const res = await th.fetch('/api/transit/lines');
    const lines = (await res.json()) as TransitLineMeta[];
    const l = lines.find((x) => x.id === 'dvg-R901');
    expect(l?.name).toBe('901');
    expect(l!.directions[0]!.stops.map((s) => s.name)).toEqual(['Meiderich Bf', 'Duissern, Platz', 'Hauptbahnhof']);
    expect(l!.directions[0]!.geometry.length).toBe(5);
    expect((await th.hub.store.gtfs.feeds()).map((f) => f.feedId)).toEqual(['dvg']);
  });

  it('GTFS-RT: positions with their TripUpdate delay become hub vehicles, and the open feed gives them back', async () => {
    await waitFor(() => th.hub.gateway.sources().find((s) => s.id === 'dvg')?.lastOkMs, 10_000, 'lines first');
    const ts = Math.floor(Date.now() / 1000) - 2;
    served.set(
      '/rt.pb',
      [200, rtFeed([
        { id: 'e1', vehicle: { trip: { tripId: 'T3', routeId: 'R901', directionId: 0 }, vehicle: { id: '4711' }, position: { latitude: 51.44, longitude: 6.78, bearing: 180, speed: 8 }, stopId: 'B', currentStatus: 2, timestamp: ts } },
        { id: 'e2', vehicle: { trip: { tripId: 'T9', routeId: 'NOPE' }, vehicle: { id: '99' }, position: { latitude: 51.4, longitude: 6.7 }, timestamp: ts } },
        { id: 't1', tripUpdate: { trip: { tripId: 'T3' }, delay: 420 } },
      ])],
    );
    await th.hub.gateway.pollNow('dvg-rt');
    const v = th.hub.families.transit.entities.get('dvg-4711') as TransitVehicleEntity | undefined;
    expect(v).toMatchObject({ lineId: 'dvg-R901', lineName: '901', tripId: 'T3', delaySec: 420, bearingDeg: 180 });
    // float32 on the wire (gtfs-realtime.proto Position): 0.4 m resolution.
    expect(v!.lat).toBeCloseTo(51.44, 5);
    expect(v!.lon).toBeCloseTo(6.78, 5);
    // The vehicle of an unknown line is reported and quarantined by the hub's ingest.
    const report = th.hub.gateway.sources().find((s) => s.id === 'dvg-rt')!.lastReport!;
    expect(report.rejected).toEqual([{ item: 'vehicle 99', reason: 'unknown_device', detail: 'vehicle dvg-99: no meta announced for line dvg-NOPE' }]);
    expect((await quarantined('city/v1/transit/dvg-99/')).map((q) => q.reason)).toEqual(['unknown_device']);

    // Round trip: our GTFS-RT feed (anonymous) decodes with gtfs-realtime-bindings into what we hold.
    const vp = await fetch(`${th.url}/api/open/gtfs-rt/vehicle-positions`);
    expect(vp.status).toBe(200);
    expect(vp.headers.get('content-type')).toBe('application/x-protobuf');
    const msg = RT.FeedMessage.decode(new Uint8Array(await vp.arrayBuffer()));
    const e = msg.entity.find((x) => x.id === 'dvg-4711')!;
    expect(e.vehicle!.trip).toMatchObject({ tripId: 'T3', routeId: 'dvg-R901', directionId: 0 });
    expect(e.vehicle!.position!.latitude).toBeCloseTo(51.44, 5);
    expect(e.vehicle!.position!.longitude).toBeCloseTo(6.78, 5);
    expect(e.vehicle!.position!.speed).toBeCloseTo(8, 1);
    expect(Number(e.vehicle!.timestamp)).toBe(ts);
    expect(msg.entity.length).toBe([...th.hub.families.transit.entities.values()].filter((x) => (x as TransitVehicleEntity).link !== 'lost').length);
    const tu = RT.FeedMessage.decode(new Uint8Array(await (await fetch(`${th.url}/api/open/gtfs-rt/trip-updates`)).arrayBuffer()));
    expect(tu.entity.find((x) => x.tripUpdate?.vehicle?.id === 'dvg-4711')!.tripUpdate!.delay).toBe(420);
    const json = (await (await fetch(`${th.url}/api/open/gtfs-rt/vehicle-positions?format=json`)).json()) as { header: { gtfsRealtimeVersion: string }; entity: { id: string; vehicle: { currentStatus: string } }[] };
    expect(json.header.gtfsRealtimeVersion).toBe('2.0');
    expect(json.entity.find((x) => x.id === 'dvg-4711')!.vehicle.currentStatus).toBe('IN_TRANSIT_TO');
  });

  it('DATEX II: sites then statuses; an unknown site is reported and quarantined; our publication re-imports to the same occupancy', async () => {
    await waitFor(() => th.hub.families.parking.entities.get('PH2'), 10_000, 'garages from the table');
    const t0 = Date.now() - 10_000;
    served.set('/parking.xml', [200, status([{ id: 'PH1', occ: 150, vac: 250, tsMs: t0 }, { id: 'PH2', occ: 800, vac: 0, tsMs: t0 }, { id: 'GHOST', occ: 1, vac: 1, tsMs: t0 }])]);
    await th.hub.gateway.pollNow('garages');
    const ph1 = th.hub.families.parking.entities.get('PH1') as ParkingEntity;
    expect([ph1.name, ph1.zone, ph1.capacity, ph1.occupied, ph1.vacant, ph1.status, ph1.trend]).toEqual(['Parkhaus City', 'Innenstadt', 400, 150, 250, 'spacesAvailable', 'increasing']);
    expect((th.hub.families.parking.entities.get('PH2') as ParkingEntity).status).toBe('full');
    const report = th.hub.gateway.sources().find((s) => s.id === 'garages')!.lastReport!;
    expect(report.taken).toEqual({ statuses: 2 });
    expect(report.rejected).toEqual([{ item: 'parking status GHOST', reason: 'unknown_device', detail: 'no meta announced for parking GHOST' }]);
    expect((await quarantined('city/v1/parking/GHOST/')).map((q) => q.reason)).toEqual(['unknown_device']);

    // Round trip into a second, empty hub: our table + status publications give the same garages.
    const xmlTable = await (await fetch(`${th.url}/api/open/datex2/parking-table`)).text();
    const xmlStatus = await (await fetch(`${th.url}/api/open/datex2/parking-status`)).text();
    expect(xmlStatus).toContain('<parkingStatusPublication>');
    const other = await startTestHub();
    try {
      await other.hub.gateway.importDocument('datex2', Buffer.from(xmlTable));
      const r = await other.hub.gateway.importDocument('datex2', Buffer.from(xmlStatus));
      expect(r.rejectedCount).toBe(0);
      for (const id of ['PH1', 'PH2']) {
        const a = th.hub.families.parking.entities.get(id) as ParkingEntity;
        const b = other.hub.families.parking.entities.get(id) as ParkingEntity;
        expect([b.occupied, b.vacant, b.capacity, b.status, b.tsMs]).toEqual([a.occupied, a.vacant, a.capacity, a.status, a.tsMs]);
      }
    } finally {
      await other.close();
    }
  });

  it('a malformed document raises source:{id}|malformed and a quarantine entry; the next good one clears it', async () => {
    served.set('/parking.xml', [200, '<html><body>Wartung</body></html>']);
    await th.hub.gateway.pollNow('garages');
    expect(isActive('source:garages|malformed')).toBe(true);
    const q = await quarantined('gateway/garages');
    expect(q.at(-1)).toMatchObject({ reason: 'malformed' });
    expect(q.at(-1)!.detail).toMatch(/not in a DATEX II namespace/);
    expect(q.at(-1)!.payload.toString()).toContain('Wartung');
    served.set('/rt.pb', [200, Buffer.from('this is not protobuf at all, no no')]);
    await th.hub.gateway.pollNow('dvg-rt');
    expect(isActive('source:dvg-rt|malformed')).toBe(true);
    served.set('/gtfs.zip', [200, 'PK but not really a zip']);
    await th.hub.gateway.pollNow('dvg');
    expect(isActive('source:dvg|malformed')).toBe(true);
    // The stored feed is untouched by the failed import.
    expect((await th.hub.store.gtfs.stops('dvg')).length).toBe(3);

    served.set('/parking.xml', [200, status([{ id: 'PH1', occ: 151, vac: 249, tsMs: Date.now() - 1000 }])]);
    await th.hub.gateway.pollNow('garages');
    expect(isActive('source:garages|malformed')).toBe(false);
    expect((th.hub.families.parking.entities.get('PH1') as ParkingEntity).occupied).toBe(151);
  });

  it('an unreachable source raises source:{id}|unreachable (once in quarantine), an HTTP error too, and recovers', async () => {
    await waitFor(() => isActive('source:down|unreachable'), 10_000, 'unreachable alarm');
    await th.hub.gateway.pollNow('down');
    const q = await quarantined('gateway/down');
    expect(q.length).toBe(1);
    expect(q[0]!.reason).toBe('unreachable');
    expect(q[0]!.detail).toMatch(/ECONNREFUSED/);

    served.set('/parking.xml', [503, 'busy']);
    await th.hub.gateway.pollNow('garages');
    expect(isActive('source:garages|unreachable')).toBe(true);
    served.set('/parking.xml', [200, status([{ id: 'PH1', occ: 152, vac: 248, tsMs: Date.now() - 500 }])]);
    await th.hub.gateway.pollNow('garages');
    expect(isActive('source:garages|unreachable')).toBe(false);
  });

  it('SensorThings observations over MQTT (the hub’s Aedes broker) become environment stations; unmapped ones are quarantined', async () => {
    const c = await mqtt.connectAsync(th.hub.mqttUrl);
    try {
      const t = new Date(Date.now() - 5000).toISOString();
      await c.publishAsync('v1.1/Datastreams(7)/Observations', JSON.stringify({ '@iot.id': 1, phenomenonTime: t, result: 12.5 }));
      await c.publishAsync('v1.1/Datastreams(8)/Observations', JSON.stringify({ '@iot.id': 2, phenomenonTime: t, result: '31' }));
      const st = await waitFor(() => {
        const e = th.hub.families.environment.entities.get('udp-1') as EnvStationEntity | undefined;
        return e && e.values.no2UgM3 !== undefined ? e : null;
      }, 5000, 'sensor station');
      expect(st).toMatchObject({ kind: 'weather', name: 'Urbane Datenplattform 1', lon: 6.76, lat: 51.43, values: { airTempC: 12.5, no2UgM3: 31 }, link: 'live', tsMs: Date.parse(t) });
      await c.publishAsync('v1.1/Datastreams(55)/Observations', JSON.stringify({ result: 1 }));
      await c.publishAsync('v1.1/Datastreams(7)/Observations', '{"result": ');
      await waitFor(() => isActive('source:udp|malformed'), 5000, 'malformed observation alarm');
      const q = await quarantined('gateway/udp');
      expect(q.map((x) => x.reason).sort()).toEqual(['malformed', 'unknown_device']);
      expect(q.find((x) => x.reason === 'unknown_device')!.detail).toMatch(/datastream 55 has no mapping/);
      await th.hub.store.flush();
      expect(await th.hub.store.latest('sensorthings:udp-1', 'airTempC')).toEqual({ tsMs: Date.parse(t), value: 12.5 });
    } finally {
      await c.endAsync();
    }
  });
});

describe('open data API', () => {
  it('lists every dataset, and every one answers without a login and without personal fields', async () => {
    const idx = (await (await fetch(`${th.url}/api/open`)).json()) as OpenIndex;
    expect(idx.datasets.length).toBeGreaterThanOrEqual(10);
    for (const d of idx.datasets) {
      expect(Object.keys(d).sort()).toEqual(expect.arrayContaining(['format', 'id', 'licence', 'title', 'updateSec', 'url']));
      const url = d.id === 'history' ? `${d.url}?entity=parking:PH1&metric=occupied&fromMs=${Date.now() - 3_600_000}&toMs=${Date.now()}&format=json` : d.url;
      const res = await fetch(`${th.url}${url}`);
      expect(res.status, d.id).toBe(200);
      const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
      // No account, session or operator data: nothing of the admin, no alarm actors, no user fields.
      for (const bad of [th.admin.username, 'username', 'password', 'ackedBy', 'principal', 'email']) expect(body, `${d.id} contains ${bad}`).not.toContain(bad);
    }
    const parking = (await (await fetch(`${th.url}/api/open/geojson/parking`)).json()) as { type: string; features: { id: string; properties: Record<string, unknown> }[] };
    expect(parking.type).toBe('FeatureCollection');
    expect(parking.features.find((f) => f.id === 'PH1')!.properties).toMatchObject({ name: 'Parkhaus City', capacity: 400 });
    const csv = await fetch(`${th.url}/api/open/history?entity=parking:PH1&metric=occupied&fromMs=${Date.now() - 3_600_000}`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[0]).toBe('ts_iso,ts_ms,value');
    // Private series are not downloadable.
    const denied = await fetch(`${th.url}/api/open/history?entity=transit:dvg-4711&metric=lat&fromMs=0`);
    expect(denied.status).toBe(404);
  });
});

describe('open data rate limit', () => {
  it('answers 429 with Retry-After past 60 requests a minute from one address', async () => {
    const hub = await startTestHub();
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 62; i++) {
        const r = await fetch(`${hub.url}/api/open`);
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
        await r.body?.cancel();
      }
      expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(60)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await hub.close();
    }
  });
});

describe('npm run import', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ['server/gateway/import-cli.ts', ...args], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('exit', (code) => resolve({ code, out }));
    });

  it('imports one document through the hub path and prints what it took and rejected, and why', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gw-cli-'));
    try {
      const env = { DATA_DIR: d, MQTT_URL: '', MQTT_PORT: '0', LOG_LEVEL: 'silent', SOURCES_FILE: join(d, 'none.json') };
      writeFileSync(join(d, 'table.xml'), table([{ id: 'A1', name: 'Altstadt', cap: 100 }]).replace('<parkingNumberOfSpaces>100</parkingNumberOfSpaces>', ''));
      writeFileSync(join(d, 'feed.zip'), zip(tinyGtfsFeed()));
      const gtfs = await cli(['gtfs', join(d, 'feed.zip'), '--wait-ms', '50'], env);
      expect(gtfs.code).toBe(0);
      expect(gtfs.out).toContain('taken: 3 stops, 1 routes, 24 trips, 72 stopTimes, 5 shapes, 1 calendar, 1 lines');
      const bad = await cli(['datex2', join(d, 'table.xml'), '--wait-ms', '50'], env);
      expect(bad.code).toBe(0);
      expect(bad.out).toContain('- parking site A1: schema: parkingRecord without parkingNumberOfSpaces');
      writeFileSync(join(d, 'junk.xml'), '<<<');
      const junk = await cli(['datex2', join(d, 'junk.xml'), '--wait-ms', '50'], env);
      expect(junk.code).toBe(1);
      expect(junk.out).toMatch(/document: malformed: not well-formed XML/);
      expect((await cli(['siri', 'x'], env)).code).toBe(2);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);
});
