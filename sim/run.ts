/**
 * Runs the simulated devices against a broker. Device timestamps are wall-clock UTC (a real device
 * has a real clock); at SIM_SPEED > 1 the traffic model's own clock runs faster, and interval
 * lengths are reported in model seconds, so flows stay in vehicles per (model) hour.
 */
import mqtt from 'mqtt';
import { topics } from '../protocol/index.ts';
import type { Intersection } from './city/types.ts';
import { TlsDetectorEmulator, tlsMeta } from './devices/tls.ts';
import { Rng } from './rng.ts';
import { demandFactor } from './traffic/demand.ts';

export const DETECTOR_INTERVAL_SEC = 5;

export interface RunningSim {
  stop(): Promise<void>;
}

export async function runSimulator(opts: {
  url: string;
  speed: number;
  seed: number;
  intersections?: Intersection[];
  /** Model time at start; defaults to now. */
  modelStartMs?: number;
  intervalSec?: number;
}): Promise<RunningSim> {
  const rng = new Rng(opts.seed);
  const all = opts.intersections ?? (await import('./city/duisburg.ts')).INTERSECTIONS;
  const sites = all.map((x, i) => new TlsDetectorEmulator(x, rng.fork(i)));
  const intervalSec = opts.intervalSec ?? DETECTOR_INTERVAL_SEC;
  const client = await mqtt.connectAsync(opts.url, {
    clientId: `sim-${process.pid}-${opts.seed}`,
    reconnectPeriod: 1000,
  });
  const publishMeta = () => {
    const now = Date.now();
    for (const s of sites) {
      // Retained, QoS 1: a hub that starts later learns every device at once ([MQTT-3.3.1-5]).
      client.publish(topics.tlsMeta(s.x.id), JSON.stringify(tlsMeta(s.x, now)), { qos: 1, retain: true });
    }
  };
  publishMeta();
  const wallStart = Date.now();
  const modelStart = opts.modelStartMs ?? wallStart;
  const timer = setInterval(() => {
    if (!client.connected) return; // a real controller buffers nothing either; counts restart
    const now = Date.now();
    const modelNow = modelStart + (now - wallStart) * opts.speed;
    const f = demandFactor(modelNow);
    for (const s of sites) {
      client.publish(topics.tlsDetectors(s.x.id), JSON.stringify(s.report(now, intervalSec, f)), { qos: 0 });
    }
  }, (intervalSec * 1000) / opts.speed);
  return {
    async stop() {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}
