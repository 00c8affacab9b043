/**
 * GTFS static in: a feed zip, read entry by entry with yauzl (a zip's directory is at its end, so a
 * downloaded feed is written to a temporary file first, never held in memory) and each CSV file
 * streamed through csv-parse into the store in batches. A 50 MB feed thus needs the memory of one
 * batch, not of the feed. Files and fields per the GTFS Schedule reference (gtfs.org/schedule/reference).
 */
import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { GtfsRowOf, GtfsStore, GtfsTable, GtfsWriter } from '../store/gtfs-types.ts';
import { MalformedDocument, ReportBuilder } from './report.ts';

/** Rows per store batch: bounds memory during an import and the time one batch holds the event loop. */
export const GTFS_BATCH_ROWS = 2000;

const FILES: Record<string, GtfsTable> = {
  'stops.txt': 'stops',
  'routes.txt': 'routes',
  'trips.txt': 'trips',
  'stop_times.txt': 'stopTimes',
  'shapes.txt': 'shapes',
  'calendar.txt': 'calendar',
};
/** GTFS Schedule: required files (calendar.txt is conditionally required, shapes.txt optional). */
const REQUIRED: GtfsTable[] = ['stops', 'routes', 'trips', 'stopTimes'];

/** "HH:MM:SS" (hours may exceed 23) -> seconds; '' -> null; anything else throws. */
export function gtfsTimeSec(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '') return null;
  const m = /^\s*(\d{1,2}):([0-5]\d):([0-5]\d)\s*$/.exec(s);
  if (!m) throw new Error(`time ${JSON.stringify(s)} is not HH:MM:SS`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

type Rec = Record<string, string | undefined>;
const req = (r: Rec, k: string): string => {
  const v = r[k];
  if (v === undefined || v === '') throw new Error(`${k} is missing`);
  return v;
};
const numOf = (r: Rec, k: string, lo: number, hi: number): number => {
  const v = Number(req(r, k));
  if (!Number.isFinite(v) || v < lo || v > hi) throw new Error(`${k} ${r[k]} is not a number in [${lo}, ${hi}]`);
  return v;
};
const opt = (r: Rec, k: string): string | null => (r[k] === undefined || r[k] === '' ? null : r[k]!);
const intOpt = (r: Rec, k: string): number | null => {
  const v = opt(r, k);
  if (v === null) return null;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${k} ${v} is not an integer`);
  return n;
};

/** One CSV record -> a row of its table (throws with the reason when a required field is bad). */
export const ROW: { [T in GtfsTable]: (r: Rec) => GtfsRowOf[T] | null } = {
  stops: (r) => {
    // location_type 3/4 (generic nodes, boarding areas) carry no coordinates: not stops for us.
    const lt = intOpt(r, 'location_type') ?? 0;
    if (lt === 3 || lt === 4) return null;
    return { stopId: req(r, 'stop_id'), name: opt(r, 'stop_name') ?? req(r, 'stop_id'), lat: numOf(r, 'stop_lat', -90, 90), lon: numOf(r, 'stop_lon', -180, 180) };
  },
  routes: (r) => ({
    routeId: req(r, 'route_id'),
    agencyId: opt(r, 'agency_id'),
    shortName: opt(r, 'route_short_name'),
    longName: opt(r, 'route_long_name'),
    routeType: numOf(r, 'route_type', 0, 1702),
    color: opt(r, 'route_color'),
  }),
  trips: (r) => ({
    tripId: req(r, 'trip_id'),
    routeId: req(r, 'route_id'),
    serviceId: req(r, 'service_id'),
    headsign: opt(r, 'trip_headsign'),
    directionId: intOpt(r, 'direction_id'),
    shapeId: opt(r, 'shape_id'),
  }),
  stopTimes: (r) => ({
    tripId: req(r, 'trip_id'),
    stopSequence: numOf(r, 'stop_sequence', 0, 1e9),
    stopId: req(r, 'stop_id'),
    arrivalSec: gtfsTimeSec(r.arrival_time),
    departureSec: gtfsTimeSec(r.departure_time),
  }),
  shapes: (r) => ({ shapeId: req(r, 'shape_id'), seq: numOf(r, 'shape_pt_sequence', 0, 1e9), lat: numOf(r, 'shape_pt_lat', -90, 90), lon: numOf(r, 'shape_pt_lon', -180, 180) }),
  calendar: (r) => ({
    serviceId: req(r, 'service_id'),
    days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => (r[d] === '1' ? '1' : '0')).join(''),
    startDate: req(r, 'start_date'),
    endDate: req(r, 'end_date'),
  }),
};

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (err, zf) => (err ? reject(new MalformedDocument(`not a zip file: ${err.message}`)) : resolve(zf))),
  );
}

function entryStream(zf: yauzl.ZipFile, e: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zf.openReadStream(e, (err, s) => (err ? reject(new MalformedDocument(`${e.fileName}: ${err.message}`)) : resolve(s))));
}

/** Streams one CSV entry into the writer; returns rows taken. */
async function importEntry(stream: Readable, file: string, table: GtfsTable, w: GtfsWriter, rb: ReportBuilder): Promise<number> {
  const parser = stream.pipe(parse({ columns: (h: string[]) => h.map((x) => x.trim()), bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }));
  let batch: GtfsRowOf[GtfsTable][] = [];
  let n = 0;
  let line = 1;
  try {
    for await (const rec of parser as AsyncIterable<Rec>) {
      line++;
      try {
        const row = ROW[table](rec);
        if (!row) continue;
        batch.push(row);
        n++;
      } catch (err) {
        rb.reject(`${file} line ${line}`, 'schema', (err as Error).message);
        continue;
      }
      if (batch.length >= GTFS_BATCH_ROWS) {
        await w.add(table, batch);
        batch = [];
      }
    }
  } catch (err) {
    throw new MalformedDocument(`${file}: ${(err as Error).message}`);
  }
  if (batch.length) await w.add(table, batch);
  return n;
}

/**
 * Imports the feed zip at `path` as feed `feedId` (replacing it). Throws MalformedDocument when the
 * file is not a zip, a required file is missing or a CSV cannot be parsed; the feed is then
 * left as it was before (rows of the failed import are removed).
 */
export async function importGtfsZip(path: string, feedId: string, store: GtfsStore, nowMs: number): Promise<ReportBuilder> {
  const rb = new ReportBuilder('gtfs');
  const zf = await openZip(path);
  const w = await store.beginImport(feedId);
  const seen = new Set<GtfsTable>();
  try {
    await new Promise<void>((resolve, reject) => {
      zf.on('error', (err: Error) => reject(new MalformedDocument(`zip: ${err.message}`)));
      zf.on('end', () => resolve());
      zf.on('entry', (e: yauzl.Entry) => {
        // Some feeds are zipped with a folder inside: take the base name.
        const base = e.fileName.split('/').at(-1)!;
        const table = Object.hasOwn(FILES, base) ? FILES[base] : undefined;
        if (!table || seen.has(table)) return zf.readEntry();
        seen.add(table);
        entryStream(zf, e)
          .then((s) => importEntry(s, base, table, w, rb))
          .then((n) => {
            rb.take(table, n);
            zf.readEntry();
          })
          .catch(reject);
      });
      zf.readEntry();
    });
    const missing = REQUIRED.filter((t) => !seen.has(t));
    if (missing.length) throw new MalformedDocument(`not a GTFS feed: missing ${missing.map((t) => Object.keys(FILES).find((f) => FILES[f] === t)).join(', ')}`);
    await w.commit(rb.report.taken, nowMs);
  } catch (err) {
    zf.close();
    await w.abort();
    throw err;
  }
  return rb;
}
