/**
 * SUMO bridge: every traffic light of a SUMO simulation as a field controller of our MQTT contract
 * (docs/mqtt-contract.md), so the hub steers SUMO without knowing it is a simulation.
 *
 * Per signal it publishes what a real controller does, and nothing a real city would not have:
 *   - `tls/{id}/meta` (retained, QoS 1): position, approaches (with the feeding road), detector ids,
 *     signal groups / conflicts / intergreens and the default plan (sim/sumo/net/derive.ts);
 *   - `tls/{id}/state` every simulation second: group states from SUMO's link state string, plan,
 *     cycle second, mode;
 *   - `tls/{id}/detectors` every `aggregationSec`: per lane-area detector the vehicles that entered
 *     the zone (volume) and the mean occupancy of the zone (SUMO E2 occupancy: share of the zone
 *     length covered, the camera/radar notion, reported as NTCIP occupancy);
 *   - `tls/{id}/ack` for every command;
 *   - `transit/{vehicleId}/position` every `aggregationSec` for SUMO's buses and trams (vClass bus /
 *     tram / rail_urban / light_rail, or any vehicle with a `line`): GTFS-RT style positions, keyed
 *     `{line}-{n}`, with `trip.routeId` = the line. The line's static meta (stops, shape) is the transit
 *     operator's GTFS, not the controller's: the hub accepts the positions once it knows the line.
 *     Private cars are never published (no ids, routes or destinations).
 * Commands (`tls/+/cmd` PlanCommand, `tls/+/stage` StageCommand) go through the signal-safety layer
 * (sim/sumo/safety.ts) — validated, acknowledged, and carried out second by second with minimum
 * greens, amber, intergreens and red-amber; a refused command never reaches SUMO.
 *
 * Time base: tsMs = (epochAtSimZeroSec + SUMO time) * 1000. The hub refuses measurements more than
 * 5 min in its future or 24 h in its past (server/ingest/decode.ts), and lock-step runs an hour of
 * traffic in seconds, so by default SUMO's END time is mapped to "now": the whole run lies in the
 * recent past, timestamps strictly increase, and intervals stay model seconds. In real-time mode the
 * BEGIN time is mapped to now instead, so timestamps are the wall clock (a live twin).
 *
 * Modes: free-running (as fast as SUMO goes), `lockstep` (before advancing past second t, wait until
 * every signal under adaptive control has received a StageCommand whose tsMs equals its TlsState tsMs
 * of second t; bounded wait, timeouts counted), `realtime` (one simulation second per wall second).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { MAX_PAYLOAD_BYTES, parseTopic, topics, type DetectorReport, type TlsMeta } from '../../protocol/index.ts';
import { CONTROLLER_CMD_SUBSCRIPTION, CONTROLLER_STAGE_SUBSCRIPTION, SIGNAL_QOS, signalTopics, type PlanAck } from '../../protocol/signal.ts';
import * as C from './traci/constants.ts';
import type { TraciClient } from './traci/client.ts';
import { epochPlan, type SumoNetwork, type SumoSignal } from './net/derive.ts';
import { sanitiseId } from './net/ids.ts';
import { transitTopics, type VehiclePosition } from '../../protocol/transit.ts';
import { SignalSafety } from './safety.ts';

export const DEFAULT_AGGREGATION_SEC = 5;
/** SUMO vehicle classes that are public transport (SUMO docs, "Vehicle Type Parameter Defaults"). */
const TRANSIT_CLASSES = new Set(['bus', 'tram', 'rail_urban', 'light_rail']);
export const DEFAULT_LOCKSTEP_TIMEOUT_MS = 2000;

export interface BridgeOptions {
  traci: TraciClient;
  net: SumoNetwork;
  mqttUrl: string;
  /** SUMO time the run starts at (the sumocfg's begin) and ends at. */
  beginSec: number;
  endSec: number;
  lockstep?: boolean;
  realtime?: boolean;
  lockstepTimeoutMs?: number;
  /**
   * Lock-step: whose answers to wait for each second. 'adaptive' (default): the signals carrying out
   * a StageCommand (a hub in fixed mode sends nothing and is never waited for). 'all': every signal,
   * from the first second — for a hub that answers every TlsState (CONTROL_DEFAULT_MODE=auto), so
   * SUMO never runs ahead of it (then its first answers would land on a later second than the one
   * they answer, or expire, depending on machine load).
   */
  lockstepAwait?: 'adaptive' | 'all';
  aggregationSec?: number;
  /** Epoch second SUMO time 0 is mapped to (default: see the time base above). */
  epochAtSimZeroSec?: number;
  clientId?: string;
  log?: (msg: string) => void;
}

export interface BridgeStats {
  steps: number;
  published: number;
  commands: number;
  refused: number;
  lockstepWaits: number;
  lockstepTimeouts: number;
  setStates: number;
  handbacks: number;
  /** Refused commands by the first reason code of their ack (EXPIRED, SCHEMA, CONFLICT, …). */
  refusedByCode: Record<string, number>;
}

interface DetState {
  prev: Set<string>;
  count: number;
  occSum: number;
}

export class SumoBridge {
  readonly net: SumoNetwork;
  readonly epochAtSimZeroSec: number;
  readonly stats: BridgeStats = { steps: 0, published: 0, commands: 0, refused: 0, lockstepWaits: 0, lockstepTimeouts: 0, setStates: 0, handbacks: 0, refusedByCode: {} };
  readonly safety = new Map<string, SignalSafety>();
  /** Last state string SUMO showed per device id (what TlsState was built from). */
  readonly lastState = new Map<string, string>();
  readonly #o: Required<Omit<BridgeOptions, 'epochAtSimZeroSec' | 'clientId' | 'log'>> & { log: (m: string) => void };
  readonly #traci: TraciClient;
  #client: MqttClient | null = null;
  #t: number;
  readonly #det = new Map<string, DetState>();
  /** Device ids whose StageCommand for the current second has arrived (lock-step). */
  readonly #answered = new Set<string>();
  #wake: (() => void) | null = null;
  #stopped = false;
  readonly #clientId: string;
  /** SUMO vehicle id -> our transit vehicle id and line (buses/trams only). */
  readonly #transit = new Map<string, { id: string; line: string }>();
  readonly #lineCount = new Map<string, number>();
  /** Subscription values of the current second (null before the first step). */
  #res: TraciClient['results'] | null = null;
  /** Last model second processed (decided, published). */
  #processed = -1;

  constructor(opts: BridgeOptions) {
    this.net = opts.net;
    this.#traci = opts.traci;
    this.#o = {
      traci: opts.traci,
      net: opts.net,
      mqttUrl: opts.mqttUrl,
      beginSec: opts.beginSec,
      endSec: opts.endSec,
      lockstep: opts.lockstep ?? false,
      realtime: opts.realtime ?? false,
      lockstepTimeoutMs: opts.lockstepTimeoutMs ?? DEFAULT_LOCKSTEP_TIMEOUT_MS,
      lockstepAwait: opts.lockstepAwait ?? 'adaptive',
      aggregationSec: opts.aggregationSec ?? DEFAULT_AGGREGATION_SEC,
      log: opts.log ?? (() => {}),
    };
    const nowSec = Math.floor(Date.now() / 1000);
    this.epochAtSimZeroSec = opts.epochAtSimZeroSec ?? (opts.realtime ? nowSec - Math.floor(opts.beginSec) : nowSec - Math.ceil(opts.endSec));
    for (const s of opts.net.signals) this.safety.set(s.id, new SignalSafety(s, this.epochAtSimZeroSec));
    this.#t = opts.beginSec;
    this.#clientId = opts.clientId ?? `sumo-bridge-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Model second the simulation is at. */
  get t(): number {
    return this.#t;
  }

  tsMs(t: number): number {
    return Math.round((this.epochAtSimZeroSec + t) * 1000);
  }

  meta(s: SumoSignal, tsMs: number): TlsMeta {
    return {
      id: s.id,
      name: s.name,
      lon: s.lon,
      lat: s.lat,
      approaches: s.approaches.map((a) => a.meta),
      detectorIds: s.detectors.map((d) => d.id),
      signal: { spec: s.spec, plan: epochPlan(s, this.epochAtSimZeroSec) },
      tsMs,
    };
  }

  /** Connects to the broker, announces every signal, subscribes to commands and to SUMO's values. */
  async start(): Promise<void> {
    const client = await mqtt.connectAsync(this.#o.mqttUrl, { clientId: this.#clientId, clean: true, reconnectPeriod: 1000 });
    this.#client = client;
    // Nagle off: each second is a few small publishes whose answer the lock-step waits for; with
    // Nagle and the peer's delayed ACK every round trip would cost ~40 ms (RFC 896 / RFC 1122 4.2.3.2).
    (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
    client.on('message', (topic, payload) => this.#onMessage(topic, payload));
    await client.subscribeAsync([CONTROLLER_CMD_SUBSCRIPTION, CONTROLLER_STAGE_SUBSCRIPTION], { qos: 1 });
    const traci = this.#traci;
    this.#t = await traci.simulation.getTime();
    const ts = this.tsMs(this.#t);
    // Detectors SUMO actually has (an attached sumo may have been started without our file): a
    // missing detector is left out of the reports, never reported as an empty zone.
    const present = new Set(await traci.lanearea.getIDList());
    let missing = 0;
    for (const s of this.net.signals) {
      const prog = await traci.trafficlight.getProgram(s.tlId);
      if (prog !== s.programId) this.#o.log(`signal ${s.tlId}: SUMO runs program ${prog}, the net file's ${s.programId} was derived`);
      await client.publishAsync(topics.tlsMeta(s.id), JSON.stringify(this.meta(s, ts)), { qos: 1, retain: true });
      await traci.subscribe(C.CMD_GET_TL_VARIABLE, s.tlId, [C.TL_RED_YELLOW_GREEN_STATE, C.TL_CURRENT_PHASE, C.TL_NEXT_SWITCH]);
      for (const d of s.detectors) {
        if (this.#det.has(d.sumoId)) continue;
        if (!present.has(d.sumoId)) {
          missing++;
          continue;
        }
        this.#det.set(d.sumoId, { prev: new Set(), count: 0, occSum: 0 });
        await traci.subscribe(C.CMD_GET_LANEAREA_VARIABLE, d.sumoId, [C.LAST_STEP_VEHICLE_ID_LIST, C.LAST_STEP_OCCUPANCY]);
      }
    }
    if (missing) this.#o.log(`${missing} lane-area detectors are not loaded in sumo (load the bridge's detectors file); they are left out of the reports`);
    await traci.subscribe(C.CMD_GET_SIM_VARIABLE, '', [C.VAR_DEPARTED_VEHICLES_IDS]);
    // The state governing the first step (see #governing).
    for (const s of this.net.signals) {
      const state = await traci.trafficlight.getRedYellowGreenState(s.tlId);
      const next = await traci.trafficlight.getNextSwitch(s.tlId);
      const phase = await traci.trafficlight.getPhase(s.tlId);
      this.lastState.set(s.id, next <= this.#t + 1e-6 ? s.phases[(phase + 1) % s.phases.length]!.state : state);
    }
  }

  #onMessage(topic: string, payload: Buffer): void {
    const p = parseTopic(topic);
    if (!p || p.kind !== 'tls' || (p.channel !== 'cmd' && p.channel !== 'stage')) return;
    const safety = this.safety.get(p.deviceId);
    if (!safety) return; // another gateway's installation
    this.stats.commands++;
    const nowMs = this.tsMs(this.#t);
    let raw: unknown;
    let ack: PlanAck;
    if (payload.length > MAX_PAYLOAD_BYTES) {
      ack = { cmdId: 'invalid', tsMs: nowMs, accepted: false, reasons: [{ code: 'SCHEMA', message: `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` }] };
    } else {
      try {
        raw = JSON.parse(payload.toString('utf8'));
        ack = p.channel === 'cmd' ? safety.planCommand(raw, nowMs) : safety.stageCommand(raw, nowMs);
      } catch {
        ack = { cmdId: 'invalid', tsMs: nowMs, accepted: false, reasons: [{ code: 'SCHEMA', message: 'payload is not valid JSON' }] };
      }
    }
    if (!ack.accepted) {
      this.stats.refused++;
      const code = ack.reasons[0]?.code ?? 'UNKNOWN';
      this.stats.refusedByCode[code] = (this.stats.refusedByCode[code] ?? 0) + 1;
    }
    this.#client?.publish(signalTopics.ack(p.deviceId), JSON.stringify(ack), { qos: SIGNAL_QOS.ack });
    // Lock-step: the hub's answer for this second (its StageCommand carries the TlsState's tsMs);
    // a refused answer is an answer too (waiting on would not change it).
    if (p.channel === 'stage' && (raw as { tsMs?: unknown } | undefined)?.tsMs === nowMs) {
      this.#answered.add(p.deviceId);
      this.#wake?.();
    }
  }

  /**
   * Runs second by second until `untilSec` (default: the end of the run) or stop(). The simulation
   * must be at a whole second. `afterStep(t)` runs right after SUMO simulated up to t, before the
   * bridge handles second t (tests read SUMO there).
   */
  async run(untilSec = this.#o.endSec, afterStep?: (t: number) => Promise<void>): Promise<BridgeStats> {
    const traci = this.#traci;
    const wallStart = Date.now();
    const t0 = this.#t;
    while (!this.#stopped) {
      const t = this.#t;
      if (this.#processed !== t) {
        await this.#second(t);
        this.#processed = t;
      }
      if (t >= untilSec) break;
      if (this.#o.lockstep) await this.#waitAnswers(this.tsMs(t));
      if (this.#o.realtime) {
        const wait = wallStart + (t + 1 - t0) * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      this.#res = await traci.simulationStep(t + 1);
      this.#t = t + 1;
      await afterStep?.(t + 1);
      this.#answered.clear();
      this.stats.steps++;
      await this.#drain();
    }
    return this.stats;
  }

  /** One model second: decide/observe every signal, publish its state, detectors on the interval. */
  async #second(t: number): Promise<void> {
    const traci = this.#traci;
    const res = this.#res;
    const ts = this.tsMs(t);
    for (const s of this.net.signals) {
      const safety = this.safety.get(s.id)!;
      const observed = res ? this.#governing(s, t, res) : this.lastState.get(s.id)!;
      let shown = observed;
      const want = safety.decide(t);
      if (want !== null) {
        if (want !== observed) {
          await traci.trafficlight.setRedYellowGreenState(s.tlId, want);
          this.stats.setStates++;
        }
        shown = want;
      } else if (safety.justHandedBack) {
        // Back to the network's own program, at the phase and remaining time of this cycle second.
        const pos = safety.programPositionAt(t);
        await traci.trafficlight.setProgram(s.tlId, s.programId);
        await traci.trafficlight.setPhase(s.tlId, pos.index);
        await traci.trafficlight.setPhaseDuration(s.tlId, pos.remainingSec);
        shown = s.phases[pos.index]!.state;
        this.stats.handbacks++;
        safety.observe(t, shown);
      } else safety.observe(t, observed);
      this.lastState.set(s.id, shown);
      this.#send(signalTopics.state(s.id), safety.state(ts, shown), SIGNAL_QOS.state);
    }
    if (res) {
      this.#readDetectors(res);
      await this.#trackTransit(res);
    }
    if (t > this.#o.beginSec && Math.round(t - this.#o.beginSec) % this.#o.aggregationSec === 0) {
      this.#publishDetectors(ts);
      this.#publishTransit(ts, res);
    }
  }

  /** New departures: buses and trams get a position subscription; everything else is ignored. */
  async #trackTransit(res: TraciClient['results']): Promise<void> {
    const departed = res.value(C.CMD_GET_SIM_VARIABLE, '', C.VAR_DEPARTED_VEHICLES_IDS);
    if (!Array.isArray(departed) || departed.length === 0) return;
    const traci = this.#traci;
    for (const v of departed as string[]) {
      const vClass = await traci.vehicle.getVehicleClass(v);
      const line = await traci.vehicle.getLine(v);
      if (!TRANSIT_CLASSES.has(vClass) && !line) continue;
      const lineId = sanitiseId(line || vClass, 40);
      const n = (this.#lineCount.get(lineId) ?? 0) + 1;
      this.#lineCount.set(lineId, n);
      this.#transit.set(v, { id: `${lineId}-${n}`, line: lineId });
      await traci.subscribe(C.CMD_GET_VEHICLE_VARIABLE, v, [C.VAR_POSITION, C.VAR_SPEED, C.VAR_ANGLE]);
    }
  }

  #publishTransit(ts: number, res: TraciClient['results'] | null): void {
    if (!res || this.#transit.size === 0) return;
    for (const [v, info] of this.#transit) {
      const vars = res.object(C.CMD_GET_VEHICLE_VARIABLE, v);
      if (!vars) {
        this.#transit.delete(v); // arrived: its subscription ended with it
        continue;
      }
      const pos = vars.get(C.VAR_POSITION) as { x: number; y: number } | undefined;
      if (!pos) continue;
      const [lon, lat] = this.net.toLonLat(pos.x, pos.y);
      const speed = vars.get(C.VAR_SPEED);
      const angle = vars.get(C.VAR_ANGLE);
      const msg: VehiclePosition = {
        trip: { routeId: info.line },
        vehicle: { id: info.id },
        position: {
          latitude: lat,
          longitude: lon,
          ...(typeof angle === 'number' && angle >= 0 && angle <= 360 ? { bearing: Math.round(angle * 10) / 10 } : {}),
          ...(typeof speed === 'number' && speed >= 0 ? { speed: Math.round(Math.min(70, speed) * 10) / 10 } : {}),
        },
        timestamp: Math.round(ts / 1000),
        tsMs: ts,
      };
      this.#send(transitTopics.position(info.id), msg, 0);
    }
  }

  /**
   * The state that governs SUMO's step t -> t+1. SUMO switches a program's phase at the START of a
   * step (MSTLLogicControl before the vehicles move), so right after simulationStep(t) TraCI still
   * reports the state of the step before when a switch is due at t (nextSwitch <= t). Then the
   * program's next phase is what the vehicles will see (checked against SUMO 1.15 in bridge.test.ts).
   * A state the bridge set itself (online program) never switches on its own.
   */
  #governing(s: SumoSignal, t: number, res: TraciClient['results']): string {
    const state = res.string(C.CMD_GET_TL_VARIABLE, s.tlId, C.TL_RED_YELLOW_GREEN_STATE) ?? this.lastState.get(s.id)!;
    const safety = this.safety.get(s.id)!;
    if (!safety.passthrough) return state;
    const next = res.number(C.CMD_GET_TL_VARIABLE, s.tlId, C.TL_NEXT_SWITCH);
    const phase = res.number(C.CMD_GET_TL_VARIABLE, s.tlId, C.TL_CURRENT_PHASE);
    if (Number.isFinite(next) && Number.isFinite(phase) && next <= t + 1e-6) return s.phases[(phase + 1) % s.phases.length]!.state;
    return state;
  }

  /** Back-pressure: let the socket take what was published before simulating on. */
  async #drain(): Promise<void> {
    const stream = (this.#client as unknown as { stream?: { writableNeedDrain?: boolean; once(e: string, f: () => void): void } } | null)?.stream;
    if (stream?.writableNeedDrain) await new Promise<void>((r) => stream.once('drain', r));
  }

  async #waitAnswers(ts: number): Promise<void> {
    const due = Date.now() + this.#o.lockstepTimeoutMs;
    const missing = () => {
      const all = this.#o.lockstepAwait === 'all';
      for (const [id, s] of this.safety) if ((all || s.mode === 'adaptive') && !this.#answered.has(id)) return true;
      return false;
    };
    if (!missing()) return;
    this.stats.lockstepWaits++;
    while (missing()) {
      const left = due - Date.now();
      if (left <= 0) {
        this.stats.lockstepTimeouts++;
        this.#o.log(`lock-step: no answer for ${ts} within ${this.#o.lockstepTimeoutMs} ms`);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
  }

  #readDetectors(res: TraciClient['results']): void {
    for (const [sumoId, d] of this.#det) {
      const ids = res.value(C.CMD_GET_LANEAREA_VARIABLE, sumoId, C.LAST_STEP_VEHICLE_ID_LIST);
      const occ = res.number(C.CMD_GET_LANEAREA_VARIABLE, sumoId, C.LAST_STEP_OCCUPANCY);
      if (Array.isArray(ids)) {
        // Volume: vehicles that entered the zone (ids only compared here, never published).
        let entered = 0;
        for (const v of ids as string[]) if (!d.prev.has(v)) entered++;
        d.count += entered;
        d.prev.clear();
        for (const v of ids as string[]) d.prev.add(v);
      }
      if (Number.isFinite(occ)) d.occSum += occ;
    }
  }

  #publishDetectors(ts: number): void {
    const interval = this.#o.aggregationSec;
    for (const s of this.net.signals) {
      const detectors: DetectorReport['detectors'] = [];
      for (const d of s.detectors) {
        const st = this.#det.get(d.sumoId);
        if (st) detectors.push({ id: d.id, count: Math.min(10_000, st.count), occupancyPct: Math.round(Math.min(100, Math.max(0, st.occSum / interval)) * 10) / 10 });
      }
      if (detectors.length === 0) continue;
      const report: DetectorReport = { tsMs: ts, intervalSec: interval, detectors };
      this.#send(topics.tlsDetectors(s.id), report, 0);
    }
    for (const st of this.#det.values()) {
      st.count = 0;
      st.occSum = 0;
    }
  }

  #send(topic: string, payload: unknown, qos: 0 | 1): void {
    if (!this.#client) return;
    this.#client.publish(topic, JSON.stringify(payload), { qos });
    this.stats.published++;
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  /** Ends the MQTT session (SUMO is the caller's). */
  async close(): Promise<void> {
    this.stop();
    const c = this.#client;
    this.#client = null;
    if (c) await c.endAsync();
  }
}
