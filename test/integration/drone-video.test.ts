/**
 * Drone video end to end: a real hub (embedded Aedes broker), a device publishing binary frames
 * over MQTT, real Socket.IO clients on the video namespace. Roles come from a fake Authenticator at
 * the boundary (`?as=ROLE`, as in server/realtime/io.test.ts); everything behind it is the product.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeVideoHeader,
  droneTopics,
  encodeVideoFrame,
  ROLES,
  VIDEO_NAMESPACE,
  videoTopic,
  type Role,
  type VideoClientToServerEvents,
  type VideoServerToClientEvents,
  type VideoSubscribeResponse,
} from '../../protocol/index.ts';
import { loadConfig } from '../../server/config.ts';
import { createHub, type Hub } from '../../server/hub.ts';
import { createLogger } from '../../server/log.ts';
import { readSegment } from '../../server/video/recorder.ts';
import { FPS_BURST, MAX_IN_FLIGHT } from '../../server/video/relay.ts';
import { waitFor } from './harness.ts';

type VClient = Socket<VideoServerToClientEvents, VideoClientToServerEvents>;
const DRONE = 'uas-test';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 0xff, 0xd9]);

let hub: Hub;
let http: Server;
let url: string;
let dev: MqttClient;
let dataDir: string;
let frameNo = 0;

const roleAuth = {
  principalOf: (req: IncomingMessage) => {
    const role = new URL(req.url ?? '/', 'http://x').searchParams.get('as');
    return role && (ROLES as readonly string[]).includes(role) ? { kind: role === 'wall' ? ('display' as const) : ('user' as const), name: `t-${role}`, role: role as Role } : null;
  },
};

function frame(n = ++frameNo): Buffer {
  return Buffer.from(
    encodeVideoFrame(
      { droneId: DRONE, frameNo: n, captureTsMs: Date.now(), lon: 6.7682, lat: 51.4391, altM: 110, headingDeg: 90, pitchDeg: -45, yawDeg: 180, hfovDeg: 63, vfovDeg: 37.5, width: 1280, height: 720 },
      JPEG,
    ),
  );
}
const publish = (b: Buffer | string, topic = videoTopic(DRONE)) => new Promise<void>((r, j) => dev.publish(topic, b, { qos: 0 }, (e) => (e ? j(e) : r())));

async function connect(role: Role): Promise<VClient> {
  const s: VClient = ioClient(`${url}${VIDEO_NAMESPACE}`, { transports: ['websocket'], reconnection: false, forceNew: true, query: { as: role } });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}
const subscribe = (s: VClient, maxFps = 30): Promise<VideoSubscribeResponse> => s.timeout(5000).emitWithAck('videoSubscribe', { maxFps }) as Promise<VideoSubscribeResponse>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'video-it-'));
  const config = loadConfig({ MQTT_PORT: '0', SIM: 'off', DATA_DIR: dataDir, TICK_HZ: '20', LOG_LEVEL: 'warn', ADMIN_USER: 'video-admin', ADMIN_PASSWORD: 'x'.repeat(16) });
  process.env.VIDEO_RECORD = 'on';
  process.env.VIDEO_RECORD_FPS = '50';
  hub = await createHub(config, createLogger('warn'));
  delete process.env.VIDEO_RECORD;
  delete process.env.VIDEO_RECORD_FPS;
  http = createServer((req, res) => hub.handle(req, res, () => res.writeHead(404).end()));
  hub.attach(http, roleAuth);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const a = http.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  dev = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'video-dev' });
  await publish(JSON.stringify({ id: DRONE, name: 'UAS Test', model: 'test', homeLon: 6.78, homeLat: 51.44, tsMs: Date.now() }), droneTopics.meta(DRONE));
  await waitFor(() => hub.families.drone.entities.has(DRONE), 5000, 'drone meta');
});

afterAll(async () => {
  await dev?.endAsync();
  await hub?.close();
  http?.closeAllConnections();
  if (http) await new Promise<void>((r) => http.close(() => r()));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('drone video relay', () => {
  it('fire and admin receive frames through MQTT -> hub -> Socket.IO; wall is refused and receives 0', async () => {
    const fire = await connect('fire');
    const admin = await connect('admin');
    const wall = await connect('wall');
    const got: Record<string, number[]> = { fire: [], admin: [], wall: [] };
    for (const [name, s] of [['fire', fire], ['admin', admin], ['wall', wall]] as const) {
      s.on('videoFrame', (id, buf, ack) => {
        ack();
        const r = decodeVideoHeader(new Uint8Array(buf as ArrayBuffer));
        if (r.ok && id === DRONE) got[name]!.push(r.header.frameNo);
      });
    }
    expect(await subscribe(fire)).toMatchObject({ ok: true });
    expect(await subscribe(admin)).toMatchObject({ ok: true });
    expect(await subscribe(wall)).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    const first = frameNo + 1;
    // 12.5 fps: under the hub's default cap (VIDEO_MAX_FPS 15), so every frame must arrive.
    for (let i = 0; i < 10; i++) {
      await publish(frame());
      await new Promise((r) => setTimeout(r, 80));
    }
    await waitFor(() => got.fire!.length >= 10 && got.admin!.length >= 10, 5000, 'frames at fire and admin');
    expect(got.fire!.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => first + i));
    // The wall display sat on the same namespace all along: not one frame.
    await new Promise((r) => setTimeout(r, 200));
    expect(got.wall).toEqual([]);
    for (const s of [fire, admin, wall]) s.close();
  });

  it('latest frame wins: a client that takes nothing holds at most MAX_IN_FLIGHT frames; once it acks, it gets the newest, not the next', async () => {
    const slow = await connect('fire');
    const held: { n: number; ack: () => void }[] = [];
    slow.on('videoFrame', (_id, buf, ack) => {
      const r = decodeVideoHeader(new Uint8Array(buf as ArrayBuffer));
      if (r.ok) held.push({ n: r.header.frameNo, ack });
    });
    await subscribe(slow);
    await waitFor(() => held.length >= 1, 3000, 'latest frame on subscribe');
    held.length = 0;
    const skippedBefore = hub.video.relay.stats.skipped;
    for (let i = 0; i < 30; i++) await publish(frame());
    const last = frameNo;
    await waitFor(() => hub.video.relay.latest(DRONE)?.header.frameNo === last, 3000, 'hub took the last frame');
    await new Promise((r) => setTimeout(r, 200));
    // One frame was in flight from subscribe; MAX_IN_FLIGHT in all, whatever was published.
    expect(held.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    expect(hub.video.relay.stats.skipped - skippedBefore).toBeGreaterThanOrEqual(30 - MAX_IN_FLIGHT - 1);
    for (const h of held.splice(0)) h.ack();
    await waitFor(() => held.length >= 1, 3000, 'frame after ack');
    expect(held[0]!.n).toBe(last);
    slow.close();
  });

  it('caps a client at its requested fps (newest frame at that rate)', async () => {
    const c = await connect('fire');
    const times: number[] = [];
    c.on('videoFrame', (_id, _buf, ack) => {
      ack();
      times.push(Date.now());
    });
    expect(await subscribe(c, 2)).toMatchObject({ ok: true, maxFps: 2 });
    await new Promise((r) => setTimeout(r, 100));
    times.length = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < 2000) {
      await publish(frame());
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    // ~40 frames published in 2 s; at 2 fps 4-5 reach the client, plus the token bucket's burst.
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(5 + FPS_BURST);
    // After the burst is spent, the steady rate is the cap.
    const late = times.filter((t) => t >= t0 + 1000);
    expect(late.length).toBeLessThanOrEqual(3);
    c.close();
  });

  it('bad frames are quarantined by reason, never JSON-parsed, and the relay goes on', async () => {
    const before = hub.video.relay.stats.rejected;
    // JSON where a frame belongs: refused by the frame reader (bad_magic), never JSON-parsed.
    await publish(Buffer.from(JSON.stringify({ tsMs: Date.now(), pad: 'x'.repeat(100) })));
    const spoof = frame();
    await publish(spoof, videoTopic('other-drone'));
    await waitFor(() => hub.video.relay.stats.rejected >= before + 2, 3000, 'rejections');
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/hub_rejected_total\{reason="bad_magic"\} [1-9]/);
    expect(text).toMatch(/hub_rejected_total\{reason="bad_drone_id"\} [1-9]/);
    expect(text).not.toMatch(/hub_rejected_total\{reason="malformed_json"\} [1-9]/);
    const n = hub.video.relay.stats.framesIn;
    await publish(frame());
    await waitFor(() => hub.video.relay.stats.framesIn === n + 1, 3000, 'next good frame');
  });

  it('records frames with their pose to DATA_DIR/video/{drone} and reads them back', async () => {
    await hub.video.recorder!.close();
    const dir = join(dataDir, 'video', DRONE);
    const names = readdirSync(dir);
    const seg = names.find((n) => n.endsWith('.drvf'))!;
    const frames = [...readSegment(readFileSync(join(dir, seg)))];
    const lines = readFileSync(join(dir, seg.replace('.drvf', '.jsonl')), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { frameNo: number; offset: number; lat: number });
    expect(frames.length).toBeGreaterThan(10);
    expect(lines.length).toBe(frames.length);
    const h = decodeVideoHeader(frames[3]!);
    expect(h.ok && h.header.frameNo).toBe(lines[3]!.frameNo);
    expect(lines[3]!.lat).toBeCloseTo(51.4391, 6);
  });
});
