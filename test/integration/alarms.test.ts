/**
 * Silence detection and alarms through the real pipeline: a device that stops reporting becomes
 * stale, then lost, raises an alarm that clients receive live, and the alarm survives a restart.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmEntity, Delta, SubscribeResponse } from '../../protocol/index.ts';
import { INTERSECTIONS } from '../../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { connectClient, startTestHub, waitFor, type TestHub, type TestSocket } from './harness.ts';

let th: TestHub | null = null;
let sim: RunningSim | null = null;
let sock: TestSocket | null = null;
afterEach(async () => {
  sock?.close();
  await sim?.stop();
  await th?.close();
  th = sim = sock = null;
});

describe('stale / lost detection and alarms', () => {
  it('raises a lost alarm for a silent device, streams it, and keeps it across a hub restart', async () => {
    th = await startTestHub({}, { keepData: true });
    const dataDir = th.dataDir;
    const site = INTERSECTIONS[0]!;
    sim = await runSimulator({ url: th.hub.mqttUrl, speed: 10, seed: 5, intersections: [site] });
    await waitFor(() => th!.hub.tls.entities.get(site.id)?.tsMs, 15_000, 'first report');
    th.hub.checkNow();
    expect(th.hub.tls.entities.get(site.id)?.link).toBe('live');
    await sim.stop();
    sim = null;

    sock = await connectClient(th.url);
    const alarmsSeen = new Map<string, Partial<AlarmEntity>>();
    sock.on('delta', (d: Delta) => {
      if (d.family === 'alarms') for (const u of d.upserts) alarmsSeen.set(u.id, { ...alarmsSeen.get(u.id), ...(u as Partial<AlarmEntity>) });
    });
    const sub = (await sock.timeout(5000).emitWithAck('subscribe', { family: 'alarms' })) as SubscribeResponse;
    expect(sub.ok).toBe(true);

    const now = Date.now();
    th.hub.checkNow(now + 20_000); // 4 intervals of silence
    expect(th.hub.tls.entities.get(site.id)?.link).toBe('stale');
    expect(th.hub.alarmEngine.alarms.size).toBe(0);
    th.hub.checkNow(now + 61_000); // 12 intervals: lost
    expect(th.hub.tls.entities.get(site.id)?.link).toBe('lost');
    const id = `tls:${site.id}|lost`;
    const got = await waitFor(() => alarmsSeen.get(id), 5000, 'the alarm over Socket.IO');
    expect(got).toMatchObject({ state: 'UNACK', priority: 'medium', area: 'traffic' });

    th.hub.alarmAction({ kind: 'ack' }, id, 'test-operator', now + 62_000);
    await waitFor(() => alarmsSeen.get(id)?.state === 'ACKED', 5000, 'the acknowledgement over Socket.IO');
    await th.close();
    th = null;

    th = await startTestHub({ DATA_DIR: dataDir });
    expect(th.hub.alarms.entities.get(id)).toMatchObject({ state: 'ACKED', ackedBy: 'test-operator' });
    expect((await th.hub.store.alarmEvents(id)).map((e) => e.to)).toEqual(['ACKED', 'UNACK']);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
