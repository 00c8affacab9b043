// TraCI client over node:net (SUMO's TCP control protocol, https://sumo.dlr.de/docs/TraCI/Protocol.html).
// TraCI is strictly request/response on one socket: requests are queued and sent one message at a
// time. Nagle is off (setNoDelay) because every step is a small message whose answer we wait for —
// with Nagle + delayed ACK each round trip would cost up to 40 ms.

import net from 'node:net';
import * as C from './constants.ts';
import { Reader, Writer, writeCommand } from './codec.ts';
import { TraciError } from './errors.ts';
import { decodeSpecial, type TraciAny } from './decode.ts';
import { SubscriptionResults } from './subscriptions.ts';
import { TrafficLightDomain } from './trafficlight.ts';
import { DetectorDomain, SimulationDomain, VehicleDomain } from './domains.ts';

export type ConnectOptions = {
  host?: string;
  /** keep retrying ECONNREFUSED for this long (sumo takes a moment to open its port) */
  timeoutMs?: number;
  retryDelayMs?: number;
  /** give up early when this resolves/returns true (e.g. the sumo process exited) */
  aborted?: () => string | null;
};

export type VersionInfo = { apiVersion: number; sumoVersion: string };

type Pending = {
  cmdIds: number[];
  resolve: (r: Reader) => void;
  reject: (e: Error) => void;
};

export class TraciClient {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private inFlight: Pending | null = null;
  private readonly queue: { message: Buffer; pending: Pending }[] = [];
  private closedError: TraciError | null = null;
  private readonly writer = new Writer(1024);
  private readonly content = new Writer(256);
  /** values of the last simulationStep's subscriptions (reused, cleared every step) */
  readonly results = new SubscriptionResults();

  readonly trafficlight: TrafficLightDomain;
  readonly inductionloop: DetectorDomain;
  readonly lanearea: DetectorDomain;
  readonly simulation: SimulationDomain;
  readonly vehicle: VehicleDomain;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d) => this.onData(d));
    socket.on('error', (e) => this.fail(new TraciError('connection', `socket error: ${e.message}`)));
    socket.on('close', () => this.fail(new TraciError('connection', 'connection closed by SUMO')));
    this.trafficlight = new TrafficLightDomain(this);
    this.inductionloop = new DetectorDomain(this, C.CMD_GET_INDUCTIONLOOP_VARIABLE);
    this.lanearea = new DetectorDomain(this, C.CMD_GET_LANEAREA_VARIABLE);
    this.simulation = new SimulationDomain(this);
    this.vehicle = new VehicleDomain(this);
  }

  /** Connects, retrying while sumo is still starting up. */
  static async connect(port: number, opts: ConnectOptions = {}): Promise<TraciClient> {
    const host = opts.host ?? '127.0.0.1';
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    const retryDelayMs = opts.retryDelayMs ?? 50;
    let lastError = '';
    for (;;) {
      const abortReason = opts.aborted?.();
      if (abortReason) throw new TraciError('connection', `cannot connect to ${host}:${port}: ${abortReason}`);
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host, port });
          s.once('connect', () => {
            s.removeListener('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        });
        return new TraciClient(socket);
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (Date.now() >= deadline) {
        throw new TraciError('timeout', `cannot connect to ${host}:${port}: ${lastError}`);
      }
      await new Promise((r) => setTimeout(r, retryDelayMs));
    }
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  // ------------------------------------------------------------------ framing

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.buffered >= 4) {
      const first = this.chunks[0]!;
      const head = first.length >= 4 ? first : this.flatten();
      const total = head.readInt32BE(0);
      if (total < 4) {
        this.fail(new TraciError('protocol', `invalid message length ${total}`));
        this.socket.destroy();
        return;
      }
      if (this.buffered < total) return;
      const all = this.flatten();
      const message = all.subarray(0, total);
      const rest = all.subarray(total);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.onMessage(message);
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  private onMessage(message: Buffer): void {
    const p = this.inFlight;
    this.inFlight = null;
    if (!p) {
      this.fail(new TraciError('protocol', 'unsolicited message from SUMO'));
      return;
    }
    try {
      const firstCmd = p.cmdIds[0] ?? -1;
      const r = new Reader(message, 4, message.length, { commandId: firstCmd, commandName: C.commandName(firstCmd) });
      // one status response per command sent, in order
      for (const cmdId of p.cmdIds) {
        r.context = { commandId: cmdId, commandName: C.commandName(cmdId) };
        const start = r.pos;
        const len = r.commandLength();
        const got = r.ubyte();
        const result = r.ubyte();
        const description = r.string();
        if (got !== cmdId) {
          throw new TraciError('protocol', `status for command 0x${got.toString(16)} received`, r.context);
        }
        if (r.pos - start !== len) {
          throw new TraciError('protocol', `status response length ${len} but ${r.pos - start} bytes read`, r.context);
        }
        if (result !== C.RTYPE_OK) {
          throw new TraciError(
            'status',
            `${result === C.RTYPE_NOTIMPLEMENTED ? 'not implemented' : 'error'}: ${description}`,
            { ...r.context, sumoMessage: description, resultCode: result },
          );
        }
      }
      r.context = { commandId: firstCmd, commandName: C.commandName(firstCmd) };
      p.resolve(r);
    } catch (e) {
      p.reject(e as Error);
    }
    this.pump();
  }

  private fail(err: TraciError): void {
    if (this.closedError) return;
    this.closedError = err;
    const p = this.inFlight;
    this.inFlight = null;
    p?.reject(err);
    for (const q of this.queue.splice(0)) q.pending.reject(err);
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.closedError) return;
    const next = this.queue.shift()!;
    this.inFlight = next.pending;
    this.socket.write(next.message);
  }

  /**
   * Sends one message holding `commands` and resolves with a reader positioned after their status
   * responses (i.e. at the first result command), after checking every status.
   */
  request(commands: { id: number; content: Buffer }[]): Promise<Reader> {
    if (this.closedError) {
      const id = commands[0]?.id ?? -1;
      return Promise.reject(
        new TraciError(this.closedError.kind, this.closedError.message.replace(/^TraCI: /, ''), {
          commandId: id,
          commandName: C.commandName(id),
        }),
      );
    }
    const w = this.writer.reset();
    w.int(0);
    for (const c of commands) writeCommand(w, c.id, c.content);
    w.buf.writeInt32BE(w.pos, 0);
    const message = Buffer.from(w.view()); // copy: the writer is reused by the next request
    return new Promise<Reader>((resolve, reject) => {
      this.queue.push({ message, pending: { cmdIds: commands.map((c) => c.id), resolve, reject } });
      this.pump();
    });
  }

  /** Scratch writer for building one command's content (valid until the next call). */
  contentWriter(): Writer {
    return this.content.reset();
  }

  // ------------------------------------------------------------------ base commands

  async getVersion(): Promise<VersionInfo> {
    const r = await this.request([{ id: C.CMD_GETVERSION, content: Buffer.alloc(0) }]);
    r.commandLength();
    const id = r.ubyte();
    if (id !== C.CMD_GETVERSION) throw new TraciError('protocol', `unexpected response 0x${id.toString(16)}`, r.context);
    return { apiVersion: r.int(), sumoVersion: r.string() };
  }

  /**
   * Advances the simulation to `targetSec` (0: exactly one step). Resolves with the values of every
   * subscription for the new time step — one round trip for the whole step.
   */
  async simulationStep(targetSec = 0): Promise<SubscriptionResults> {
    const content = this.contentWriter().double(targetSec);
    const r = await this.request([{ id: C.CMD_SIMSTEP, content: Buffer.from(content.view()) }]);
    this.results.clear();
    const n = r.int();
    for (let i = 0; i < n; i++) this.readSubscriptionResponse(r);
    return this.results;
  }

  /** Sends close, waits for SUMO's acknowledgement and ends the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closedError) return;
    try {
      await this.request([{ id: C.CMD_CLOSE, content: Buffer.alloc(0) }]);
    } finally {
      this.fail(new TraciError('connection', 'client closed'));
      this.socket.end();
    }
  }

  /** Drops the connection without the close handshake (sumo gone or to be killed). */
  destroy(): void {
    this.fail(new TraciError('connection', 'client destroyed'));
    this.socket.destroy();
  }

  // ------------------------------------------------------------------ generic get / set / subscribe

  /** Reads one variable. `params` writes the optional typed parameter of the variable. */
  async get(domainGetId: number, varId: number, objectId: string, params?: (w: Writer) => void): Promise<TraciAny> {
    const w = this.contentWriter().ubyte(varId).string(objectId);
    params?.(w);
    const r = await this.request([{ id: domainGetId, content: Buffer.from(w.view()) }]);
    r.context = { commandId: domainGetId, commandName: C.commandName(domainGetId) };
    r.commandLength();
    const resp = r.ubyte();
    const gotVar = r.ubyte();
    const gotObj = r.string();
    if (resp !== domainGetId + C.GET_RESPONSE_OFFSET || gotVar !== varId || gotObj !== objectId) {
      throw new TraciError(
        'protocol',
        `answer 0x${resp.toString(16)}/0x${gotVar.toString(16)}/${gotObj} for request 0x${varId.toString(16)}/${objectId}`,
        r.context,
      );
    }
    return this.readValue(r, domainGetId, varId);
  }

  /** Sets one variable; `value` writes the typed value. */
  async set(domainGetId: number, varId: number, objectId: string, value: (w: Writer) => void): Promise<void> {
    const w = this.contentWriter().ubyte(varId).string(objectId);
    value(w);
    await this.request([{ id: domainGetId + C.SET_OFFSET, content: Buffer.from(w.view()) }]);
  }

  /**
   * Subscribes to `varIds` of one object: from now on every simulationStep returns their values.
   * Resolves with the current values. An empty list removes the subscription.
   */
  async subscribe(
    domainGetId: number,
    objectId: string,
    varIds: readonly number[],
    beginSec = C.INVALID_DOUBLE_VALUE,
    endSec = C.INVALID_DOUBLE_VALUE,
  ): Promise<Map<number, TraciAny> | null> {
    const w = this.contentWriter().double(beginSec).double(endSec).string(objectId).ubyte(varIds.length);
    for (const v of varIds) w.ubyte(v);
    const cmdId = domainGetId + C.SUBSCRIBE_OFFSET;
    const r = await this.request([{ id: cmdId, content: Buffer.from(w.view()) }]);
    if (varIds.length === 0) return null;
    const scratch = new SubscriptionResults();
    const got = this.readSubscriptionResponse(r, scratch);
    if (got.domainGetId !== domainGetId || got.objectId !== objectId) {
      throw new TraciError('protocol', `subscription answer for ${got.objectId}`, { commandId: cmdId, commandName: C.commandName(cmdId) });
    }
    return scratch.object(domainGetId, objectId) ?? new Map();
  }

  private readValue(r: Reader, domainGetId: number, varId: number): TraciAny {
    const type = r.ubyte();
    const special = decodeSpecial(r, domainGetId, varId, type);
    return special !== undefined ? special : r.valueOfType(type);
  }

  private readSubscriptionResponse(
    r: Reader,
    into: SubscriptionResults = this.results,
  ): { domainGetId: number; objectId: string } {
    const start = r.pos;
    const len = r.commandLength();
    const resp = r.ubyte();
    const domainGetId = resp - C.SUBSCRIBE_RESPONSE_OFFSET;
    if (domainGetId < 0xa0 || domainGetId > 0xaf) {
      // context subscriptions (0x90..) and the newer 0x0X domains are not used by this client
      throw new TraciError('protocol', `unsupported subscription response 0x${resp.toString(16)}`, r.context);
    }
    const objectId = r.string();
    const nVars = r.ubyte();
    for (let i = 0; i < nVars; i++) {
      const varId = r.ubyte();
      const status = r.ubyte();
      if (status !== C.RTYPE_OK) {
        const message = String(r.value());
        into.setError(domainGetId, objectId, varId, message);
        continue;
      }
      into.set(domainGetId, objectId, varId, this.readValue(r, domainGetId, varId));
    }
    if (r.pos - start !== len) {
      throw new TraciError('protocol', `subscription response length ${len} but ${r.pos - start} bytes read`, r.context);
    }
    return { domainGetId, objectId };
  }
}
