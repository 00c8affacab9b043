/**
 * Scaled mode (docs/deployment.md): two hub instances against one Mosquitto, Redis and PostgreSQL.
 * A client of hub A receives what hub B ingested; each message is processed by one hub only; an
 * alarm owned by B is acknowledged through A; when B dies, A takes over B's devices and B's clients
 * reconnect to A and resync with a snapshot. Skips (with the reason) when a service is missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delta, Snapshot, SubscribeResponse, TlsEntity, AlarmEntity } from '../../protocol/index.ts';
import { ownerOf } from '../../server/cluster/partition.ts';
import { INTERSECTIONS } from '../../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { raiseCabinetFault } from '../../e2e/fixtures.ts';
import { connectClient, login, metricValue, reachable, startTestHub, waitFor, type TestHub, type TestSocket, freePort } from './harness.ts';

const PG_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SITES = INTERSECTIONS.slice(0, 12);

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const hasMosquitto = await new Promise<boolean>((r) => spawn('mosquitto', ['-h']).once('error', () => r(false)).once('exit', () => r(true)));
const missing = [
  hasMosquitto ? null : 'the mosquitto binary',
  (await reachable('127.0.0.1', 6379)) ? null : 'Redis on 127.0.0.1:6379',
  (await pgReachable()) ? null : `PostgreSQL at ${PG_URL}`,
].filter(Boolean);
if (missing.length) console.warn(`cluster.test.ts: skipped, missing ${missing.join(', ')}`);

/** A client that keeps the family's state as the protocol says: snapshot, then deltas in order. */
function follow<T extends { id: string }>(sock: TestSocket, family: 'tls' | 'alarms') {
  const state = new Map<string, T>();
  let seq = -1;
  let gaps = 0;
  sock.on('delta', (d: Delta) => {
    if (d.family !== family || seq < 0) return;
    if (d.seq !== seq + 1) gaps++;
    seq = d.seq;
    for (const u of d.upserts) state.set(u.id, { ...(state.get(u.id) ?? {}), ...u } as T);
    for (const id of d.removes) state.delete(id);
  });
  return {
    state,
    get seq() {
      return seq;
    },
    get gaps() {
      return gaps;
    },
    async start(req: Record<string, unknown> = {}): Promise<SubscribeResponse> {
      const res = (await sock.timeout(5000).emitWithAck('subscribe', { family, ...req })) as SubscribeResponse;
      if (res.ok && res.mode === 'snapshot') {
        state.clear();
        for (const e of (res.snapshot as Snapshot).entities as unknown as T[]) state.set(e.id, { ...e });
        seq = res.snapshot.seq;
      }
      return res;
    },
  };
}

describe.skipIf(missing.length > 0)('two hub instances (Mosquitto + Redis + PostgreSQL)', () => {
  let dir = '';
  let mosq: ChildProcess | null = null;
  let a: TestHub | null = null;
  let b: TestHub | null = null;
  let sim: RunningSim | null = null;
  const schema = `cluster_it_${randomBytes(5).toString('hex')}`;
  const admin = { username: 'admin-cluster', password: randomBytes(12).toString('hex') };
  let env: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cluster-it-'));
    chmodSync(dir, 0o777);
    const port = await freePort();
    writeFileSync(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\n`);
    mosq = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    for (let i = 0; i < 50 && !(await reachable('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
    env = {
      MQTT_URL: `mqtt://127.0.0.1:${port}`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      CLUSTER_PREFIX: `it-${randomBytes(4).toString('hex')}:`,
      ADMIN_USER: admin.username,
      ADMIN_PASSWORD: admin.password,
    };
    a = await startTestHub(env);
    b = await startTestHub(env);
    await waitFor(() => a!.hub.cluster!.members.length === 2 && b!.hub.cluster!.members.length === 2, 8000, 'both hubs to see each other');
    sim = await runSimulator({ url: env.MQTT_URL!, speed: 5, seed: 3, intersections: SITES });
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await a?.close();
    await b?.close();
    mosq?.kill();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('a client of hub A receives what hub B ingested, and every message is processed by one hub only', async () => {
    const members = a!.hub.cluster!.members;
    const ofB = SITES.filter((x) => ownerOf(`tls/${x.id}`, members) === b!.hub.hubId).map((x) => x.id);
    const ofA = SITES.filter((x) => ownerOf(`tls/${x.id}`, members) === a!.hub.hubId).map((x) => x.id);
    expect(ofB.length).toBeGreaterThan(0);
    expect(ofA.length).toBeGreaterThan(0);
    expect(a!.hub.cluster!.owns(`tls/${ofB[0]}`)).toBe(false);

    const sock = await connectClient(a!.url);
    const tls = follow<TlsEntity>(sock, 'tls');
    await tls.start();
    // B's installations arrive at A's client with live measurements, through A's own seq stream.
    await waitFor(() => ofB.every((id) => tls.state.get(id)?.stateTsMs), 20_000, "B's installations at A's client");
    const t0 = tls.state.get(ofB[0]!)!.stateTsMs!;
    await waitFor(() => (tls.state.get(ofB[0]!)?.stateTsMs ?? 0) > t0, 10_000, 'a newer state from B');
    expect(tls.gaps).toBe(0);
    sock.close();

    // Nothing twice: what A accepted plus what B accepted is what each received in all.
    const [accA, accB, otherA, otherB] = await Promise.all([
      metricValue(a!.url, 'hub_messages_total', { kind: 'tls', result: 'accepted' }),
      metricValue(b!.url, 'hub_messages_total', { kind: 'tls', result: 'accepted' }),
      metricValue(a!.url, 'hub_messages_total', { kind: 'all', result: 'other_partition' }),
      metricValue(b!.url, 'hub_messages_total', { kind: 'all', result: 'other_partition' }),
    ]);
    expect(accA).toBeGreaterThan(0);
    expect(accB).toBeGreaterThan(0);
    expect(otherA).toBeGreaterThan(0);
    // Both counts are read a few ms apart while messages flow: allow 2% for that.
    expect(Math.abs(accA + accB - (accA + otherA))).toBeLessThan(0.02 * (accA + otherA) + 20);
    expect(Math.abs(accA + accB - (accB + otherB))).toBeLessThan(0.02 * (accB + otherB) + 20);
  });

  it('an alarm owned by one hub is acknowledged through the other', async () => {
    const port = Number(new URL(env.MQTT_URL!).port);
    const alarmId = await raiseCabinetFault(port, 'CAB-IT-1');
    const owner = [a!, b!].find((h) => h.hub.cluster!.owns('kind:cabinet'))!;
    const other = owner === a ? b! : a!;
    await waitFor(() => owner.hub.alarmEngine.alarms.get(alarmId)?.state === 'UNACK', 10_000, 'the alarm at its owner');
    expect(other.hub.alarmEngine.alarms.has(alarmId)).toBe(false);
    // The other hub streams it too (replicated).
    await waitFor(() => (other.hub.alarms.entities.get(alarmId) as AlarmEntity | undefined)?.state === 'UNACK', 5000, 'the alarm replicated');
    const op = await login(other.url, admin.username, admin.password);
    const res = await op.fetch('/api/alarms/ack', { method: 'POST', json: { id: alarmId } });
    expect(res.status).toBe(200);
    expect(owner.hub.alarmEngine.alarms.get(alarmId)?.state).toBe('ACKED');
    await waitFor(() => (other.hub.alarms.entities.get(alarmId) as AlarmEntity | undefined)?.state === 'ACKED', 5000, 'the ack replicated back');
    const unknown = await op.fetch('/api/alarms/ack', { method: 'POST', json: { id: 'cabinet:NOPE|fault' } });
    expect(unknown.status).toBe(404);
  });

  it('when hub B dies, hub A takes over its devices and B\'s clients resync at A with a snapshot', async () => {
    const members = a!.hub.cluster!.members;
    const ofB = SITES.filter((x) => ownerOf(`tls/${x.id}`, members) === b!.hub.hubId).map((x) => x.id);
    const sockB = await connectClient(b!.url);
    const onB = follow<TlsEntity>(sockB, 'tls');
    await onB.start();
    const bHubId = b!.hub.hubId;
    const lastSeq = onB.seq;

    const sockA = await connectClient(a!.url);
    const onA = follow<TlsEntity>(sockA, 'tls');
    await onA.start();

    await b!.close();
    b = null;
    const diedMs = Date.now();
    await waitFor(() => a!.hub.cluster!.members.length === 1, 8000, 'A to see B gone');
    expect(a!.hub.cluster!.owns(`tls/${ofB[0]}`)).toBe(true);
    // A processes B's installations itself now: newer states than B could have sent.
    await waitFor(() => ofB.every((id) => (onA.state.get(id)?.stateTsMs ?? 0) > diedMs), 20_000, "B's installations processed by A");
    expect(onA.gaps).toBe(0);
    sockA.close();

    // B's client reconnects (to A, as a load balancer would send it) with B's hubId and seq:
    // A cannot replay B's stream, so it answers with a full snapshot.
    const again = await connectClient(a!.url);
    const resumed = follow<TlsEntity>(again, 'tls');
    const res = await resumed.start({ fromSeq: lastSeq, hubId: bHubId });
    expect(res.ok && res.mode).toBe('snapshot');
    expect(SITES.every((x) => resumed.state.has(x.id))).toBe(true);
    again.close();
  });
});
