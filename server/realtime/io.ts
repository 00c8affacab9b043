/**
 * Socket.IO fan-out. Each family is a room; a delta is emitted once to the room, so Socket.IO
 * encodes it once and writes the same packet to every socket in it.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import {
  ERROR_CODES,
  SubscribeRequest,
  type ClientToServerEvents,
  type Delta,
  type Family,
  type ServerToClientEvents,
  type Snapshot,
  type SubscribeResponse,
} from '../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { FamilyState } from './family.ts';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents>;

export const roomOf = (f: Family) => `fam:${f}`;

export function createIo(opts: {
  http: HttpServer;
  families: Record<Family, FamilyState<Family, { id: string }>>;
  hubId: string;
  version: string;
  log: Logger;
  metrics: Metrics;
}): IoServer {
  const io: IoServer = new Server(opts.http, {
    serveClient: false,
    // The dashboard is served by this same origin; nobody else may connect with a browser.
    cors: { origin: false },
    maxHttpBufferSize: 64 * 1024,
    pingInterval: 10_000,
    pingTimeout: 10_000,
  });
  io.on('connection', (socket) => {
    opts.metrics.socketClients.set(io.engine.clientsCount);
    socket.emit('hello', { hubId: opts.hubId, version: opts.version, serverTimeMs: Date.now() });
    socket.on('subscribe', (raw, ack) => {
      if (typeof ack !== 'function') return;
      const req = SubscribeRequest.safeParse(raw);
      if (!req.success) {
        ack({ ok: false, error: { code: ERROR_CODES.BAD_REQUEST, message: req.error.issues[0]?.message ?? 'invalid subscribe request' } });
        return;
      }
      const fam = opts.families[req.data.family];
      let res: SubscribeResponse;
      const replay =
        req.data.fromSeq === undefined || req.data.hubId !== opts.hubId ? null : fam.replaySince(req.data.fromSeq);
      if (replay) res = { ok: true, mode: 'replay', deltas: replay as Delta[] };
      else res = { ok: true, mode: 'snapshot', snapshot: fam.snapshot(Date.now()) as Snapshot };
      // Join in the same turn of the event loop as the snapshot is taken: no tick can slip between.
      void socket.join(roomOf(req.data.family));
      ack(res);
    });
    socket.on('unsubscribe', (family) => {
      if (typeof family === 'string') void socket.leave(`fam:${family}`);
    });
    socket.on('disconnect', () => opts.metrics.socketClients.set(io.engine.clientsCount));
  });
  return io;
}
