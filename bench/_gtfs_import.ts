/**
 * Child of bench/gtfs-import.ts: one measured run in a fresh process, so its peak RSS is its own.
 *   node bench/_gtfs_import.ts stream FEED.zip DATA_DIR   -> the gateway's streaming import into SQLite
 *   node bench/_gtfs_import.ts whole  FEED.zip            -> reference: every file inflated into memory and split into rows
 *   node bench/_gtfs_import.ts none   FEED.zip DATA_DIR   -> baseline: the same modules loaded and the store opened, nothing imported
 * Prints one JSON line {ms, rows, maxRssMiB}.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { importGtfsZip } from '../server/gateway/gtfs-static.ts';
import { SqliteStore } from '../server/store/sqlite.ts';

const [mode, feed, dataDir] = process.argv.slice(2);
const t0 = performance.now();
let rows = 0;
if (mode === 'none') {
  const store = new SqliteStore(dataDir!);
  await store.close();
} else if (mode === 'stream') {
  const store = new SqliteStore(dataDir!);
  const rb = await importGtfsZip(feed!, 'bench', store.gtfs, Date.now());
  rows = Object.values(rb.report.taken).reduce((a, b) => a + b, 0);
  await store.close();
} else {
  // What a non-streaming importer does: the whole zip, every entry inflated, every line split.
  const buf = readFileSync(feed!);
  let p = 0;
  const held: string[][] = [];
  while (buf.readUInt32LE(p) === 0x04034b50) {
    const size = buf.readUInt32LE(p + 18);
    const nameLen = buf.readUInt16LE(p + 26);
    const extra = buf.readUInt16LE(p + 28);
    const start = p + 30 + nameLen + extra;
    const lines = inflateRawSync(buf.subarray(start, start + size)).toString('utf8').split('\n');
    held.push(lines);
    rows += lines.length - 2;
    p = start + size;
  }
}
console.log(JSON.stringify({ ms: Math.round(performance.now() - t0), rows, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
