import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVideoHeader, encodeVideoFrame, MAX_VIDEO_FRAME_BYTES, VIDEO_FIXED_HEADER_BYTES, videoTopic, type VideoFrameInput } from './video.ts';
import { parseTopic } from './topics.ts';
import { isBinaryChannel } from './payloads.ts';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
const h: VideoFrameInput = {
  droneId: 'fw-du-uas1',
  frameNo: 4242,
  captureTsMs: 1_795_000_123_456,
  lon: 6.7682,
  lat: 51.4391,
  altM: 110,
  headingDeg: 271.5,
  pitchDeg: -36.25,
  yawDeg: 180,
  hfovDeg: 63,
  vfovDeg: 37.5,
  width: 1280,
  height: 720,
};

describe('video frame header', () => {
  it('round-trips every field (f64 position exact, f32 angles to float precision) and points at the JPEG', () => {
    const buf = encodeVideoFrame(h, JPEG);
    expect(buf.byteLength).toBe(VIDEO_FIXED_HEADER_BYTES + h.droneId.length + JPEG.length);
    const r = decodeVideoHeader(buf);
    if (!r.ok) throw new Error(r.detail);
    expect(r.header).toEqual({ ...h, version: 1 });
    expect([...buf.subarray(r.jpegOffset)]).toEqual([...JPEG]);
    expect(r.jpegBytes).toBe(JPEG.length);
  });

  it('reads a frame that is a view into a larger buffer (Node Buffer pool offsets)', () => {
    const frame = encodeVideoFrame(h, JPEG);
    const big = new Uint8Array(frame.length + 100);
    big.set(frame, 37);
    const r = decodeVideoHeader(big.subarray(37, 37 + frame.length));
    expect(r.ok && r.header.frameNo).toBe(4242);
  });

  it('gives typed errors for each kind of damage', () => {
    const good = encodeVideoFrame(h, JPEG);
    const mut = (f: (b: Uint8Array, dv: DataView) => void) => {
      const b = good.slice();
      f(b, new DataView(b.buffer));
      return decodeVideoHeader(b);
    };
    expect(decodeVideoHeader(good.subarray(0, 20))).toMatchObject({ ok: false, error: 'too_short' });
    expect(mut((b) => (b[0] = 0x7b))).toMatchObject({ ok: false, error: 'bad_magic' });
    expect(mut((b) => (b[4] = 9))).toMatchObject({ ok: false, error: 'bad_version' });
    expect(mut((_, dv) => dv.setUint16(6, 10, true))).toMatchObject({ ok: false, error: 'bad_header_length' });
    expect(mut((_, dv) => dv.setUint16(6, 60000, true))).toMatchObject({ ok: false, error: 'bad_header_length' });
    expect(mut((b) => (b[VIDEO_FIXED_HEADER_BYTES] = 0x2f))).toMatchObject({ ok: false, error: 'bad_drone_id' });
    expect(mut((b) => (b[64] = 0))).toMatchObject({ ok: false, error: 'bad_drone_id' });
    expect(mut((_, dv) => dv.setFloat64(28, Number.NaN, true))).toMatchObject({ ok: false, error: 'bad_field' });
    expect(mut((_, dv) => dv.setFloat32(44, -120, true))).toMatchObject({ ok: false, error: 'bad_field' });
    expect(mut((_, dv) => dv.setUint16(60, 0, true))).toMatchObject({ ok: false, error: 'bad_field' });
    expect(mut((b) => (b[b.length - JPEG.length] = 0x00))).toMatchObject({ ok: false, error: 'not_jpeg' });
    const huge = new Uint8Array(MAX_VIDEO_FRAME_BYTES + 1);
    huge.set(good);
    expect(decodeVideoHeader(huge)).toMatchObject({ ok: false, error: 'too_large' });
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeVideoFrame({ ...h, droneId: 'a/b' }, JPEG)).toThrow(/drone id/);
    expect(() => encodeVideoFrame({ ...h, lat: 91 }, JPEG)).toThrow(/lat/);
  });

  it('fuzz: arbitrary bytes never throw, and always give ok or a known error', () => {
    const errors = new Set(['too_short', 'too_large', 'bad_magic', 'bad_version', 'bad_header_length', 'bad_drone_id', 'bad_field', 'not_jpeg']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const r = decodeVideoHeader(bytes);
        return r.ok || errors.has(r.error);
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: a valid frame with random bytes overwritten never throws; intact headers decode to the input', () => {
    const good = encodeVideoFrame(h, JPEG);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(good.length), (edits, cut) => {
        const b = good.slice(0, Math.max(cut, 0));
        for (const [i, v] of edits) if (i < b.length) b[i] = v;
        const r = decodeVideoHeader(b);
        if (r.ok) expect(Number.isFinite(r.header.lat) && Math.abs(r.header.lat) <= 90).toBe(true);
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('fuzz: any valid header round-trips', () => {
    fc.assert(
      fc.property(
        fc.record({
          droneId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
          frameNo: fc.nat({ max: 0xffffffff }),
          captureTsMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          lon: fc.double({ min: -180, max: 180, noNaN: true }),
          lat: fc.double({ min: -90, max: 90, noNaN: true }),
          width: fc.integer({ min: 1, max: 8192 }),
          height: fc.integer({ min: 1, max: 8192 }),
        }),
        (v) => {
          const r = decodeVideoHeader(encodeVideoFrame({ ...h, ...v }, JPEG));
          if (!r.ok) return false;
          return r.header.droneId === v.droneId && r.header.frameNo === v.frameNo && r.header.lon === v.lon && r.header.lat === v.lat && r.header.captureTsMs === v.captureTsMs;
        },
      ),
    );
  });

  it('the video topic is a drone channel the JSON decoder must not read', () => {
    expect(parseTopic(videoTopic('fw-du-uas1'))).toEqual({ kind: 'drone', deviceId: 'fw-du-uas1', channel: 'video' });
    expect(isBinaryChannel('drone', 'video')).toBe(true);
    expect(isBinaryChannel('drone', 'telemetry')).toBe(false);
  });
});
