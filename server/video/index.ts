/**
 * Drone video in the hub: the relay (relay.ts), optional recording (recorder.ts) and metrics, as
 * one handle the hub wires with three calls: `accepts(topic)` / `ingest` before the JSON decoder,
 * `attach(io)` with the Socket.IO server, `close()`.
 */
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseTopic, VIDEO_NAMESPACE, isBinaryChannel } from '../../protocol/index.ts';
import type { Authenticator } from '../auth/types.ts';
import type { Logger } from '../log.ts';
import type { IoServer } from '../realtime/io.ts';
import { videoConfigFromEnv, type VideoConfig } from './config.ts';
import { createRecorder, type Recorder } from './recorder.ts';
import { createVideoRelay, type VideoRefusal, type VideoRelay } from './relay.ts';

export interface HubVideo {
  readonly relay: VideoRelay;
  readonly recorder: Recorder | null;
  readonly config: VideoConfig;
  /** True for city/v1/drone/{id}/video (cheap suffix test first: every message passes here). */
  accepts(topic: string): boolean;
  ingest(topic: string, payload: Buffer, nowMs: number): VideoRefusal | null;
  attach(io: IoServer, authenticator: Authenticator): void;
  close(): Promise<void>;
}

export function createHubVideo(opts: {
  dataDir: string;
  log: Logger;
  registry: Registry;
  known: (droneId: string) => boolean;
  env?: Record<string, string | undefined>;
}): HubVideo {
  const config = videoConfigFromEnv(opts.env);
  const reg = [opts.registry];
  const framesIn = new Counter({ name: 'hub_video_frames_in_total', help: 'Drone video frames accepted from MQTT', labelNames: ['drone'] as const, registers: reg });
  const bytesIn = new Counter({ name: 'hub_video_bytes_in_total', help: 'Bytes of accepted drone video frames', registers: reg });
  const rejected = new Counter({ name: 'hub_video_frames_rejected_total', help: 'Drone video frames refused, by reason', labelNames: ['reason'] as const, registers: reg });
  const sent = new Counter({ name: 'hub_video_frames_sent_total', help: 'Drone video frames sent to dashboards', registers: reg });
  const bytesOut = new Counter({ name: 'hub_video_bytes_out_total', help: 'Bytes of drone video sent to dashboards', registers: reg });
  const skipped = new Counter({ name: 'hub_video_frames_skipped_total', help: 'Frames replaced by a newer one before a busy client took them (latest frame wins)', registers: reg });
  const ackTimeouts = new Counter({ name: 'hub_video_ack_timeouts_total', help: 'Frames whose client acknowledgement did not come in time', registers: reg });
  const clients = new Gauge({ name: 'hub_video_clients', help: 'Dashboards subscribed to drone video', registers: reg });
  const recorded = new Counter({ name: 'hub_video_recorded_bytes_total', help: 'Bytes of drone video written to disk', registers: reg });
  const inByDrone = new Map<string, { inc(): void }>();

  const recorder = config.record
    ? createRecorder({
        dir: join(opts.dataDir, 'video'),
        recordFps: config.recordFps,
        segmentSec: config.segmentSec,
        retainHours: config.retainHours,
        retainMb: config.retainMb,
        log: opts.log,
        onWrite: (b) => recorded.inc(b),
      })
    : null;

  let relay!: VideoRelay;
  let authenticator: Authenticator = { principalOf: () => null };
  relay = createVideoRelay({
    authenticator: { principalOf: (req) => authenticator.principalOf(req) },
    log: opts.log,
    maxFps: config.maxFps,
    known: opts.known,
    ...(recorder ? { onFrame: (f) => recorder.write(f) } : {}),
    metrics: {
      frameIn(drone, bytes) {
        let c = inByDrone.get(drone);
        if (!c) inByDrone.set(drone, (c = framesIn.labels(drone)));
        c.inc();
        bytesIn.inc(bytes);
      },
      rejected: (reason) => rejected.labels(reason).inc(),
      sent(bytes) {
        sent.inc();
        bytesOut.inc(bytes);
      },
      skipped: () => skipped.inc(),
      ackTimeout: () => ackTimeouts.inc(),
      clients: (n) => clients.set(n),
    },
  });

  return {
    relay,
    recorder,
    config,
    accepts(topic) {
      if (!topic.endsWith('/video')) return false;
      const t = parseTopic(topic);
      return !!t && isBinaryChannel(t.kind, t.channel);
    },
    ingest(topic, payload, nowMs) {
      const t = parseTopic(topic);
      if (!t) return { reason: 'unknown_topic', detail: 'not a video topic' };
      return relay.ingest(t.deviceId, payload, nowMs);
    },
    attach(io, auth) {
      authenticator = auth;
      relay.attach(io.of(VIDEO_NAMESPACE) as never);
    },
    async close() {
      relay.close();
      await recorder?.close();
    },
  };
}
