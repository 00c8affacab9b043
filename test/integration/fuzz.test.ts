/**
 * Fuzzing a real hub through its three doors (fast-check): MQTT payloads through the broker, REST
 * bodies and query strings on every route of the registry, Socket.IO events with any arguments.
 * The hub never answers 5xx, never crashes, quarantines what it refuses, and still works after.
 */
import fc from 'fast-check';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_PAYLOADS } from '../../protocol/index.ts';
import { connectClient, metricValue, startTestHub, type TestHub } from './harness.ts';

let th: TestHub;
beforeAll(async () => {
  th = await startTestHub();
});
afterAll(async () => {
  await th.close();
});

const anyJson = fc.jsonValue({ maxDepth: 4 });
const awkward = fc.oneof(
  anyJson,
  fc.constantFrom('<script>alert(1)</script>', { username: '"><img src=x onerror=alert(1)>', password: 'x' }, { id: 'x'.repeat(10_000) }, { durationMin: -1, reason: '' }, [], null, 1e308),
);

async function healthy(): Promise<void> {
  const res = await fetch(`${th.url}/healthz`);
  expect(res.status).toBe(200);
}

describe('fuzzing a live hub', () => {
  it('MQTT: random payloads on every device channel are refused into the quarantine, never crash the hub', async () => {
    const channels = Object.entries(DEVICE_PAYLOADS).flatMap(([kind, chs]) => Object.keys(chs).map((ch) => `${kind}/FUZZ${Math.floor(Math.random() * 1e6)}/${ch}`));
    const dev = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'fuzzer' });
    const before = await metricValue(th.url, 'hub_rejected_total', {});
    const samples = fc.sample(fc.tuple(fc.constantFrom(...channels), fc.oneof(fc.uint8Array({ maxLength: 4096 }), anyJson.map((v) => new TextEncoder().encode(JSON.stringify(v))))), 600);
    for (const [topic, payload] of samples) dev.publish(`city/v1/${topic}`, Buffer.from(payload), { qos: 0 });
    await dev.publishAsync('city/v1/parking/FUZZEND/status', '{', { qos: 1 });
    await dev.endAsync();
    // Everything reached the hub and nearly everything was refused (a random document that
    // happens to fit a schema is fine; the decode fuzz test checks it is schema-valid).
    let q: { reason: string }[] = [];
    for (let i = 0; i < 100; i++) {
      await th.hub.store.flush();
      q = await th.hub.store.quarantine(1000);
      if (q.some((r) => (r as { topic?: string }).topic === 'city/v1/parking/FUZZEND/status')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(q.length).toBeGreaterThan(400);
    expect(new Set(q.map((r) => r.reason)).size).toBeGreaterThan(1);
    expect(await metricValue(th.url, 'hub_rejected_total', { reason: 'malformed_json' })).toBeGreaterThan(before);
    await healthy();
  });

  it('REST: random bodies and query strings on every route never give a 5xx', async () => {
    const table = th.hub.handle.methods();
    const paths = Object.keys(table);
    expect(paths.length).toBeGreaterThan(10);
    let n = 0;
    for (const path of paths) {
      for (const method of table[path]!) {
        const bodies = method === 'GET' || method === 'HEAD' ? [undefined] : fc.sample(awkward, 12);
        const queries = fc.sample(fc.dictionary(fc.constantFrom('id', 'entity', 'metric', 'fromMs', 'toMs', 'limit', 'atMs', 'families', 'q', 'bbox'), fc.oneof(fc.string(), fc.constantFrom('-1', 'NaN', '1e999', '9'.repeat(40), '<x>'))), 4);
        for (const body of bodies) {
          for (const q of queries) {
            const qs = new URLSearchParams(q).toString();
            const init: RequestInit = { method };
            if (body !== undefined) {
              init.body = typeof body === 'string' ? body : JSON.stringify(body);
              init.headers = { 'content-type': 'application/json' };
            }
            const res = await th.fetch(`${path}${qs ? `?${qs}` : ''}`, init);
            await res.arrayBuffer();
            n++;
            if (res.status >= 500) throw new Error(`${method} ${path}?${qs} body ${JSON.stringify(body)?.slice(0, 200)} -> ${res.status}`);
          }
        }
      }
    }
    expect(n).toBeGreaterThan(100);
    // Not JSON at all, and a body far over the limit.
    for (const path of paths.filter((p) => table[p]!.includes('POST'))) {
      for (const body of ['{"a":', 'x'.repeat(2_000_000)]) {
        const res = await th.fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        expect(res.status, `POST ${path}`).toBeLessThan(500);
      }
    }
    await healthy();
  }, 120_000);

  it('Socket.IO: any arguments to any event are answered or ignored; the connection still works after', async () => {
    const sock = await connectClient(th.url);
    const events = ['subscribe', 'viewport', 'unsubscribe', 'nonsense', 'constructor', '__proto__', 'videoSubscribe'];
    const calls = fc.sample(fc.tuple(fc.constantFrom(...events), awkward), 300);
    let answered = 0;
    for (const [ev, arg] of calls) {
      if (ev === 'subscribe' || ev === 'viewport') {
        const res = (await sock.timeout(3000).emitWithAck(ev as 'subscribe', arg as never).catch(() => null)) as { ok?: boolean; error?: { code: string } } | null;
        if (res) {
          answered++;
          if (res.ok === false) expect(typeof res.error?.code).toBe('string');
        }
      } else (sock as unknown as { emit(e: string, a: unknown): void }).emit(ev, arg);
    }
    expect(answered).toBeGreaterThan(50);
    expect(sock.connected).toBe(true);
    const ok = (await sock.timeout(3000).emitWithAck('subscribe', { family: 'tls' })) as { ok: boolean };
    expect(ok.ok).toBe(true);
    sock.close();
    await healthy();
  }, 60_000);
});
