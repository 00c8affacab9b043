/**
 * The simulated drone's video link: while the drone flies, renders its camera view
 * (sim/devices/drone-camera.ts) at `fps` and publishes each JPEG with its pose as a binary frame
 * on city/v1/drone/{id}/video (protocol/video.ts).
 *
 *   DRONE_VIDEO         on|off (default on: frames only while the drone is in the air)
 *   DRONE_VIDEO_FPS     frames per second (default 10)
 *   DRONE_VIDEO_SIZE    WIDTHxHEIGHT of the JPEG (default 1280x720)
 *   DRONE_VIDEO_SCALE   render scale before libvips upscales (default 0.5)
 *   DRONE_VIDEO_QUALITY JPEG quality 1-100 (default 72)
 *
 * The emulator's state moves once per model step; between steps the pose is extrapolated along
 * heading and ground speed (and the gimbal re-aimed at the incident while orbiting), so ten frames
 * a second show smooth motion. A frame whose predecessor is still being encoded is skipped (a real
 * encoder drops frames too) and counted.
 */
import { encodeVideoFrame, videoTopic } from '../protocol/video.ts';
import { DroneCamera, type CameraPose, type TrafficLook } from './devices/drone-camera.ts';
import { CAMERA_HFOV_DEG, CAMERA_VFOV_DEG, destination, haversineM, initialBearingDeg, type DroneEmulator } from './devices/drone.ts';

export interface DroneVideoOptions {
  enabled: boolean;
  fps: number;
  width: number;
  height: number;
  renderScale: number;
  quality: number;
}

export function droneVideoOptionsFromEnv(env: Record<string, string | undefined> = process.env): DroneVideoOptions {
  const size = /^(\d{2,5})x(\d{2,5})$/.exec(env.DRONE_VIDEO_SIZE ?? '1280x720');
  if (!size) throw new Error(`DRONE_VIDEO_SIZE=${env.DRONE_VIDEO_SIZE}: WIDTHxHEIGHT, e.g. 1280x720`);
  const num = (k: string, def: number, min: number, max: number) => {
    const v = env[k] === undefined || env[k] === '' ? def : Number(env[k]);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${k}=${env[k]}: a number in [${min}, ${max}]`);
    return v;
  };
  return {
    enabled: !['off', '0', 'false'].includes((env.DRONE_VIDEO ?? 'on').toLowerCase()),
    fps: num('DRONE_VIDEO_FPS', 10, 0.2, 30),
    width: Math.min(4096, Number(size[1])),
    height: Math.min(4096, Number(size[2])),
    renderScale: num('DRONE_VIDEO_SCALE', 0.5, 0.1, 1),
    quality: num('DRONE_VIDEO_QUALITY', 72, 1, 100),
  };
}

export interface DroneVideoStats {
  frames: number;
  skippedBusy: number;
  /** Frames that failed to render or encode. */
  errors: number;
  /** Mean render+encode time of the frames sent, ms. */
  meanMs: number;
}

export interface DroneVideo {
  readonly stats: DroneVideoStats;
  stop(): void;
}

const DEG = Math.PI / 180;

/** The drone's pose `dtSec` after its last state, moved along heading at ground speed. */
export function extrapolatePose(d: DroneEmulator, dtSec: number): CameraPose {
  const s = d.state();
  const dt = Math.max(0, Math.min(2, dtSec));
  let lon = s.lon;
  let lat = s.lat;
  if (s.groundSpeedMs > 0 && dt > 0) [lon, lat] = destination(s.lon, s.lat, s.headingDeg, s.groundSpeedMs * dt);
  let pitchDeg = s.camera.pitchDeg;
  let yawDeg = s.camera.yawDeg;
  if (s.flightMode === 'orbit' && s.incident) {
    // The gimbal tracks the incident (as DroneEmulator #aimCamera does each step).
    const dist = haversineM(lon, lat, s.incident.lon, s.incident.lat);
    pitchDeg = -Math.atan2(s.altM, dist) / DEG;
    yawDeg = initialBearingDeg(lon, lat, s.incident.lon, s.incident.lat);
  }
  return { lon, lat, altM: s.altM, headingDeg: ((s.headingDeg % 360) + 360) % 360, pitchDeg, yawDeg: ((yawDeg % 360) + 360) % 360, hfovDeg: CAMERA_HFOV_DEG, vfovDeg: CAMERA_VFOV_DEG };
}

export function startDroneVideo(o: {
  drone: DroneEmulator;
  publish: (topic: string, payload: Buffer) => void;
  /** Model time now (the sim may run faster than the wall clock). */
  modelNow: () => number;
  traffic?: TrafficLook | null;
  options?: DroneVideoOptions;
}): DroneVideo {
  const opts = o.options ?? droneVideoOptionsFromEnv();
  const stats: DroneVideoStats = { frames: 0, skippedBusy: 0, errors: 0, meanMs: 0 };
  if (!opts.enabled) return { stats, stop() {} };
  const camera = new DroneCamera({ width: opts.width, height: opts.height, renderScale: opts.renderScale, quality: opts.quality, scene: { traffic: o.traffic ?? null } });
  let busy = false;
  let frameNo = 0;
  let totalMs = 0;
  let lastErrorLogMs = 0;
  // When the emulator's state last changed, to extrapolate from there.
  let lastKey = '';
  let lastChangeModelMs = o.modelNow();
  const timer = setInterval(() => {
    const s = o.drone.state();
    if (s.flightMode === 'landed') return;
    const modelMs = o.modelNow();
    const key = `${s.lon},${s.lat},${s.altM}`;
    if (key !== lastKey) {
      lastKey = key;
      lastChangeModelMs = modelMs;
    }
    if (busy) {
      stats.skippedBusy++;
      return;
    }
    busy = true;
    const captureTsMs = Date.now();
    const pose = extrapolatePose(o.drone, (modelMs - lastChangeModelMs) / 1000);
    camera.setIncident(s.incident);
    const n = ++frameNo;
    const t0 = performance.now();
    camera
      .frame(pose, modelMs, { droneId: o.drone.id, frameNo: n, tsMs: captureTsMs })
      .then((jpeg) => {
        const payload = encodeVideoFrame({ droneId: o.drone.id, frameNo: n, captureTsMs, ...pose, width: opts.width, height: opts.height }, jpeg);
        o.publish(videoTopic(o.drone.id), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
        stats.frames++;
        totalMs += performance.now() - t0;
        stats.meanMs = totalMs / stats.frames;
      })
      .catch((err: unknown) => {
        stats.errors++;
        // Said once a minute at most: a camera fault must be seen, not flood the log.
        const now = Date.now();
        if (now - lastErrorLogMs > 60_000) {
          lastErrorLogMs = now;
          console.error(`drone video: frame ${n} failed: ${(err as Error).stack ?? err}`);
        }
      })
      .finally(() => {
        busy = false;
      });
  }, Math.round(1000 / opts.fps));
  timer.unref?.();
  return {
    stats,
    stop() {
      clearInterval(timer);
    },
  };
}
