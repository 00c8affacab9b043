import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeVideoHeader, encodeVideoFrame } from '../../protocol/index.ts';
import { createLogger } from '../log.ts';
import { createRecorder, readSegment } from './recorder.ts';
import type { LatestFrame } from './relay.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'video-rec-'));
  dirs.push(d);
  return d;
};
const JPEG = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
function frame(n: number, recvMs: number): LatestFrame {
  const h = { droneId: 'uas-1', frameNo: n, captureTsMs: recvMs - 20, lon: 6.77, lat: 51.43, altM: 110, headingDeg: 0, pitchDeg: -45, yawDeg: 10, hfovDeg: 63, vfovDeg: 37.9, width: 1280, height: 720 };
  const payload = Buffer.from(encodeVideoFrame(h, JPEG));
  const r = decodeVideoHeader(payload);
  if (!r.ok) throw new Error(r.detail);
  return { header: r.header, payload, recvMs };
}

describe('video recorder', () => {
  it('thins to recordFps, rolls segments every segmentSec, and the frames read back with their pose', async () => {
    const dir = tmp();
    const rec = createRecorder({ dir, recordFps: 2, segmentSec: 10, retainHours: 1, retainMb: 100, log: createLogger('warn') });
    const t0 = 1_800_000_000_000;
    // 10 fps for 15 s: 150 frames offered, 2 fps kept, a new segment at 10 s.
    for (let i = 0; i < 150; i++) rec.write(frame(i, t0 + i * 100));
    await rec.close();
    const names = readdirSync(join(dir, 'uas-1')).sort();
    expect(names).toEqual([`${t0}.drvf`, `${t0}.jsonl`, `${t0 + 10_000}.drvf`, `${t0 + 10_000}.jsonl`]);
    const frames = [...readSegment(readFileSync(join(dir, 'uas-1', `${t0}.drvf`)))];
    expect(frames.length).toBe(20);
    const lines = readFileSync(join(dir, 'uas-1', `${t0}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { frameNo: number; offset: number; bytes: number; pitchDeg: number });
    expect(lines.map((l) => l.frameNo)).toEqual(Array.from({ length: 20 }, (_, i) => i * 5));
    const seg = readFileSync(join(dir, 'uas-1', `${t0}.drvf`));
    const third = lines[3]!;
    const h = decodeVideoHeader(seg.subarray(third.offset + 4, third.offset + 4 + third.bytes));
    expect(h.ok && [h.header.frameNo, h.header.pitchDeg]).toEqual([15, -45]);
  });

  it('a segment cut short by a crash keeps its whole frames', () => {
    const a = frame(1, 1000).payload;
    const len = Buffer.alloc(4);
    len.writeUInt32LE(a.length);
    const cut = Buffer.concat([len, a, len, a.subarray(0, 10)]);
    expect([...readSegment(cut)]).toHaveLength(1);
  });

  it('prunes by age, then oldest first down to the size limit; never the segment being written', async () => {
    const dir = tmp();
    const now = 1_800_000_000_000;
    const d = join(dir, 'uas-2');
    mkdirSync(d, { recursive: true });
    const mk = (startMs: number, kb: number) => {
      writeFileSync(join(d, `${startMs}.drvf`), Buffer.alloc(kb * 1024));
      writeFileSync(join(d, `${startMs}.jsonl`), '{}\n');
    };
    mk(now - 5 * 3600_000, 10); // older than 2 h: goes
    mk(now - 1 * 3600_000, 700); // young but the limit needs room: goes
    mk(now - 0.5 * 3600_000, 600); // stays: with it, 0.6 MB < 1 MB
    const rec = createRecorder({ dir, recordFps: 5, segmentSec: 60, retainHours: 2, retainMb: 1, log: createLogger('warn') });
    const removed = rec.prune(now);
    expect(removed.map((p) => p.split('/').pop()).sort()).toEqual([`${now - 1 * 3600_000}.drvf`, `${now - 1 * 3600_000}.jsonl`, `${now - 5 * 3600_000}.drvf`, `${now - 5 * 3600_000}.jsonl`].sort());
    expect(existsSync(join(d, `${now - 0.5 * 3600_000}.drvf`))).toBe(true);
    // The open segment of a drone is left alone whatever its age.
    rec.write({ ...frame(1, now - 10 * 3600_000), header: { ...frame(1, now).header, droneId: 'uas-2' } });
    expect(rec.prune(now + 3 * 3600_000).some((p) => p.endsWith(`${now - 10 * 3600_000}.drvf`))).toBe(false);
    await rec.close();
  });
});
