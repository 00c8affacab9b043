/**
 * A minimal zip writer for tests (PKWARE APPNOTE 6.3.x: local headers, deflated data, central
 * directory, end record): the tests build their own GTFS feeds instead of vendoring one.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export function zip(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const fname = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    parts.push(local, fname, packed);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(packed.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(fname.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, fname);
    offset += local.length + fname.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

/** A tiny GTFS feed: one tram line (two directions, three stops, a shape), weekday service every 10 min 6–8 h. */
export function tinyGtfsFeed(): Record<string, string> {
  const trips: string[] = ['route_id,service_id,trip_id,trip_headsign,direction_id,shape_id'];
  const times: string[] = ['trip_id,arrival_time,departure_time,stop_id,stop_sequence'];
  const hhmmss = (s: number) => [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60].map((x) => String(x).padStart(2, '0')).join(':');
  let n = 0;
  for (let t = 6 * 3600; t < 8 * 3600; t += 600) {
    for (const dir of [0, 1]) {
      const id = `T${++n}`;
      trips.push(`R901,WD,${id},${dir === 0 ? 'Hauptbahnhof' : 'Meiderich'},${dir},${dir === 0 ? 'S0' : ''}`);
      const stops = dir === 0 ? ['A', 'B', 'C'] : ['C', 'B', 'A'];
      stops.forEach((s, i) => times.push(`${id},${hhmmss(t + i * 180)},${hhmmss(t + i * 180 + (i === 1 ? 20 : 0))},${s},${i + 1}`));
    }
  }
  return {
    'agency.txt': 'agency_id,agency_name,agency_url,agency_timezone\nDVG,Duisburger Verkehrsgesellschaft,https://example.invalid,Europe/Berlin\n',
    'stops.txt': 'stop_id,stop_name,stop_lat,stop_lon\nA,Meiderich Bf,51.4650,6.7740\nB,"Duissern, Platz",51.4420,6.7800\nC,Hauptbahnhof,51.4300,6.7750\n',
    'routes.txt': 'route_id,agency_id,route_short_name,route_long_name,route_type,route_color\nR901,DVG,901,Meiderich - Hauptbahnhof,0,E30613\n',
    'trips.txt': trips.join('\n') + '\n',
    'stop_times.txt': times.join('\n') + '\n',
    'shapes.txt': 'shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nS0,51.4650,6.7740,1\nS0,51.4540,6.7770,2\nS0,51.4420,6.7800,3\nS0,51.4360,6.7790,4\nS0,51.4300,6.7750,5\n',
    'calendar.txt': 'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWD,1,1,1,1,1,0,0,20260101,20261231\n',
  };
}
