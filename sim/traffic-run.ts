/**
 * Runs the closed-loop traffic simulation against an MQTT broker: the traffic model and one signal
 * controller per intersection (`sim/devices/controller.ts`), as field devices.
 *
 * Per controller it publishes `TlsState` (every model second, QoS 0), `DetectorReport` and the
 * simulator-only `TlsTruth` (every `intervalSec` model seconds, QoS 0), and answers `PlanCommand`s
 * from `city/v1/tls/+/cmd` on `ack` (QoS 1): validated with `validatePlan`, switched in at the next
 * cycle boundary, and `StageCommand`s from `city/v1/tls/+/stage` (adaptive control: validated with
 * `validateStage`, carried out by the controller's safety layer, watchdog back to the own plan), also
 * acknowledged on `ack`. `meta` is published retained at the start, as `sim/run.ts` does.
 *
 * Timestamps are wall-clock UTC (a real device has a real clock); model time runs `speed` times
 * faster and `intervalSec` is in model seconds, so flows stay in vehicles per model hour. When one
 * timer tick covers several model seconds only the newest `TlsState` is published (an older state
 * is obsolete the moment a newer one exists); detector and truth reports are never skipped.
 *
 * `asFastAsPossible` runs without timers, yielding to the event loop between batches and waiting
 * for the socket to take each batch, for evaluations (e.g. of a signal optimiser, judged on `truth`).
 */
import { once } from 'node:events';
import mqtt from 'mqtt';
import { MAX_PAYLOAD_BYTES, parseTopic, topics } from '../protocol/index.ts';
import { CONTROLLER_CMD_SUBSCRIPTION, CONTROLLER_STAGE_SUBSCRIPTION, SIGNAL_QOS, signalTopics } from '../protocol/signal.ts';
import type { Intersection, Link } from './city/types.ts';
import { CitySim, type Fault } from './devices/controller.ts';
import { tlsMeta } from './devices/tls.ts';
import type { DemandFn } from './traffic/demand.ts';

export const DEFAULT_INTERVAL_SEC = 5;
/** Seed of the generated outer ring: the city's layout stays the same whatever the traffic seed. */
export const OUTER_RING_SEED = 1;

export interface TrafficSimOptions {
  url: string;
  /** Model seconds per wall second (ignored with asFastAsPossible). */
  speed: number;
  seed: number;
  /** Default: the modelled inner city plus the generated outer ring (550 installations); `seed` only drives the traffic. */
  intersections?: Intersection[];
  /** Seed of the generated outer ring when `intersections` is not given (default OUTER_RING_SEED). */
  outerRingSeed?: number;
  /** Default: LINKS of the modelled inner city. */
  links?: Link[];
  /** Model time at the start, ms; default now. */
  modelStartMs?: number;
  /** Detector / truth aggregation interval, model seconds. */
  intervalSec?: number;
  /** Publish TlsState every this many model seconds (default 1; with asFastAsPossible, intervalSec). */
  stateEverySec?: number;
  /** Publish the simulator ground truth (default true). */
  publishTruth?: boolean;
  /** Run model seconds back to back without timers. */
  asFastAsPossible?: boolean;
  /** Stop after this many model seconds (default: run until stop()). */
  durationSec?: number;
  demand?: DemandFn;
  clientId?: string;
}

export interface RunningTrafficSim {
  readonly sim: CitySim;
  /** Resolves when durationSec model seconds have run, or after stop(). */
  readonly done: Promise<void>;
  inject(controllerId: string, fault: Fault): void;
  clear(controllerId: string, fault: Fault): void;
  stop(): Promise<void>;
}

export async function runTrafficSim(opts: TrafficSimOptions): Promise<RunningTrafficSim> {
  let intersections = opts.intersections;
  let links = opts.links;
  if (!intersections || !links) {
    const city = await import('./city/duisburg.ts');
    intersections ??= [...city.INTERSECTIONS, ...city.generateOuterRing(city.DEFAULT_OUTER_RING_COUNT, opts.outerRingSeed ?? OUTER_RING_SEED)];
    links ??= city.LINKS;
  }
  const intervalSec = opts.intervalSec ?? DEFAULT_INTERVAL_SEC;
  const stateEvery = opts.stateEverySec ?? (opts.asFastAsPossible ? intervalSec : 1);
  const publishTruth = opts.publishTruth ?? true;
  const wallStart = Date.now();
  const modelStartMs = opts.modelStartMs ?? wallStart;
  const sim = new CitySim({ intersections, links, seed: opts.seed, startMs: modelStartMs, ...(opts.demand ? { demand: opts.demand } : {}) });
  const model = sim.model;
  const firstSec = sim.tSec;
  const endSec = opts.durationSec !== undefined ? firstSec + opts.durationSec : Infinity;

  const client = await mqtt.connectAsync(opts.url, {
    clientId: opts.clientId ?? `traffic-sim-${process.pid}-${opts.seed}`,
    reconnectPeriod: 1000,
  });
  const send = (topic: string, payload: unknown, qos: 0 | 1, retain = false) => {
    client.publish(topic, JSON.stringify(payload), { qos, retain });
  };

  const linkById = new Map(links.map((l) => [l.id, l]));
  for (const c of sim.controllers) {
    // Retained, QoS 1: a hub that starts later learns every device at once ([MQTT-3.3.1-5]).
    send(topics.tlsMeta(c.id), tlsMeta(c.x, wallStart, c.metaSignal(), linkById), 1, true);
  }

  client.on('message', (topic, payload) => {
    const p = parseTopic(topic);
    if (!p || p.kind !== 'tls' || (p.channel !== 'cmd' && p.channel !== 'stage')) return;
    const ctl = sim.byId.get(p.deviceId);
    if (!ctl || ctl.commsLost) return; // an unreachable device hears nothing and answers nothing
    let raw: unknown = null;
    if (payload.length <= MAX_PAYLOAD_BYTES) {
      try {
        raw = JSON.parse(payload.toString('utf8'));
      } catch {
        raw = null;
      }
    }
    const ack = p.channel === 'cmd' ? ctl.command(raw, Date.now()) : ctl.stage(raw, Date.now());
    send(signalTopics.ack(ctl.id), ack, SIGNAL_QOS.ack);
  });
  await client.subscribeAsync([CONTROLLER_CMD_SUBSCRIPTION, CONTROLLER_STAGE_SUBSCRIPTION], { qos: 1 });

  /** One model second; reports at interval ends. Returns true when the run is over. */
  const stepOnce = (): boolean => {
    sim.step();
    const t = sim.tSec; // end of the second just simulated
    if ((t - firstSec) % intervalSec === 0) {
      const ts = Date.now();
      for (const c of sim.controllers) {
        // Computed even when not sent, so the next report covers exactly its own interval.
        const rep = c.detectorReport(model, ts, intervalSec);
        if (!c.commsLost && client.connected) send(topics.tlsDetectors(c.id), rep, 0);
        const truth = c.truth(model, ts, intervalSec);
        if (publishTruth && client.connected) send(signalTopics.truth(c.id), truth, SIGNAL_QOS.truth);
      }
    }
    return t >= endSec;
  };
  let lastStateSlot = -1;
  /** The newest TlsState of every controller, at most once per `stateEvery` model seconds. */
  const publishStates = () => {
    const slot = Math.floor((sim.tSec - firstSec) / stateEvery);
    if (slot === lastStateSlot || !client.connected) return;
    lastStateSlot = slot;
    const ts = Date.now();
    for (const c of sim.controllers) if (!c.commsLost) send(signalTopics.state(c.id), c.state(ts), SIGNAL_QOS.state);
  };
  /** Waits until the socket has taken what was published (back-pressure for asFastAsPossible). */
  const drained = async () => {
    const stream = (client as unknown as { stream?: NodeJS.WritableStream & { writableNeedDrain?: boolean } }).stream;
    if (stream?.writableNeedDrain) await Promise.race([once(stream, 'drain'), new Promise((r) => setTimeout(r, 5000))]);
  };

  let stopped = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let timer: NodeJS.Timeout | null = null;

  if (opts.asFastAsPossible) {
    void (async () => {
      while (!stopped) {
        let over = false;
        for (let k = 0; k < 50 && !over; k++) {
          over = stepOnce();
          publishStates();
        }
        // Back-pressure: the socket takes this batch before the next one is simulated.
        if (client.connected) await drained();
        else await new Promise((r) => setTimeout(r, 100));
        if (over) break;
        await new Promise((r) => setImmediate(r));
      }
      resolveDone();
    })();
  } else {
    // 10 ticks per wall second: at most 10 TlsStates per controller and wall second at any speed.
    const tickMs = 100;
    timer = setInterval(() => {
      const due = firstSec + Math.floor(((Date.now() - wallStart) * opts.speed) / 1000);
      let stepped = 0;
      let over = false;
      // Catch up, but never block the event loop for more than ~10 s of model time per tick.
      while (sim.tSec < due && !over && stepped < Math.max(10, opts.speed * 2)) {
        over = stepOnce();
        stepped++;
      }
      if (stepped > 0) publishStates();
      if (over) {
        clearInterval(timer!);
        timer = null;
        resolveDone();
      }
    }, tickMs);
  }

  return {
    sim,
    done,
    inject: (id, f) => sim.controller(id).inject(f),
    clear: (id, f) => sim.controller(id).clear(f),
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      resolveDone();
      await client.endAsync();
    },
  };
}
