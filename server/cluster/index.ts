/**
 * Scaled mode (REDIS_URL set): several hubs behind a load balancer serve one city.
 *
 * - Membership: every hub writes its id with a timestamp into a Redis sorted set once a second;
 *   members are the ids seen within MEMBER_TTL_MS. A hub that dies drops out after the TTL.
 * - Partitioning (./partition.ts): each hub processes only the messages of the keys it owns
 *   (rendezvous hashing over the members): decode, fusion, store writes, alarms, optimiser — so
 *   nothing is processed twice. Every hub still subscribes to everything (MQTT topic filters cannot
 *   express a hash partition); the filter is one cached Map lookup per topic.
 * - Replication: what a hub changed in its families (its own work only) is published on a Redis
 *   channel ~10 times a second and kept in a Redis hash per family; every other hub applies it to its
 *   own families, so each hub streams the whole city to its clients with its own sequence numbers.
 *   A hub that starts reads the hashes first. A client that moves to another hub (its hub died, the
 *   load balancer moved it) sees a different hubId in `hello` and takes a fresh snapshot.
 * - Socket.IO uses the Redis adapter: broadcasts that concern every hub's sockets (a revoked display
 *   token, a disabled user) and server-side requests (an alarm action for an alarm another hub owns)
 *   cross hubs; the family deltas do not (each hub emits its own with `io.local`).
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import { FAMILIES, type Family } from '../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { FamilyState } from '../realtime/family.ts';
import { ownerOf } from './partition.ts';

export const MEMBER_HEARTBEAT_MS = 1000;
export const MEMBER_TTL_MS = 4000;
export const REPLICATE_MS = 100;

type RedisClient = ReturnType<typeof createClient>;

export interface ClusterOptions {
  redisUrl: string;
  /** Key prefix shared by the hubs of one city (several cities, or tests, share a Redis). */
  prefix: string;
  hubId: string;
  families: Readonly<Record<Family, FamilyState<Family, { id: string }>>>;
  log: Logger;
  /** Called after the member list changed (and once at start), with the new list. */
  onMembersChange(members: readonly string[]): void;
}

export interface Cluster {
  readonly hubId: string;
  readonly members: readonly string[];
  /** Whether this hub processes the work of this partition key (./partition.ts). */
  owns(key: string): boolean;
  /** Uses the Redis adapter for this Socket.IO server. */
  attachIo(io: Server): void;
  readonly stats: { published: number; applied: number; publishErrors: number };
  close(): Promise<void>;
}

interface WireDelta {
  h: string;
  f: Family;
  u: { id: string }[];
  r: string[];
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const { prefix, hubId, families, log } = opts;
  const membersKey = `${prefix}members`;
  const deltaChannel = `${prefix}delta`;
  const stateKey = (f: Family) => `${prefix}state:${f}`;
  const mk = (): RedisClient => {
    const c = createClient({ url: opts.redisUrl, socket: { reconnectStrategy: (n: number) => Math.min(100 * 2 ** n, 2000), connectTimeout: 5000 } });
    c.on('error', (err: Error) => log.warn({ err: err.message }, 'redis error'));
    return c;
  };
  const cmd = mk();
  const sub = mk();
  const adapterPub = mk();
  const adapterSub = mk();
  await Promise.all([cmd.connect(), sub.connect(), adapterPub.connect(), adapterSub.connect()]);

  const stats = { published: 0, applied: 0, publishErrors: 0 };
  let members: string[] = [hubId];
  const ownCache = new Map<string, boolean>();

  for (const f of FAMILIES) families[f].trackLocalChanges();

  const applyWire = (w: WireDelta) => {
    if (w.h === hubId) return;
    const fam = families[w.f];
    if (!fam) return;
    for (const e of w.u) fam.applyRemote(e);
    for (const id of w.r) fam.removeRemote(id);
    stats.applied += w.u.length + w.r.length;
  };
  await sub.subscribe(deltaChannel, (message: string) => {
    try {
      applyWire(JSON.parse(message) as WireDelta);
    } catch (err) {
      log.warn({ err }, 'bad replication message ignored');
    }
  });
  // The others' state as it is now (after subscribing, so nothing falls between the two).
  for (const f of FAMILIES) {
    const all = await cmd.hGetAll(stateKey(f));
    const u = Object.values(all).map((v) => JSON.parse(v) as { id: string });
    if (u.length) applyWire({ h: '', f, u, r: [] });
  }

  const heartbeat = async () => {
    const now = Date.now();
    await cmd.zAdd(membersKey, { score: now, value: hubId });
    await cmd.zRemRangeByScore(membersKey, '-inf', now - MEMBER_TTL_MS);
    const next = (await cmd.zRange(membersKey, 0, -1)).slice().sort();
    if (!next.includes(hubId)) next.push(hubId);
    if (next.join('\u0000') !== members.join('\u0000')) {
      members = next.sort();
      ownCache.clear();
      log.info({ members }, 'hub members changed');
      opts.onMembersChange(members);
    }
  };
  await heartbeat();
  opts.onMembersChange(members);
  let beating = false;
  const hb = setInterval(() => {
    if (beating) return;
    beating = true;
    heartbeat()
      .catch((err: unknown) => log.warn({ err }, 'cluster heartbeat failed'))
      .finally(() => (beating = false));
  }, MEMBER_HEARTBEAT_MS);

  let replicating = false;
  const replicate = async () => {
    for (const f of FAMILIES) {
      const out = families[f].takeOutbox();
      if (!out) continue;
      const m = cmd.multi();
      if (out.upserts.length) m.hSet(stateKey(f), Object.fromEntries(out.upserts.map((e) => [e.id, JSON.stringify(e)])));
      if (out.removes.length) m.hDel(stateKey(f), out.removes);
      m.publish(deltaChannel, JSON.stringify({ h: hubId, f, u: out.upserts, r: out.removes } satisfies WireDelta));
      try {
        await m.exec();
        stats.published += out.upserts.length + out.removes.length;
      } catch (err) {
        // Entities carry absolute values: the next change of each resends it whole.
        stats.publishErrors++;
        log.warn({ err, family: f }, 'replication publish failed');
      }
    }
  };
  const rep = setInterval(() => {
    if (replicating) return;
    replicating = true;
    replicate().finally(() => (replicating = false));
  }, REPLICATE_MS);

  return {
    hubId,
    get members() {
      return members;
    },
    owns(key: string): boolean {
      let o = ownCache.get(key);
      if (o === undefined) ownCache.set(key, (o = ownerOf(key, members) === hubId));
      return o;
    },
    attachIo(io: Server) {
      io.adapter(createAdapter(adapterPub, adapterSub, { key: `${prefix}socket.io`, requestsTimeout: 3000 }));
    },
    stats,
    async close() {
      clearInterval(hb);
      clearInterval(rep);
      await replicate().catch(() => undefined);
      // Leave at once so the others take over without waiting for the TTL.
      await cmd.zRem(membersKey, hubId).catch(() => undefined);
      await Promise.allSettled([cmd.close(), sub.close(), adapterPub.close(), adapterSub.close()]);
    },
  };
}
