/**
 * Video relay settings from the environment (read here, not in server/config.ts: only this module
 * uses them).
 *
 *   VIDEO_MAX_FPS          per-client cap on frames per second per drone (default 15)
 *   VIDEO_RECORD           on|off: keep frames on disk for after-action review (default off)
 *   VIDEO_RECORD_FPS       frames per second kept per drone (default 5)
 *   VIDEO_SEGMENT_SEC      length of one segment file (default 60)
 *   VIDEO_RETAIN_HOURS     segments older than this are deleted (default 72)
 *   VIDEO_RETAIN_MB        and the oldest go first while all of them exceed this (default 20000)
 */
export interface VideoConfig {
  maxFps: number;
  record: boolean;
  recordFps: number;
  segmentSec: number;
  retainHours: number;
  retainMb: number;
}

export function videoConfigFromEnv(env: Record<string, string | undefined> = process.env): VideoConfig {
  const num = (k: string, def: number, min: number, max: number): number => {
    const raw = env[k];
    if (raw === undefined || raw === '') return def;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${k}=${raw}: must be a number in [${min}, ${max}]`);
    return v;
  };
  const rec = (env.VIDEO_RECORD ?? 'off').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(rec)) throw new Error(`VIDEO_RECORD=${env.VIDEO_RECORD}: on or off`);
  return {
    maxFps: num('VIDEO_MAX_FPS', 15, 0.2, 60),
    record: rec === 'on' || rec === 'true' || rec === '1',
    recordFps: num('VIDEO_RECORD_FPS', 5, 0.1, 60),
    segmentSec: num('VIDEO_SEGMENT_SEC', 60, 5, 3600),
    retainHours: num('VIDEO_RETAIN_HOURS', 72, 0.01, 24 * 365),
    retainMb: num('VIDEO_RETAIN_MB', 20_000, 1, 10_000_000),
  };
}
