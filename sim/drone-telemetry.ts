/**
 * Telemetry tracks of real flights, for replaying a recorded drone video with its pose:
 *
 * - DJI SRT subtitles (the per-frame caption DJI drones write beside the video): cue times, and in
 *   square brackets `latitude`, `longitude`, `altitude` or `rel_alt`/`abs_alt`, optionally the
 *   gimbal's `gb_yaw`/`gb_pitch`, and `focal_len` (35 mm equivalent, in 0.1 mm on some models).
 *   Older firmwares write `GPS(lon,lat,alt)`; both are read.
 * - MAVLink logs (a raw stream of MAVLink v1/v2 packets, e.g. a telemetry log): GLOBAL_POSITION_INT
 *   (#33) and ATTITUDE (#30), CRC-checked with their CRC_EXTRA (MAVLink 2 spec, "CRC_EXTRA"),
 *   v2 payloads zero-extended (the spec's payload truncation), signed packets skipped past.
 *
 * Pure functions on strings/bytes; the replay (sim/drone-replay.ts) interpolates the track to the
 * frame times.
 */

export interface TrackSample {
  /** Time since the start of the track (video time), ms. */
  tMs: number;
  lon: number;
  lat: number;
  /** Height above the take-off point, m. */
  altM: number;
  /** Airframe heading, deg clockwise from north; null when the source has none. */
  headingDeg: number | null;
  /** Gimbal pitch/yaw (earth frame) if the source has them. */
  pitchDeg: number | null;
  yawDeg: number | null;
  /** Horizontal field of view from the focal length, if given. */
  hfovDeg: number | null;
  /** False for a MAVLink position without a GPS fix (lat = lon = 0 by the spec's convention). */
  fix?: boolean;
}

const srtTime = (s: string): number | null => {
  const m = /(\d+):(\d{2}):(\d{2})[,.](\d{1,3})/.exec(s);
  if (!m) return null;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]!.padEnd(3, '0'));
};

/** 35 mm equivalent focal length -> horizontal field of view (36 mm wide frame). */
export const hfovFromFocal35 = (mm: number): number => (2 * Math.atan(36 / (2 * mm)) * 180) / Math.PI;

export function parseDjiSrt(text: string): TrackSample[] {
  const out: TrackSample[] = [];
  // Cues are separated by blank lines; the first line is the index, the second the times.
  for (const block of text.replace(/\r/g, '').split(/\n\s*\n/)) {
    const lines = block.trim().split('\n');
    const timeLine = lines.find((l) => l.includes('-->'));
    if (!timeLine) continue;
    const tMs = srtTime(timeLine.split('-->')[0]!);
    if (tMs === null) continue;
    const body = lines.slice(lines.indexOf(timeLine) + 1).join(' ');
    const kv = new Map<string, number>();
    for (const br of body.matchAll(/\[([^\]]*)\]/g)) {
      for (const m of br[1]!.matchAll(/([A-Za-z_]+)\s*:\s*(-?\d+(?:\.\d+)?)/g)) kv.set(m[1]!.toLowerCase(), Number(m[2]));
    }
    const gps = /GPS\s*\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)/.exec(body);
    const lat = kv.get('latitude') ?? kv.get('lat') ?? (gps ? Number(gps[2]) : undefined);
    const lon = kv.get('longitude') ?? kv.get('lon') ?? kv.get('longtitude') ?? (gps ? Number(gps[1]) : undefined);
    if (lat === undefined || lon === undefined || Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) continue;
    const alt = kv.get('rel_alt') ?? kv.get('altitude') ?? (gps ? Number(gps[3]) : 0);
    let focal = kv.get('focal_len');
    // Some models write the focal length in tenths of a millimetre (focal_len : 240 = 24 mm).
    if (focal !== undefined && focal > 100) focal /= 10;
    out.push({
      tMs,
      lon,
      lat,
      altM: alt,
      headingDeg: null,
      pitchDeg: kv.has('gb_pitch') ? kv.get('gb_pitch')! : null,
      yawDeg: kv.has('gb_yaw') ? ((kv.get('gb_yaw')! % 360) + 360) % 360 : null,
      hfovDeg: focal ? hfovFromFocal35(focal) : null,
    });
  }
  return out.sort((a, b) => a.tMs - b.tMs);
}

// ---- MAVLink ------------------------------------------------------------------------------------------

const MSG_ATTITUDE = 30;
const MSG_GLOBAL_POSITION_INT = 33;
/** CRC_EXTRA of the messages read (from the message definitions, common.xml). */
const CRC_EXTRA: Record<number, number> = { [MSG_ATTITUDE]: 39, [MSG_GLOBAL_POSITION_INT]: 104 };
const PAYLOAD_LEN: Record<number, number> = { [MSG_ATTITUDE]: 28, [MSG_GLOBAL_POSITION_INT]: 28 };

/** CRC-16/MCRF4XX (X.25) as MAVLink uses it. */
function crcAccumulate(b: number, crc: number): number {
  let tmp = b ^ (crc & 0xff);
  tmp = (tmp ^ (tmp << 4)) & 0xff;
  return ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xffff;
}

export interface MavlinkStats {
  packets: number;
  badCrc: number;
  positions: number;
  attitudes: number;
}

/**
 * GLOBAL_POSITION_INT with the latest ATTITUDE before it; times relative to the first position.
 * Positions without a GPS fix are kept (fix: false): a replay can anchor such a flight with --at.
 */
export function parseMavlink(buf: Uint8Array, stats?: MavlinkStats): TrackSample[] {
  const out: TrackSample[] = [];
  let att: { yawDeg: number; pitchDeg: number } | null = null;
  let t0: number | null = null;
  let i = 0;
  const payload = new Uint8Array(255);
  const dv = new DataView(payload.buffer);
  while (i < buf.length) {
    const stx = buf[i]!;
    if (stx !== 0xfd && stx !== 0xfe) {
      i++;
      continue;
    }
    const v2 = stx === 0xfd;
    const hdr = v2 ? 10 : 6;
    if (i + hdr + 2 > buf.length) break;
    const len = buf[i + 1]!;
    const incompat = v2 ? buf[i + 2]! : 0;
    const msgid = v2 ? buf[i + 7]! | (buf[i + 8]! << 8) | (buf[i + 9]! << 16) : buf[i + 5]!;
    const sigLen = v2 && incompat & 0x01 ? 13 : 0;
    const total = hdr + len + 2 + sigLen;
    if (i + total > buf.length) break;
    const extra = CRC_EXTRA[msgid];
    if (extra === undefined) {
      // Not a message we read: skip it whole (its CRC cannot be checked without its CRC_EXTRA, so
      // a false start inside another packet's payload is possible; the CRC of ours guards them).
      i += total;
      if (stats) stats.packets++;
      continue;
    }
    let crc = 0xffff;
    for (let k = 1; k < hdr + len; k++) crc = crcAccumulate(buf[i + k]!, crc);
    crc = crcAccumulate(extra, crc);
    const got = buf[i + hdr + len]! | (buf[i + hdr + len + 1]! << 8);
    if (got !== crc) {
      if (stats) stats.badCrc++;
      i++;
      continue;
    }
    if (stats) stats.packets++;
    payload.fill(0, 0, PAYLOAD_LEN[msgid]!);
    payload.set(buf.subarray(i + hdr, i + hdr + Math.min(len, PAYLOAD_LEN[msgid]!)));
    if (msgid === MSG_ATTITUDE) {
      att = { pitchDeg: (dv.getFloat32(8, true) * 180) / Math.PI, yawDeg: ((((dv.getFloat32(12, true) * 180) / Math.PI) % 360) + 360) % 360 };
      if (stats) stats.attitudes++;
    } else {
      const timeBootMs = dv.getUint32(0, true);
      const lat = dv.getInt32(4, true) / 1e7;
      const lon = dv.getInt32(8, true) / 1e7;
      const relAltM = dv.getInt32(16, true) / 1000;
      const hdg = dv.getUint16(26, true);
      if (stats) stats.positions++;
      if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        t0 ??= timeBootMs;
        out.push({
          tMs: timeBootMs - t0,
          lon,
          lat,
          altM: relAltM,
          headingDeg: hdg === 0xffff ? (att?.yawDeg ?? null) : hdg / 100,
          pitchDeg: null,
          yawDeg: null,
          hfovDeg: null,
          fix: !(lat === 0 && lon === 0),
        });
      }
    }
    i += total;
  }
  return out;
}

// ---- interpolation ------------------------------------------------------------------------------------

const lerpAngle = (a: number, b: number, k: number): number => {
  const d = ((((b - a) % 360) + 540) % 360) - 180;
  return (((a + d * k) % 360) + 360) % 360;
};

/** Bearing a->b, deg, flat-earth (samples are metres apart). */
const bearing = (a: TrackSample, b: TrackSample): number => {
  const dx = (b.lon - a.lon) * Math.cos((a.lat * Math.PI) / 180);
  const dy = b.lat - a.lat;
  return (((Math.atan2(dx, dy) * 180) / Math.PI) % 360 + 360) % 360;
};

/**
 * The pose at `tMs`: linear between the samples around it (angles the short way round), held at
 * the ends. A heading missing from the source is the direction of travel.
 */
export function interpolateTrack(track: readonly TrackSample[], tMs: number): TrackSample | null {
  if (track.length === 0) return null;
  let lo = 0;
  let hi = track.length - 1;
  if (tMs <= track[0]!.tMs) return withHeading(track, 0, track[0]!);
  if (tMs >= track[hi]!.tMs) return withHeading(track, hi, track[hi]!);
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (track[mid]!.tMs <= tMs) lo = mid;
    else hi = mid;
  }
  const a = withHeading(track, lo, track[lo]!);
  const b = withHeading(track, hi, track[hi]!);
  const k = (tMs - a.tMs) / Math.max(1, b.tMs - a.tMs);
  const ang = (x: number | null, y: number | null) => (x === null || y === null ? (x ?? y) : lerpAngle(x, y, k));
  return {
    tMs,
    lon: a.lon + (b.lon - a.lon) * k,
    lat: a.lat + (b.lat - a.lat) * k,
    altM: a.altM + (b.altM - a.altM) * k,
    headingDeg: ang(a.headingDeg, b.headingDeg),
    pitchDeg: a.pitchDeg === null || b.pitchDeg === null ? (a.pitchDeg ?? b.pitchDeg) : a.pitchDeg + (b.pitchDeg - a.pitchDeg) * k,
    yawDeg: ang(a.yawDeg, b.yawDeg),
    hfovDeg: a.hfovDeg ?? b.hfovDeg,
  };
}

function withHeading(track: readonly TrackSample[], i: number, s: TrackSample): TrackSample {
  if (s.headingDeg !== null) return s;
  // Direction of travel from the neighbours that are at least ~1 m apart.
  for (let j = i + 1; j < track.length; j++) {
    const n = track[j]!;
    if (Math.abs(n.lat - s.lat) + Math.abs(n.lon - s.lon) > 1e-5) return { ...s, headingDeg: bearing(s, n) };
  }
  for (let j = i - 1; j >= 0; j--) {
    const p = track[j]!;
    if (Math.abs(p.lat - s.lat) + Math.abs(p.lon - s.lon) > 1e-5) return { ...s, headingDeg: bearing(p, s) };
  }
  return { ...s, headingDeg: 0 };
}
