/**
 * Recording of drone video for after-action review, with retention by age and total size.
 *
 *   DATA_DIR/video/{droneId}/{segmentStartMs}.drvf    frames: [u32 LE length][frame bytes] ...
 *   DATA_DIR/video/{droneId}/{segmentStartMs}.jsonl   one line per frame: pose + where it is in .drvf
 *
 * The frames are stored as received (header + JPEG, protocol/video.ts), so a segment replays with
 * its pose. Writes go through buffered append streams (never the hot path's concern); a disk error
 * is logged and recording of that segment stops, the relay goes on. Recording is thinned to
 * `recordFps` per drone (a review needs the picture, not every frame).
 */
import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { LatestFrame } from './relay.ts';

export interface RecorderOptions {
  dir: string;
  recordFps: number;
  segmentSec: number;
  retainHours: number;
  retainMb: number;
  log: Logger;
  /** Called with the bytes written (metrics). */
  onWrite?: (bytes: number) => void;
}

interface Segment {
  startMs: number;
  frames: WriteStream;
  meta: WriteStream;
  offset: number;
  lastFrameMs: number;
  failed: boolean;
}

export interface Recorder {
  write(f: LatestFrame): void;
  /** Deletes segments past retention; returns the files removed. Runs on a timer, tests call it. */
  prune(nowMs?: number): string[];
  close(): Promise<void>;
}

const SEGMENT_RE = /^(\d+)\.(drvf|jsonl)$/;

export function createRecorder(opts: RecorderOptions): Recorder {
  const segments = new Map<string, Segment>();
  const minGapMs = 1000 / opts.recordFps;

  const endSegment = (s: Segment) => {
    s.frames.end();
    s.meta.end();
  };

  const open = (droneId: string, startMs: number): Segment => {
    const dir = join(opts.dir, droneId);
    mkdirSync(dir, { recursive: true });
    const s: Segment = {
      startMs,
      frames: createWriteStream(join(dir, `${startMs}.drvf`), { flags: 'a' }),
      meta: createWriteStream(join(dir, `${startMs}.jsonl`), { flags: 'a' }),
      offset: 0,
      lastFrameMs: -Infinity,
      failed: false,
    };
    const onError = (err: Error) => {
      if (s.failed) return;
      s.failed = true;
      opts.log.error({ err, droneId }, 'video recording failed; this segment stops');
    };
    s.frames.on('error', onError);
    s.meta.on('error', onError);
    return s;
  };

  const prune = (nowMs = Date.now()): string[] => {
    const removed: string[] = [];
    let drones: string[] = [];
    try {
      drones = readdirSync(opts.dir);
    } catch {
      return removed;
    }
    // One entry per segment (its .drvf and .jsonl go together).
    const segs = new Map<string, { paths: string[]; startMs: number; bytes: number }>();
    for (const d of drones) {
      let names: string[] = [];
      try {
        names = readdirSync(join(opts.dir, d));
      } catch {
        continue;
      }
      for (const n of names) {
        const mm = SEGMENT_RE.exec(n);
        if (!mm) continue;
        const path = join(opts.dir, d, n);
        // The segment being written is never pruned.
        if (segments.get(d)?.startMs === Number(mm[1])) continue;
        try {
          const bytes = statSync(path).size;
          const key = `${d}/${mm[1]}`;
          const seg = segs.get(key);
          if (seg) {
            seg.paths.push(path);
            seg.bytes += bytes;
          } else segs.set(key, { paths: [path], startMs: Number(mm[1]), bytes });
        } catch {
          /* gone meanwhile */
        }
      }
    }
    const files = [...segs.values()].sort((a, b) => a.startMs - b.startMs);
    let total = files.reduce((s, f) => s + f.bytes, 0);
    const oldest = nowMs - opts.retainHours * 3600_000;
    const maxBytes = opts.retainMb * 1024 * 1024;
    for (const f of files) {
      if (f.startMs >= oldest && total <= maxBytes) break;
      for (const path of f.paths) {
        try {
          rmSync(path, { force: true });
          removed.push(path);
        } catch (err) {
          opts.log.warn({ err, path }, 'video retention: could not delete');
        }
      }
      total -= f.bytes;
    }
    return removed;
  };

  const pruneTimer = setInterval(() => prune(), 60_000);
  pruneTimer.unref();

  return {
    write(f) {
      const id = f.header.droneId;
      let s = segments.get(id);
      if (s && f.recvMs - s.startMs >= opts.segmentSec * 1000) {
        endSegment(s);
        s = undefined;
      }
      if (!s) segments.set(id, (s = open(id, f.recvMs)));
      if (s.failed || f.recvMs - s.lastFrameMs < minGapMs * 0.9) return;
      s.lastFrameMs = f.recvMs;
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(f.payload.byteLength, 0);
      s.frames.write(len);
      s.frames.write(f.payload);
      const h = f.header;
      s.meta.write(
        JSON.stringify({ frameNo: h.frameNo, captureTsMs: h.captureTsMs, recvMs: f.recvMs, offset: s.offset, bytes: f.payload.byteLength, lon: h.lon, lat: h.lat, altM: h.altM, headingDeg: h.headingDeg, pitchDeg: h.pitchDeg, yawDeg: h.yawDeg, hfovDeg: h.hfovDeg, vfovDeg: h.vfovDeg, width: h.width, height: h.height }) + '\n',
      );
      s.offset += 4 + f.payload.byteLength;
      opts.onWrite?.(4 + f.payload.byteLength);
    },
    prune,
    async close() {
      clearInterval(pruneTimer);
      const done: Promise<void>[] = [];
      for (const s of segments.values()) {
        done.push(new Promise<void>((r) => s.frames.end(() => r())), new Promise<void>((r) => s.meta.end(() => r())));
      }
      segments.clear();
      await Promise.all(done);
    },
  };
}

/** Reads a recorded segment back: frame bytes in order (for review and tests). */
export function* readSegment(buf: Buffer): Generator<Buffer> {
  let o = 0;
  while (o + 4 <= buf.length) {
    const n = buf.readUInt32LE(o);
    if (o + 4 + n > buf.length) return; // a segment cut short by a crash: keep what is whole
    yield buf.subarray(o + 4, o + 4 + n);
    o += 4 + n;
  }
}
