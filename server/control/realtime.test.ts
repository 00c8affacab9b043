/**
 * The `control` realtime family over real Socket.IO (port 0): operators and admins subscribe and
 * receive a proposal and the command state as they change; wall displays, the fire brigade and the
 * utility room are refused (E_FORBIDDEN), whatever they ask.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FAMILIES, ROLES, type ClientToServerEvents, type ControlEntity, type Delta, type Family, type Principal, type Role, type ServerToClientEvents, type SubscribeResponse, type TlsEntity } from '../../protocol/index.ts';
import type { Authenticator } from '../auth/types.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { FamilyState } from '../realtime/family.ts';
import { createIo } from '../realtime/io.ts';
import { startTicker } from '../realtime/ticker.ts';
import { ControlService } from './service.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
/** Authenticator at the boundary: `?as=ROLE` is that role's principal. */
const auth: Authenticator = {
  principalOf(req: IncomingMessage): Principal | null {
    const role = new URL(req.url ?? '/', 'http://x').searchParams.get('as') as Role | null;
    return role && ROLES.includes(role) ? { kind: role === 'wall' ? 'display' : 'user', name: `t-${role}`, role } : null;
  },
};

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('control family', () => {
  it('streams to operators and admins only', async () => {
    const families = Object.fromEntries(FAMILIES.map((f) => [f, new FamilyState(f)])) as unknown as Record<Family, FamilyState<Family, { id: string }>>;
    const control = families.control as unknown as FamilyState<'control', ControlEntity>;
    const tls = { id: 'T1', link: 'live', planId: 'default', mode: 'fixed' } as TlsEntity;
    const svc = new ControlService({ family: control, publish: () => true, audit: () => undefined, meta: () => undefined, tls: (id) => (id === 'T1' ? tls : undefined), corridor: () => null, optimiser: null });
    const http = createServer();
    const rt = createIo({ http, families, hubId: 'h', version: 't', log: createLogger('silent'), metrics: createMetrics(), authenticator: auth });
    const stop = startTicker({ families, baseHz: 20, onTick: (now, ds) => rt.publishTick(now, ds) });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanup.push(async () => {
      stop();
      await rt.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    });
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    const connect = (role: Role) =>
      new Promise<Client>((resolve, reject) => {
        const s: Client = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, query: { as: role } });
        cleanup.push(() => void s.close());
        s.once('connect', () => resolve(s));
        s.once('connect_error', reject);
      });
    const subscribe = (s: Client) => s.timeout(5000).emitWithAck('subscribe', { family: 'control' }) as Promise<SubscribeResponse>;

    for (const role of ['wall', 'fire', 'utility'] as const) {
      expect(await subscribe(await connect(role)), role).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    const seen: Partial<ControlEntity>[] = [];
    for (const role of ['operator', 'admin'] as const) {
      const s = await connect(role);
      s.on('delta', (d: Delta) => {
        if (d.family === 'control') seen.push(...(d.upserts as Partial<ControlEntity>[]));
      });
      expect((await subscribe(s)).ok, role).toBe(true);
    }
    svc.setMode({ kind: 'user', name: 'olga', role: 'operator' }, { tlsId: 'T1' }, 'advisory', 'Test', Date.now());
    const t0 = Date.now();
    while (seen.filter((u) => u.mode === 'advisory').length < 2) {
      if (Date.now() - t0 > 5000) throw new Error('no control delta for both subscribers');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.find((u) => u.mode === 'advisory')).toMatchObject({ id: 'T1', modeBy: 'olga' });
  });
});
