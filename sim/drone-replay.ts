/**
 * Replays a real drone flight as a live drone: a video file through ffmpeg (Debian package) as
 * JPEG frames, with the pose from its telemetry track (DJI SRT or a MAVLink log, interpolated to
 * each frame's time), published like the simulated drone: meta (retained), telemetry at 2 Hz and
 * binary video frames (protocol/video.ts) with capture time = now.
 *
 *   npm run drone:replay -- VIDEO TELEMETRY [--mqtt URL] [--drone ID] [--fps 10] [--size 1280x720]
 *                           [--pitch -90] [--hfov 73.7] [--loop] [--at LON,LAT]
 *
 * `--at` moves the flight to another place (keeps its shape): a flight recorded elsewhere replayed
 * over Duisburg for a drill. Without a gimbal attitude in the track the camera looks `--pitch`
 * (default nadir) along the heading.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { droneTopics, type DroneMeta, type DroneTelemetry } from '../protocol/drone.ts';
import { encodeVideoFrame, videoTopic } from '../protocol/video.ts';
import { hfovFromFocal35, interpolateTrack, parseDjiSrt, parseMavlink, type TrackSample } from './drone-telemetry.ts';

export interface ReplayOptions {
  video: string;
  telemetry: string;
  mqttUrl: string;
  droneId: string;
  fps: number;
  width: number;
  height: number;
  /** Camera pitch when the track has none (deg, -90 nadir). */
  pitchDeg: number;
  /** Horizontal field of view when the track has none. */
  hfovDeg: number;
  loop: boolean;
  /** Shift the flight so its first point is here. */
  at: [number, number] | null;
  /** Stop after this many frames (tests). */
  maxFrames?: number;
  ffmpeg?: string;
}

export function loadTrack(path: string): TrackSample[] {
  const buf = readFileSync(path);
  const text = buf.subarray(0, 4096).toString('utf8');
  // An SRT starts with a cue number and a time line; anything else is taken as a MAVLink log.
  const track = /^\uFEFF?\s*\d+\s*\r?\n\s*\d+:\d{2}:\d{2}[,.]\d+\s*-->/.test(text) ? parseDjiSrt(buf.toString('utf8')) : parseMavlink(buf);
  if (track.length === 0) throw new Error(`${path}: no positions found (DJI SRT or MAVLink GLOBAL_POSITION_INT expected)`);
  return track;
}

/** Splits an MJPEG byte stream (ffmpeg image2pipe) into whole JPEGs at SOI/EOI markers. */
export class JpegSplitter {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const start = this.#buf.indexOf(SOI);
      if (start < 0) {
        // Keep a trailing 0xFF: it may be the first half of the next SOI.
        this.#buf = this.#buf.length && this.#buf[this.#buf.length - 1] === 0xff ? this.#buf.subarray(this.#buf.length - 1) : Buffer.alloc(0);
        return out;
      }
      // In entropy-coded data 0xFF is stuffed (FF 00), so FF D9 only ends the image.
      const end = this.#buf.indexOf(EOI, start + 2);
      if (end < 0) {
        if (start > 0) this.#buf = this.#buf.subarray(start);
        return out;
      }
      out.push(Buffer.from(this.#buf.subarray(start, end + 2)));
      this.#buf = this.#buf.subarray(end + 2);
    }
  }
}
const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

export function ffmpegArgs(o: Pick<ReplayOptions, 'video' | 'fps' | 'width' | 'height'>): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-i', o.video,
    '-an',
    '-vf', `fps=${o.fps},scale=${o.width}:${o.height}:force_original_aspect_ratio=decrease,pad=${o.width}:${o.height}:(ow-iw)/2:(oh-ih)/2`,
    '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1',
  ];
}

export interface ReplayStats {
  frames: number;
  telemetry: number;
}

/** Runs one replay; resolves when the video ends (or `maxFrames`), unless looping. */
export async function replay(o: ReplayOptions, log: (s: string) => void = () => {}): Promise<ReplayStats> {
  const all = loadTrack(o.telemetry);
  const fixed = all.filter((x) => x.fix !== false);
  // A log without any GPS fix (indoor, SITL before a fix) needs --at to be put somewhere.
  if (fixed.length === 0 && !o.at) throw new Error(`${o.telemetry}: no position with a GPS fix; give --at LON,LAT to place the flight`);
  const track0 = fixed.length ? fixed : all;
  const track = o.at ? shift(track0, o.at) : track0;
  const first = track[0]!;
  const client: MqttClient = await mqtt.connectAsync(o.mqttUrl, { clientId: `drone-replay-${process.pid}-${o.droneId}` });
  const meta: DroneMeta = { id: o.droneId, name: `Wiedergabe ${o.droneId}`, model: 'Aufzeichnung (Wiedergabe)', operator: 'Feuerwehr Duisburg', homeLon: first.lon, homeLat: first.lat, tsMs: Date.now() };
  await client.publishAsync(droneTopics.meta(o.droneId), JSON.stringify(meta), { qos: 1, retain: true });
  const stats: ReplayStats = { frames: 0, telemetry: 0 };
  try {
    do {
      await playOnce(o, track, client, stats, log);
    } while (o.loop && (o.maxFrames === undefined || stats.frames < o.maxFrames));
  } finally {
    await client.endAsync();
  }
  return stats;
}

function shift(track: TrackSample[], [lon, lat]: [number, number]): TrackSample[] {
  const dLon = lon - track[0]!.lon;
  const dLat = lat - track[0]!.lat;
  return track.map((s) => ({ ...s, lon: s.lon + dLon, lat: s.lat + dLat }));
}

function playOnce(o: ReplayOptions, track: TrackSample[], client: MqttClient, stats: ReplayStats, log: (s: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const ff: ChildProcess = spawn(o.ffmpeg ?? 'ffmpeg', ffmpegArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = new JpegSplitter();
    const queue: Buffer[] = [];
    let ended = false;
    let stderr = '';
    let index = 0;
    let nextTelemetryMs = 0;
    const startWall = Date.now();
    const frameMs = 1000 / o.fps;
    ff.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    ff.stdout!.on('data', (chunk: Buffer) => {
      queue.push(...splitter.push(chunk));
      // Read ahead a little, then let the pipe's backpressure hold ffmpeg.
      if (queue.length > 20) ff.stdout!.pause();
    });
    ff.on('error', (err) => reject(new Error(`ffmpeg could not start (${err.message}); install it: apt-get install -y ffmpeg`)));
    ff.on('close', (code) => {
      ended = true;
      if (code !== 0 && code !== null && stats.frames === 0) {
        clearInterval(timer);
        reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`));
      }
    });
    const timer = setInterval(() => {
      // Frames go out on the video's own clock: frame i at start + i / fps.
      while (queue.length && Date.now() - startWall >= index * frameMs) {
        const jpeg = queue.shift()!;
        if (queue.length < 10) ff.stdout!.resume();
        const tMs = index * frameMs;
        index++;
        const p = interpolateTrack(track, tMs)!;
        const hfov = p.hfovDeg ?? o.hfovDeg;
        const vfov = (2 * Math.atan(Math.tan((hfov * Math.PI) / 360) * (o.height / o.width)) * 180) / Math.PI;
        const heading = p.headingDeg ?? 0;
        const pose = { lon: p.lon, lat: p.lat, altM: Math.max(0, p.altM), headingDeg: heading % 360, pitchDeg: Math.max(-90, Math.min(90, p.pitchDeg ?? o.pitchDeg)), yawDeg: (p.yawDeg ?? heading) % 360, hfovDeg: hfov, vfovDeg: vfov };
        const now = Date.now();
        if (tMs >= nextTelemetryMs) {
          nextTelemetryMs = tMs + 500;
          const t: DroneTelemetry = {
            tsMs: now,
            lat: pose.lat,
            lon: pose.lon,
            altM: Math.min(1000, pose.altM),
            headingDeg: pose.headingDeg,
            groundSpeedMs: 0,
            batteryPct: 100,
            flightMode: pose.altM > 1 ? 'orbit' : 'landed',
            camera: { pitchDeg: pose.pitchDeg, yawDeg: pose.yawDeg, hfovDeg: hfov, vfovDeg: vfov },
          };
          client.publish(droneTopics.telemetry(o.droneId), JSON.stringify(t), { qos: 0 });
          stats.telemetry++;
        }
        const frame = encodeVideoFrame({ droneId: o.droneId, frameNo: index, captureTsMs: now, ...pose, width: o.width, height: o.height }, jpeg);
        client.publish(videoTopic(o.droneId), Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), { qos: 0 });
        stats.frames++;
        if (o.maxFrames !== undefined && stats.frames >= o.maxFrames) {
          ff.kill('SIGTERM');
          ended = true;
          queue.length = 0;
          break;
        }
      }
      if (ended && queue.length === 0) {
        clearInterval(timer);
        log(`replay: ${stats.frames} frames, ${stats.telemetry} telemetry messages`);
        resolve();
      }
    }, Math.max(5, Math.floor(frameMs / 4)));
  });
}

export function parseArgs(argv: string[], env: Record<string, string | undefined> = process.env): ReplayOptions {
  const pos: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--loop') flags.set('loop', '1');
    else if (a.startsWith('--')) flags.set(a.slice(2), argv[++i] ?? '');
    else pos.push(a);
  }
  if (pos.length !== 2) throw new Error('usage: npm run drone:replay -- VIDEO TELEMETRY(.srt|.mavlink|.tlog) [--mqtt URL] [--drone ID] [--fps 10] [--size 1280x720] [--pitch -90] [--hfov 73.7] [--at LON,LAT] [--loop]');
  const size = /^(\d+)x(\d+)$/.exec(flags.get('size') ?? '1280x720');
  if (!size) throw new Error('--size WIDTHxHEIGHT');
  const at = flags.get('at')?.split(',').map(Number);
  const num = (k: string, d: number) => {
    const v = flags.has(k) ? Number(flags.get(k)) : d;
    if (!Number.isFinite(v)) throw new Error(`--${k}: a number`);
    return v;
  };
  return {
    video: pos[0]!,
    telemetry: pos[1]!,
    mqttUrl: flags.get('mqtt') ?? env.MQTT_URL ?? 'mqtt://127.0.0.1:1883',
    droneId: flags.get('drone') ?? 'replay-uas',
    fps: num('fps', 10),
    width: Number(size[1]),
    height: Number(size[2]),
    pitchDeg: num('pitch', -90),
    hfovDeg: num('hfov', hfovFromFocal35(24)),
    loop: flags.has('loop'),
    at: at && at.length === 2 && at.every(Number.isFinite) ? [at[0]!, at[1]!] : null,
  };
}

if (import.meta.main) {
  try {
    const o = parseArgs(process.argv.slice(2));
    await replay(o, (s) => console.log(s));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
