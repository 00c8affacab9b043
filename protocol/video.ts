/**
 * The drone's live video: one JPEG frame per binary MQTT message, with a small fixed header that
 * carries the camera pose at capture time, so every frame can be put on the map by itself.
 *
 *   city/v1/drone/{droneId}/video   QoS 0, not retained   VideoFrame (binary, NOT JSON)
 *
 * Layout (little endian; offsets in bytes):
 *    0  magic        4 × u8   "DRVF"
 *    4  version      u8       1
 *    5  flags        u8       0 (reserved)
 *    6  headerLen    u16      offset of the JPEG bytes (>= 65 + idLen; readers skip unknown fields)
 *    8  frameNo      u32      per drone, wraps
 *   12  captureTsMs  f64      device time of capture, ms since the epoch (UTC)
 *   20  lon          f64      degrees
 *   28  lat          f64      degrees
 *   36  altM         f32      height above ground (take-off point), m
 *   40  headingDeg   f32      airframe heading, clockwise from true north
 *   44  pitchDeg     f32      camera pitch, 0 horizon, -90 nadir (as protocol/drone.ts CameraPose)
 *   48  yawDeg       f32      camera yaw, earth frame, clockwise from true north
 *   52  hfovDeg      f32
 *   56  vfovDeg      f32
 *   60  width        u16      pixels of the JPEG
 *   62  height       u16
 *   64  idLen        u8       length of the drone id that follows (ASCII, [A-Za-z0-9_-]{1,64})
 *   65  droneId      idLen × u8
 *   headerLen..end  JPEG (starts with SOI FF D8)
 *
 * The same bytes travel to the dashboard unchanged as the binary attachment of the Socket.IO event
 * `videoFrame` (namespace VIDEO_NAMESPACE): the hub reads the header, never the JPEG.
 *
 * decodeVideoHeader is total: any byte sequence gives either a header or a typed error, never a
 * throw (fuzzed in video.test.ts).
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

export const VIDEO_MAGIC = [0x44, 0x52, 0x56, 0x46] as const; // "DRVF"
export const VIDEO_VERSION = 1;
/** Fixed part of the header, before the drone id. */
export const VIDEO_FIXED_HEADER_BYTES = 65;
/** A frame larger than this is refused unread (a 1280×720 JPEG at q75 is ~100-250 kB). */
export const MAX_VIDEO_FRAME_BYTES = 2 * 1024 * 1024;
export const MAX_VIDEO_DIMENSION = 8192;

export const videoTopic = (droneId: string) => `${TOPIC_ROOT}/drone/${droneId}/video`;
/** Socket.IO namespace of the video relay: its own connection, so frames never delay the deltas. */
export const VIDEO_NAMESPACE = '/video';

export interface VideoFrameHeader {
  version: number;
  droneId: string;
  frameNo: number;
  captureTsMs: number;
  lon: number;
  lat: number;
  altM: number;
  headingDeg: number;
  pitchDeg: number;
  yawDeg: number;
  hfovDeg: number;
  vfovDeg: number;
  width: number;
  height: number;
}

export type VideoDecodeError =
  | 'too_short'
  | 'too_large'
  | 'bad_magic'
  | 'bad_version'
  | 'bad_header_length'
  | 'bad_drone_id'
  | 'bad_field'
  | 'not_jpeg';

export type VideoDecodeResult =
  | { ok: true; header: VideoFrameHeader; /** Offset of the JPEG bytes in the buffer. */ jpegOffset: number; jpegBytes: number }
  | { ok: false; error: VideoDecodeError; detail: string };

const fail = (error: VideoDecodeError, detail: string): VideoDecodeResult => ({ ok: false, error, detail });

/**
 * Reads the header of a frame (the JPEG itself is only checked for its SOI marker). `buf` may be a
 * view into a larger buffer (Node's Buffer pool): offsets are relative to the view.
 */
export function decodeVideoHeader(buf: Uint8Array): VideoDecodeResult {
  if (!(buf instanceof Uint8Array)) return fail('too_short', 'not a byte array');
  const n = buf.byteLength;
  if (n > MAX_VIDEO_FRAME_BYTES) return fail('too_large', `${n} bytes > ${MAX_VIDEO_FRAME_BYTES}`);
  if (n < VIDEO_FIXED_HEADER_BYTES + 1 + 2) return fail('too_short', `${n} bytes, header alone needs ${VIDEO_FIXED_HEADER_BYTES + 1}`);
  for (let i = 0; i < 4; i++) if (buf[i] !== VIDEO_MAGIC[i]) return fail('bad_magic', 'frame does not start with "DRVF"');
  const dv = new DataView(buf.buffer, buf.byteOffset, n);
  const version = dv.getUint8(4);
  if (version !== VIDEO_VERSION) return fail('bad_version', `version ${version}, this hub reads ${VIDEO_VERSION}`);
  const headerLen = dv.getUint16(6, true);
  const idLen = dv.getUint8(64);
  if (idLen < 1 || idLen > 64) return fail('bad_drone_id', `drone id length ${idLen}`);
  if (headerLen < VIDEO_FIXED_HEADER_BYTES + idLen || headerLen > n - 2) return fail('bad_header_length', `header length ${headerLen} for ${n} bytes with id length ${idLen}`);
  let droneId = '';
  for (let i = 0; i < idLen; i++) {
    const c = buf[VIDEO_FIXED_HEADER_BYTES + i]!;
    // [A-Za-z0-9_-] only: the id is used in file names and topic levels.
    const okChar = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!okChar) return fail('bad_drone_id', 'drone id must match [A-Za-z0-9_-]{1,64}');
    droneId += String.fromCharCode(c);
  }
  const h: VideoFrameHeader = {
    version,
    droneId,
    frameNo: dv.getUint32(8, true),
    captureTsMs: dv.getFloat64(12, true),
    lon: dv.getFloat64(20, true),
    lat: dv.getFloat64(28, true),
    altM: dv.getFloat32(36, true),
    headingDeg: dv.getFloat32(40, true),
    pitchDeg: dv.getFloat32(44, true),
    yawDeg: dv.getFloat32(48, true),
    hfovDeg: dv.getFloat32(52, true),
    vfovDeg: dv.getFloat32(56, true),
    width: dv.getUint16(60, true),
    height: dv.getUint16(62, true),
  };
  const bad = badField(h);
  if (bad) return fail('bad_field', bad);
  if (buf[headerLen] !== 0xff || buf[headerLen + 1] !== 0xd8) return fail('not_jpeg', 'payload after the header is not a JPEG (no SOI marker)');
  return { ok: true, header: h, jpegOffset: headerLen, jpegBytes: n - headerLen };
}

function badField(h: VideoFrameHeader): string | null {
  const fin = Number.isFinite;
  if (!fin(h.captureTsMs) || h.captureTsMs < 0 || h.captureTsMs > 1e14) return `captureTsMs ${h.captureTsMs}`;
  if (!fin(h.lon) || Math.abs(h.lon) > 180) return `lon ${h.lon}`;
  if (!fin(h.lat) || Math.abs(h.lat) > 90) return `lat ${h.lat}`;
  if (!fin(h.altM) || h.altM < -50 || h.altM > 10_000) return `altM ${h.altM}`;
  if (!fin(h.headingDeg) || h.headingDeg < 0 || h.headingDeg > 360) return `headingDeg ${h.headingDeg}`;
  if (!fin(h.pitchDeg) || h.pitchDeg < -90 || h.pitchDeg > 90) return `pitchDeg ${h.pitchDeg}`;
  if (!fin(h.yawDeg) || h.yawDeg < 0 || h.yawDeg > 360) return `yawDeg ${h.yawDeg}`;
  if (!fin(h.hfovDeg) || h.hfovDeg <= 0 || h.hfovDeg > 180) return `hfovDeg ${h.hfovDeg}`;
  if (!fin(h.vfovDeg) || h.vfovDeg <= 0 || h.vfovDeg > 180) return `vfovDeg ${h.vfovDeg}`;
  if (h.width < 1 || h.width > MAX_VIDEO_DIMENSION || h.height < 1 || h.height > MAX_VIDEO_DIMENSION) return `size ${h.width}x${h.height}`;
  return null;
}

export type VideoFrameInput = Omit<VideoFrameHeader, 'version'>;

/** Header + JPEG in one buffer. Throws on invalid input (the encoder is ours: a bug, not bad data). */
export function encodeVideoFrame(h: VideoFrameInput, jpeg: Uint8Array): Uint8Array {
  if (!DEVICE_ID_RE.test(h.droneId)) throw new Error(`drone id must match [A-Za-z0-9_-]{1,64}, got ${h.droneId}`);
  const bad = badField({ ...h, version: VIDEO_VERSION });
  if (bad) throw new Error(`video frame header: ${bad}`);
  const headerLen = VIDEO_FIXED_HEADER_BYTES + h.droneId.length;
  const out = new Uint8Array(headerLen + jpeg.byteLength);
  out.set(VIDEO_MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint8(4, VIDEO_VERSION);
  dv.setUint8(5, 0);
  dv.setUint16(6, headerLen, true);
  dv.setUint32(8, h.frameNo >>> 0, true);
  dv.setFloat64(12, h.captureTsMs, true);
  dv.setFloat64(20, h.lon, true);
  dv.setFloat64(28, h.lat, true);
  dv.setFloat32(36, h.altM, true);
  dv.setFloat32(40, h.headingDeg, true);
  dv.setFloat32(44, h.pitchDeg, true);
  dv.setFloat32(48, h.yawDeg, true);
  dv.setFloat32(52, h.hfovDeg, true);
  dv.setFloat32(56, h.vfovDeg, true);
  dv.setUint16(60, h.width, true);
  dv.setUint16(62, h.height, true);
  dv.setUint8(64, h.droneId.length);
  for (let i = 0; i < h.droneId.length; i++) out[VIDEO_FIXED_HEADER_BYTES + i] = h.droneId.charCodeAt(i);
  out.set(jpeg, headerLen);
  return out;
}

// ---- Socket.IO (namespace VIDEO_NAMESPACE) ----------------------------------------------------------

export const VideoSubscribeRequest = z.object({
  /** Drones to receive; absent = every drone. */
  droneIds: z.array(z.string().regex(DEVICE_ID_RE)).max(16).optional(),
  /** Frames per second per drone this client wants at most (the hub sends the newest at that rate). */
  maxFps: z.number().min(0.2).max(30).default(10),
});
export type VideoSubscribeRequest = z.input<typeof VideoSubscribeRequest>;

export type VideoSubscribeResponse = { ok: true; maxFps: number; drones: string[] } | { ok: false; error: { code: string; message: string } };

export interface VideoServerToClientEvents {
  /**
   * One frame: the bytes of the MQTT payload (header + JPEG). The client calls `ack` once it has
   * taken the frame: the hub keeps at most a frame or two in flight per client and drops older
   * ones for newer (latest frame wins), so a slow client skips frames instead of queueing them.
   */
  videoFrame: (droneId: string, frame: ArrayBuffer | Uint8Array, ack: () => void) => void;
}

export interface VideoClientToServerEvents {
  videoSubscribe: (req: VideoSubscribeRequest, ack: (res: VideoSubscribeResponse) => void) => void;
  videoUnsubscribe: () => void;
}
