/**
 * Replay of a real flight: telemetry parsers on the shared samples (skipped when ../shared is
 * absent) and on our own SRT, interpolation, and the whole path ffmpeg -> JPEG frames + pose ->
 * MQTT on a tiny video ffmpeg makes itself (testsrc), so that test needs no shared files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeVideoHeader } from '../protocol/video.ts';
import { startEmbeddedBroker } from '../server/ingest/broker.ts';
import { createLogger } from '../server/log.ts';
import { JpegSplitter, replay } from './drone-replay.ts';
import { hfovFromFocal35, interpolateTrack, parseDjiSrt, parseMavlink, type MavlinkStats } from './drone-telemetry.ts';

const SHARED = join(import.meta.dirname, '..', '..', 'shared', 'samples');
const DJI = join(SHARED, 'dji', 'air2s.srt');
const MAV = join(SHARED, 'mavlink', 'data.mavlink');
const hasFfmpeg = (() => {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const cue = (i: number, t0: string, t1: string, body: string) => `${i}\n${t0} --> ${t1}\n<font size="28">${body}</font>\n\n`;
const OWN_SRT =
  cue(1, '00:00:00,000', '00:00:01,000', 'FrameCnt: 1, DiffTime: 1000ms\n2026-11-18 14:02:00.000\n[focal_len: 24.00] [latitude: 51.439000] [longitude: 6.768000] [rel_alt: 100.000 abs_alt: 130.000] [gb_yaw: 350.0 gb_pitch: -60.0 gb_roll: 0.0]') +
  cue(2, '00:00:01,000', '00:00:02,000', 'FrameCnt: 2, DiffTime: 1000ms\n2026-11-18 14:02:01.000\n[focal_len: 24.00] [latitude: 51.440000] [longitude: 6.770000] [rel_alt: 120.000 abs_alt: 150.000] [gb_yaw: 10.0 gb_pitch: -80.0 gb_roll: 0.0]');

describe('DJI SRT', () => {
  it('reads position, relative altitude, gimbal and focal length of each cue', () => {
    const t = parseDjiSrt(OWN_SRT);
    expect(t).toHaveLength(2);
    expect(t[0]).toMatchObject({ tMs: 0, lat: 51.439, lon: 6.768, altM: 100, pitchDeg: -60, yawDeg: 350 });
    expect(t[1]!.tMs).toBe(1000);
    expect(t[0]!.hfovDeg).toBeCloseTo(hfovFromFocal35(24), 6);
  });

  it('interpolates to frame times, angles the short way round (350° -> 10° passes north)', () => {
    const t = parseDjiSrt(OWN_SRT);
    const mid = interpolateTrack(t, 500)!;
    expect(mid.lat).toBeCloseTo(51.4395, 9);
    expect(mid.lon).toBeCloseTo(6.769, 9);
    expect(mid.altM).toBeCloseTo(110, 9);
    expect(mid.yawDeg).toBeCloseTo(0, 6);
    expect(mid.pitchDeg).toBeCloseTo(-70, 6);
    expect(interpolateTrack(t, 5000)!.lat).toBe(51.44);
  });

  it.skipIf(!existsSync(DJI))('parses the Air 2S sample (33 ms cues, no gimbal: heading from travel)', () => {
    const t = parseDjiSrt(readFileSync(DJI, 'utf8'));
    expect(t.length).toBeGreaterThanOrEqual(17);
    expect(t[0]).toMatchObject({ tMs: 0, lat: 41.424724, lon: 2.234156, altM: 117 });
    expect(t[1]!.tMs).toBe(33);
    expect(t[0]!.hfovDeg).toBeCloseTo(hfovFromFocal35(24), 3); // focal_len 240 = 24.0 mm
    // Moving west: heading from the direction of travel.
    const p = interpolateTrack(t, 100)!;
    expect(p.headingDeg!).toBeGreaterThan(250);
    expect(p.headingDeg!).toBeLessThan(290);
  });
});

describe('MAVLink log', () => {
  it.skipIf(!existsSync(MAV))('reads GLOBAL_POSITION_INT and ATTITUDE from the sample with valid CRCs', () => {
    const stats: MavlinkStats = { packets: 0, badCrc: 0, positions: 0, attitudes: 0 };
    const t = parseMavlink(readFileSync(MAV), stats);
    expect(stats.badCrc).toBe(0);
    expect(stats.positions).toBe(63);
    expect(stats.attitudes).toBe(123);
    // The sample was logged without a GPS fix (lat = lon = 0): kept, marked, to be placed with --at.
    expect(t).toHaveLength(63);
    expect(t.every((s) => s.fix === false)).toBe(true);
    expect(t[0]!.tMs).toBe(0);
    for (let i = 1; i < t.length; i++) expect(t[i]!.tMs).toBeGreaterThan(t[i - 1]!.tMs);
    // Heading: the log's hdg field, or ATTITUDE yaw when it is unknown.
    expect(t.every((s) => s.headingDeg !== null && s.headingDeg >= 0 && s.headingDeg < 360)).toBe(true);
  });

  it('a corrupted byte fails the CRC and the packet is not used', () => {
    // GLOBAL_POSITION_INT v2, built by hand: lat 51.43 lon 6.77, rel alt 100 m.
    const payload = Buffer.alloc(28);
    payload.writeUInt32LE(1234, 0);
    payload.writeInt32LE(514300000, 4);
    payload.writeInt32LE(67700000, 8);
    payload.writeInt32LE(100_000, 16);
    payload.writeUInt16LE(9000, 26);
    const hdr = Buffer.from([0xfd, 28, 0, 0, 7, 1, 1, 33, 0, 0]);
    let crc = 0xffff;
    const acc = (b: number) => {
      let tmp = b ^ (crc & 0xff);
      tmp = (tmp ^ (tmp << 4)) & 0xff;
      crc = ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xffff;
    };
    for (const b of [...hdr.subarray(1), ...payload]) acc(b);
    acc(104);
    const pkt = Buffer.concat([hdr, payload, Buffer.from([crc & 0xff, crc >> 8])]);
    expect(parseMavlink(pkt)).toMatchObject([{ lat: 51.43, lon: 6.77, altM: 100, headingDeg: 90 }]);
    const bad = Buffer.from(pkt);
    bad[15] = bad[15]! ^ 0x40;
    expect(parseMavlink(bad)).toEqual([]);
  });
});

describe('JpegSplitter', () => {
  it('finds whole JPEGs across arbitrary chunk boundaries', () => {
    const a = Buffer.from([0xff, 0xd8, 1, 0xff, 0x00, 2, 0xff, 0xd9]);
    const b = Buffer.from([0xff, 0xd8, 3, 4, 0xff, 0xd9]);
    const all = Buffer.concat([a, b]);
    const s = new JpegSplitter();
    const out = [...s.push(all.subarray(0, 3)), ...s.push(all.subarray(3, 9)), ...s.push(all.subarray(9))];
    expect(out.map((x) => [...x])).toEqual([[...a], [...b]]);
  });
});

describe.skipIf(!hasFfmpeg)('replay through ffmpeg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'drone-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('publishes JPEG frames with the pose interpolated from the SRT, meta and telemetry', async () => {
    const video = join(dir, 'test.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=10:duration=2', '-pix_fmt', 'yuv420p', video]);
    const srt = join(dir, 'test.srt');
    writeFileSync(srt, OWN_SRT);
    const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', fallback: false, log: createLogger('warn') });
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'replay-test-sub' });
    const frames: { frameNo: number; lat: number; yawDeg: number; jpegFirst: number; w: number }[] = [];
    let meta = 0;
    let telemetry = 0;
    sub.on('message', (topic, payload) => {
      if (topic.endsWith('/meta')) meta++;
      if (topic.endsWith('/telemetry')) telemetry++;
      if (!topic.endsWith('/video')) return;
      const r = decodeVideoHeader(payload);
      if (r.ok) frames.push({ frameNo: r.header.frameNo, lat: r.header.lat, yawDeg: r.header.yawDeg, jpegFirst: payload[r.jpegOffset + 2]!, w: r.header.width });
    });
    await sub.subscribeAsync('city/v1/drone/#');
    try {
      const stats = await replay({ video, telemetry: srt, mqttUrl: broker.url, droneId: 'replay-t', fps: 10, width: 320, height: 180, pitchDeg: -90, hfovDeg: 70, loop: false, at: null });
      expect(stats.frames).toBe(20);
      await new Promise((r) => setTimeout(r, 200));
      expect(frames).toHaveLength(20);
      expect(meta).toBe(1);
      expect(telemetry).toBeGreaterThanOrEqual(4);
      expect(frames[0]).toMatchObject({ frameNo: 1, w: 320 });
      // Frame 6 is at 0.5 s: halfway between the two cues.
      expect(frames[5]!.lat).toBeCloseTo(51.4395, 6);
      expect(frames[5]!.yawDeg).toBeCloseTo(0, 3);
      expect(frames[19]!.lat).toBeCloseTo(51.44, 6);
    } finally {
      await sub.endAsync();
      await broker.close();
    }
  });
});
