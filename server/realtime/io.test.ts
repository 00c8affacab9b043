/**
 * The realtime layer against real servers (port 0) and real Socket.IO clients: role scoping,
 * viewports, replay/snapshot, gap resync, slow clients, heartbeat and liveness.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import {
  FAMILIES,
  ROLES,
  type ClientToServerEvents,
  type Delta,
  type Family,
  type Principal,
  type Role,
  type ServerToClientEvents,
  type Snapshot,
  type SubscribeResponse,
  type TransitVehicleEntity,
  type ViewportResponse,
} from '../../protocol/index.ts';
import { RealtimeClient } from '../../src/lib/realtime/client.svelte.ts';
import type { Authenticator } from '../auth/types.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import type { BackpressureConfig } from './config.ts';
import { FamilyState } from './family.ts';
import { createIo, pendingOf, type Realtime } from './io.ts';
import { startTicker } from './ticker.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Fake Authenticator at the boundary: `?as=ROLE` is that role's principal, nothing is anonymous. */
const fakeAuth: Authenticator = {
  principalOf(req: IncomingMessage): Principal | null {
    const role = new URL(req.url ?? '/', 'http://x').searchParams.get('as');
    return role && (ROLES as readonly string[]).includes(role) ? { kind: role === 'wall' ? 'display' : 'user', name: `t-${role}`, role: role as Role } : null;
  },
};

interface Rig {
  url: string;
  rt: Realtime;
  families: Record<Family, FamilyState<Family, { id: string }>>;
  http: Server;
  close(): Promise<void>;
}

const rigs: Rig[] = [];
const clients: { close(): void }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const r of rigs.splice(0)) await r.close();
});

async function rig(opts: { backpressure?: Partial<BackpressureConfig>; heartbeatMs?: number; pingIntervalMs?: number; hubId?: string } = {}): Promise<Rig> {
  const families = Object.fromEntries(FAMILIES.map((f) => [f, new FamilyState(f)])) as unknown as Record<Family, FamilyState<Family, { id: string }>>;
  const http = createServer();
  const rt = createIo({
    http,
    families,
    hubId: opts.hubId ?? 'hub-1',
    version: 't',
    log: createLogger('silent'),
    metrics: createMetrics(),
    authenticator: fakeAuth,
    backpressure: opts.backpressure,
    heartbeatMs: opts.heartbeatMs,
    pingIntervalMs: opts.pingIntervalMs,
  });
  const stop = startTicker({ families, baseHz: 20, onTick: (now, ds) => rt.publishTick(now, ds), rates: { transit: 20, tls: 20 } });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const r: Rig = {
    url: `http://127.0.0.1:${port}`,
    rt,
    families,
    http,
    async close() {
      stop();
      await rt.close();
      http.closeAllConnections();
      await new Promise<void>((res) => http.close(() => res()));
    },
  };
  rigs.push(r);
  return r;
}

function connect(url: string, role: Role | null): Promise<Client> {
  const s: Client = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, query: role ? { as: role } : {} });
  clients.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

const sub = (s: Client, req: Parameters<ClientToServerEvents['subscribe']>[0]) => s.timeout(5000).emitWithAck('subscribe', req) as Promise<SubscribeResponse>;

async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const t = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const vehicle = (id: string, lon: number, lat: number, extra = ''): TransitVehicleEntity =>
  ({ id, lon, lat, lineId: 'l', lineName: '901', color: '#f00', mode: 'tram', delaySec: 0, tsMs: 0, link: 'live', note: extra }) as unknown as TransitVehicleEntity;

describe('authorisation', () => {
  it('refuses anonymous connections with E_UNAUTHENTICATED', async () => {
    const r = await rig();
    await expect(connect(r.url, null)).rejects.toThrow('E_UNAUTHENTICATED');
  });

  it('scopes families by role: wall gets no drone and no alarms, fire gets the drone', async () => {
    const r = await rig();
    const wall = await connect(r.url, 'wall');
    for (const f of ['drone', 'alarms', 'lampFaults', 'lighting'] as const) {
      const res = await sub(wall, { family: f });
      expect(res).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    expect(await sub(wall, { family: 'tls' })).toMatchObject({ ok: true, mode: 'snapshot' });
    // A refused subscription receives nothing of the family.
    const got: Delta[] = [];
    wall.on('delta', (d) => got.push(d));
    r.families.drone.put({ id: 'd1' });
    r.families.alarms.put({ id: 'a1' });
    r.families.tls.put({ id: 't1' });
    await waitFor(() => got.some((d) => d.family === 'tls'), 2000, 'tls delta');
    await new Promise((res) => setTimeout(res, 200));
    expect(got.every((d) => d.family === 'tls')).toBe(true);

    const fire = await connect(r.url, 'fire');
    expect(await sub(fire, { family: 'drone' })).toMatchObject({ ok: true });
    expect(await sub(fire, { family: 'lampFaults' })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    for (const role of ROLES) {
      const s = await connect(r.url, role);
      expect((await sub(s, { family: 'alarms' })).ok).toBe(role !== 'wall');
    }
  });
});

describe('viewport subscriptions', () => {
  it('sends a bbox subscriber only what is inside, entries whole, and removals when entities leave', async () => {
    const r = await rig();
    const t = r.families.transit as unknown as FamilyState<'transit', TransitVehicleEntity>;
    t.put(vehicle('in', 6.76, 51.43));
    t.put(vehicle('out', 6.9, 51.5));
    t.flush(Date.now());
    const s = await connect(r.url, 'operator');
    const city = await connect(r.url, 'operator');
    const res = await sub(s, { family: 'transit', bbox: [6.7, 51.4, 6.8, 51.45], zoom: 14 });
    expect(res.ok && res.mode === 'snapshot' && res.snapshot.entities.map((e) => e.id)).toEqual(['in']);
    const all = await sub(city, { family: 'transit' });
    expect(all.ok && all.mode === 'snapshot' && all.snapshot.entities.length).toBe(2);
    const deltas: Delta[] = [];
    const cityDeltas: Delta[] = [];
    s.on('delta', (d) => deltas.push(d));
    city.on('delta', (d) => cityDeltas.push(d));

    t.patch({ id: 'out', lon: 6.95 }); // outside, stays outside: not sent (an empty delta keeps the seq)
    await waitFor(() => deltas.length >= 1, 2000, 'first delta');
    expect(deltas[0]).toMatchObject({ upserts: [], removes: [] });
    t.patch({ id: 'in', lon: 6.95 }); // leaves
    t.patch({ id: 'out', lon: 6.75, lat: 51.42 }); // enters: sent whole
    await waitFor(() => deltas.length >= 2, 2000, 'second delta');
    expect(deltas[1]!.removes).toEqual(['in']);
    expect(deltas[1]!.upserts).toEqual([expect.objectContaining({ id: 'out', lineName: '901', lon: 6.75, lat: 51.42 })]);
    expect(deltas[1]!.seq).toBe(deltas[0]!.seq + 1);
    // The whole-city subscriber got both patches as they are.
    await waitFor(() => cityDeltas.length >= 2, 2000, 'city deltas');
    expect(cityDeltas[1]!.upserts).toEqual(expect.arrayContaining([{ id: 'in', lon: 6.95 }, { id: 'out', lon: 6.75, lat: 51.42 }]));

    // Moving the viewport: the ack names what entered and what left, at the current seq.
    const v = (await s.timeout(5000).emitWithAck('viewport', { family: 'transit', bbox: [6.9, 51.4, 7.0, 51.45] })) as ViewportResponse;
    expect(v).toMatchObject({ ok: true, seq: t.seq, removes: ['out'] });
    expect(v.ok && v.upserts.map((e) => e.id)).toEqual(['in']);
    // Removal of a known entity reaches the viewport client.
    t.remove('in');
    await waitFor(() => deltas.some((d) => d.removes.includes('in')), 2000, 'removal');
  });

  it('a viewport on a family the role may not see is refused', async () => {
    const r = await rig();
    const wall = await connect(r.url, 'wall');
    const v = (await wall.timeout(5000).emitWithAck('viewport', { family: 'drone', bbox: [0, 0, 1, 1] })) as ViewportResponse;
    expect(v).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    const v2 = (await wall.timeout(5000).emitWithAck('viewport', { family: 'transit', bbox: [0, 0, 1, 1] })) as ViewportResponse;
    expect(v2).toMatchObject({ ok: false, error: { code: 'E_NOT_SUBSCRIBED' } });
  });
});

describe('sequence contract', () => {
  it('replays after a reconnect to the same hub, and answers a snapshot for another hubId', async () => {
    const r = await rig();
    const f = r.families.tls;
    f.put({ id: 'a', flowVehH: 1 } as never);
    for (let i = 0; i < 5; i++) {
      f.patch({ id: 'a', flowVehH: i } as never);
      f.flush(Date.now());
    }
    const s = await connect(r.url, 'operator');
    const replay = await sub(s, { family: 'tls', fromSeq: 3, hubId: 'hub-1' });
    expect(replay.ok && replay.mode === 'replay' && replay.deltas.map((d) => d.seq)).toEqual([4, 5]);
    const other = await sub(s, { family: 'tls', fromSeq: 3, hubId: 'hub-OLD' });
    expect(other).toMatchObject({ ok: true, mode: 'snapshot', snapshot: { seq: 5 } });
  });

  it('the client resyncs on a gap and after a reconnect, ending equal to the hub, and signals it', async () => {
    const r = await rig();
    const f = r.families.tls;
    for (let i = 0; i < 20; i++) f.put({ id: `t${i}`, flowVehH: 0 } as never);
    const state = new Map<string, Record<string, unknown>>();
    const c = new RealtimeClient({ url: r.url, socket: { forceNew: true, query: { as: 'operator' } } });
    clients.push(c);
    c.subscribe('tls', {
      snapshot: (s) => {
        state.clear();
        for (const e of s.entities) state.set(e.id, { ...e });
      },
      delta: (d) => {
        for (const id of d.removes) state.delete(id);
        for (const p of d.upserts) state.set(p.id, { ...state.get(p.id), ...p });
      },
    });
    await waitFor(() => c.seqOf('tls') >= 1, 3000, 'first snapshot');
    const consistent = () => c.seqOf('tls') === f.seq && [...f.entities.values()].every((e) => state.get(e.id)?.flowVehH === (e as { flowVehH?: number }).flowVehH);
    let n = 0;
    const churn = setInterval(() => f.patch({ id: `t${n++ % 20}`, flowVehH: n } as never), 5);
    try {
      // A gap: a delta from the future. The client must not apply it but resync.
      const before = c.resyncs;
      r.rt.io.emit('delta', { family: 'tls', seq: f.seq + 5, tsMs: Date.now(), upserts: [{ id: 't0', flowVehH: -1 }], removes: [] });
      await waitFor(() => c.resyncs > before, 3000, 'gap resync');
      // A reconnect: the transport dies, the client comes back and resumes.
      const r2 = c.resyncs;
      for (const s of r.rt.io.sockets.sockets.values()) s.conn.close();
      await waitFor(() => c.resyncs > r2 && c.status === 'live', 8000, 'reconnect resync');
    } finally {
      clearInterval(churn);
    }
    await waitFor(consistent, 3000, 'client equal to hub');
    expect(state.get('t0')?.flowVehH).not.toBe(-1);
  });
});

describe('slow clients', () => {
  /** Big patches at 20 Hz: a client that stops reading fills the kernel buffers within seconds. */
  function load(r: Rig) {
    const f = r.families.tls;
    const pad = 'x'.repeat(400);
    for (let i = 0; i < 400; i++) f.put({ id: `t${i}`, pad, v: 0 } as never);
    let v = 0;
    const t = setInterval(() => {
      v++;
      for (let i = 0; i < 400; i++) f.patch({ id: `t${i}`, pad: pad + v, v } as never);
    }, 25);
    return () => clearInterval(t);
  }

  it('stops writing to a client that does not read, keeps its buffer bounded, and catches it up with one snapshot', async () => {
    const r = await rig({ backpressure: { maxPendingPackets: 8, maxBufferedBytes: 256 * 1024, tooSlowMs: 60_000 } });
    const stop = load(r);
    try {
      const s = await connect(r.url, 'operator');
      let seq = -1;
      let snapshots = 0;
      let bad = 0;
      s.on('delta', (d) => {
        if (seq >= 0 && d.seq > seq && d.seq !== seq + 1) bad++;
        if (d.seq > seq) seq = d.seq;
      });
      s.on('snapshot', (snap) => {
        snapshots++;
        seq = snap.seq;
      });
      const res = await sub(s, { family: 'tls' });
      if (res.ok && res.mode === 'snapshot') seq = res.snapshot.seq;
      await waitFor(() => seq > 3, 3000, 'deltas flowing');
      // Stop reading: pause the client's TCP socket (under engine.io-client's ws WebSocket).
      const tcp = (s.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
      tcp.pause();
      const server = [...r.rt.io.sockets.sockets.values()][0]!;
      await waitFor(() => server.data.blockedSinceMs !== null, 15_000, 'hub notices the slow client');
      // While blocked, the hub's memory for it stays bounded: nothing more is queued.
      let maxPackets = 0;
      let maxBytes = 0;
      for (let i = 0; i < 20; i++) {
        const p = pendingOf(server);
        maxPackets = Math.max(maxPackets, p.packets);
        maxBytes = Math.max(maxBytes, p.bytes);
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(maxPackets).toBeLessThanOrEqual(8 + 20); // threshold + at most one tick of families + heartbeat
      expect(maxBytes).toBeLessThan(256 * 1024 + 2 * 1024 * 1024);
      const publishedWhileBlocked = r.families.tls.seq;
      expect(r.rt.stats.blocked).toBe(1);
      tcp.resume();
      await waitFor(() => snapshots === 1, 10_000, 'catch-up snapshot');
      expect(r.rt.stats.caughtUp).toBe(1);
      const after = seq;
      expect(after).toBeGreaterThanOrEqual(publishedWhileBlocked);
      await waitFor(() => seq >= after + 5, 5000, 'deltas after catch-up');
      expect(bad).toBe(0); // never a gap: deltas up to the block, one snapshot, then consecutive again
      expect(s.connected).toBe(true);
    } finally {
      stop();
    }
  });

  it('disconnects a client blocked for longer than tooSlowMs (E_TOO_SLOW)', async () => {
    const r = await rig({ backpressure: { maxPendingPackets: 8, maxBufferedBytes: 256 * 1024, tooSlowMs: 1000 } });
    const stop = load(r);
    try {
      const s = await connect(r.url, 'operator');
      await sub(s, { family: 'tls' });
      const tcp = (s.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket;
      tcp.pause();
      await waitFor(() => r.rt.stats.tooSlow === 1, 20_000, 'E_TOO_SLOW');
      await waitFor(() => r.rt.io.sockets.sockets.size === 0, 2000, 'socket gone');
    } finally {
      stop();
    }
  });
});

describe('heartbeat and liveness', () => {
  it('sends hub time every second', async () => {
    const r = await rig({ heartbeatMs: 200 });
    const s = await connect(r.url, 'wall');
    const beats: number[] = [];
    s.on('heartbeat', (h) => beats.push(h.serverTimeMs));
    await waitFor(() => beats.length >= 3, 3000, 'heartbeats');
    expect(Math.abs(beats.at(-1)! - Date.now())).toBeLessThan(1000);
  });

  it('a connected but silent hub makes the client not live; disconnect makes it offline', async () => {
    const r = await rig({ heartbeatMs: 60_000, pingIntervalMs: 300 });
    const c = new RealtimeClient({ url: r.url, socket: { forceNew: true, reconnection: false, query: { as: 'operator' } }, watchdogMs: 50 });
    clients.push(c);
    await waitFor(() => c.status === 'live' && c.pingIntervalMs === 300, 3000, 'live');
    await waitFor(() => c.status === 'silent', 3000, 'silent after 2 × pingInterval without heartbeat');
    expect(c.connected).toBe(true);
    r.rt.io.emit('heartbeat', { serverTimeMs: Date.now() + 5000 });
    await waitFor(() => c.status === 'live', 2000, 'live again');
    expect(c.clockOffsetMs).toBeGreaterThan(4000);
    for (const s of r.rt.io.sockets.sockets.values()) s.disconnect(true);
    await waitFor(() => c.status === 'offline', 2000, 'offline');
  });
});

// Keep the snapshot type import used (documentation of the event payload).
export type _S = Snapshot;
