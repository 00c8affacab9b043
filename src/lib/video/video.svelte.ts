/**
 * The dashboard's drone video: its own Socket.IO connection to the hub's video namespace (frames
 * never queue behind, or in front of, the realtime deltas), one feed per drone.
 *
 * - Decoding off the main thread: `createImageBitmap` on a Blob of the JPEG bytes (the browser
 *   decodes in its image decoder threads); the main thread only draws the finished bitmap.
 * - Flow control: a frame is acknowledged once it is decoded, so the hub (latest frame wins) never
 *   sends faster than this tab can decode. While one frame of a drone decodes, a newer one waits
 *   and replaces any older waiting one (acknowledged at once: it will never be shown).
 * - Glass-to-glass latency: hub time at display minus the frame's capture time (device clock),
 *   with the hub clock estimated by the realtime client (hello/heartbeat offset).
 */
import { io, type Socket } from 'socket.io-client';
import {
  decodeVideoHeader,
  VIDEO_NAMESPACE,
  type VideoClientToServerEvents,
  type VideoFrameHeader,
  type VideoServerToClientEvents,
  type VideoSubscribeResponse,
} from '../../../protocol/index.ts';
import { drapeCorners, drapeGrid, type Corners } from './drape.ts';
import { warpToGround } from './warp.ts';

export type VideoStatus = 'connecting' | 'live' | 'offline' | 'forbidden';

/**
 * Frames per second over the last RATE_WINDOW_MS, from arrival times (a ring, no allocation per
 * frame); a window of a few seconds keeps a slow feed (1-2 fps) from reading 0 between frames.
 */
const RATE_WINDOW_MS = 3000;
class RateMeter {
  readonly #t = new Float64Array(128);
  #n = 0;
  #i = 0;
  add(ms: number): void {
    this.#t[this.#i] = ms;
    this.#i = (this.#i + 1) % this.#t.length;
    this.#n = Math.min(this.#n + 1, this.#t.length);
  }
  rate(nowMs: number): number {
    let k = 0;
    for (let j = 0; j < this.#n; j++) if (nowMs - this.#t[j]! <= RATE_WINDOW_MS) k++;
    return Math.round((k * 10000) / RATE_WINDOW_MS) / 10;
  }
}

/**
 * The map drapes a new frame at most this often: a texture upload and a map redraw per video frame
 * would cost a weak console (software WebGL) its realtime updates; the canvas shows every frame.
 */
export const DRAPE_INTERVAL_MS = 500;

export class DroneFeed {
  readonly droneId: string;
  header = $state.raw<VideoFrameHeader | null>(null);
  bitmap = $state.raw<ImageBitmap | null>(null);
  /** Ground corners of the current frame (null: not drapeable). */
  corners = $state.raw<Corners | null>(null);
  /**
   * The frame warped onto a north-up ground rectangle (perspective-correct, src/lib/video/warp.ts)
   * and that rectangle [minLon, minLat, maxLon, maxLat]; updated every DRAPE_INTERVAL_MS.
   */
  drapeBitmap = $state.raw<ImageBitmap | null>(null);
  drapeBounds = $state.raw<[number, number, number, number] | null>(null);
  drapeAtMs = 0;
  fps = $state(0);
  /** Capture (device) to display (hub clock), ms. */
  latencyMs = $state<number | null>(null);
  frames = $state(0);
  /** Local time the last frame was shown. */
  lastShownMs = $state(0);
  readonly meter = new RateMeter();
  decoding = false;
  waiting: { header: VideoFrameHeader; bytes: Uint8Array; offset: number; ack: () => void } | null = null;
  /** Kept one frame longer than shown: a draw may still use it. */
  previous: ImageBitmap | null = null;
  drapePrevious: ImageBitmap | null = null;
  constructor(droneId: string) {
    this.droneId = droneId;
  }
}

export interface DroneVideoOptions {
  /** Hub time now (RealtimeClient.hubNow), for latency. */
  hubNow: () => number;
  maxFps?: number;
  url?: string;
}

export class DroneVideo {
  status = $state<VideoStatus>('connecting');
  feeds = $state.raw<DroneFeed[]>([]);
  /** Bumps with each shown frame (drawing keys off it). */
  version = $state(0);
  /** Bumps when a drape changes (the map layers key off it). */
  drapeVersion = $state(0);
  readonly #byId = new Map<string, DroneFeed>();
  readonly #opts: DroneVideoOptions;
  #socket: Socket<VideoServerToClientEvents, VideoClientToServerEvents> | null = null;
  #fpsTimer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: DroneVideoOptions) {
    this.#opts = opts;
  }

  start(): () => void {
    const s: Socket<VideoServerToClientEvents, VideoClientToServerEvents> = io(`${this.#opts.url ?? ''}${VIDEO_NAMESPACE}`, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelayMax: 5000,
    });
    this.#socket = s;
    s.on('connect', () => {
      this.status = 'connecting';
      s.timeout(10_000).emit('videoSubscribe', { maxFps: this.#opts.maxFps ?? 15 }, (err: Error | null, res: VideoSubscribeResponse) => {
        if (err) return;
        if (!res.ok) {
          this.status = res.error.code === 'E_FORBIDDEN' ? 'forbidden' : 'offline';
          return;
        }
        this.status = 'live';
      });
    });
    s.on('disconnect', () => {
      if (this.status !== 'forbidden') this.status = 'offline';
    });
    s.on('connect_error', () => (this.status = 'offline'));
    s.on('videoFrame', (droneId, frame, ack) => this.#onFrame(droneId, frame, ack));
    // The shown rate decays to 0 when frames stop.
    this.#fpsTimer = setInterval(() => {
      const now = performance.now();
      for (const f of this.#byId.values()) f.fps = f.meter.rate(now);
    }, 500);
    return () => this.stop();
  }

  stop(): void {
    clearInterval(this.#fpsTimer);
    this.#socket?.close();
    this.#socket = null;
    for (const f of this.#byId.values()) for (const b of [f.bitmap, f.previous, f.drapeBitmap, f.drapePrevious]) b?.close();
  }

  feed(droneId: string): DroneFeed | undefined {
    return this.#byId.get(droneId);
  }

  #onFrame(droneId: string, frame: ArrayBuffer | Uint8Array, ack: () => void): void {
    const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
    const r = decodeVideoHeader(bytes);
    if (!r.ok || r.header.droneId !== droneId) {
      ack();
      return;
    }
    let feed = this.#byId.get(droneId);
    if (!feed) {
      feed = new DroneFeed(droneId);
      this.#byId.set(droneId, feed);
      this.feeds = [...this.#byId.values()].sort((a, b) => a.droneId.localeCompare(b.droneId));
    }
    if (feed.decoding) {
      feed.waiting?.ack();
      feed.waiting = { header: r.header, bytes, offset: r.jpegOffset, ack };
      return;
    }
    void this.#decode(feed, r.header, bytes, r.jpegOffset, ack);
  }

  async #decode(feed: DroneFeed, header: VideoFrameHeader, bytes: Uint8Array, offset: number, ack: () => void): Promise<void> {
    feed.decoding = true;
    try {
      const blob = new Blob([bytes.subarray(offset) as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' });
      const bmp = await createImageBitmap(blob);
      const now = performance.now();
      // Closed explicitly: 3.7 MB each at 1280x720, and the GC is lazy about them.
      feed.previous?.close();
      feed.previous = feed.bitmap;
      feed.header = header;
      feed.bitmap = bmp;
      feed.corners = drapeCorners(header);
      if (now - feed.drapeAtMs >= DRAPE_INTERVAL_MS) {
        feed.drapeAtMs = now;
        const grid = drapeGrid(header);
        const warped = grid ? warpToGround(bmp, grid) : null;
        // The previous drape may still be uploading to the GPU: closed one drape later.
        feed.drapePrevious?.close();
        feed.drapePrevious = feed.drapeBitmap;
        feed.drapeBitmap = warped?.image ?? null;
        feed.drapeBounds = warped?.bounds ?? null;
        this.drapeVersion++;
      }
      feed.frames++;
      feed.meter.add(now);
      feed.lastShownMs = Date.now();
      feed.latencyMs = Math.max(0, this.#opts.hubNow() - header.captureTsMs);
      this.version++;
    } catch {
      // A frame the browser cannot decode is dropped; the next one will do.
    } finally {
      feed.decoding = false;
      ack();
    }
    const next = feed.waiting;
    if (next) {
      feed.waiting = null;
      void this.#decode(feed, next.header, next.bytes, next.offset, next.ack);
    }
  }
}
