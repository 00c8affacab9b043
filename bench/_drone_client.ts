/**
 * Drone video benchmark client process: N Socket.IO clients on the hub's video namespace, some of
 * them behind a throttling TCP proxy (a slow link: hub -> client bytes at `slowBytesPerSec`), one
 * optionally as a `wall` display; or (mode `mqtt`) a plain MQTT subscriber, the reference.
 *   node bench/_drone_client.ts sio URL TOKEN FAST SLOW WALL SLOW_BYTES_PER_SEC
 *   node bench/_drone_client.ts mqtt MQTT_URL
 * IPC: {cmd:'window',t0,t1} {cmd:'report'} -> {type:'report', clients:[{kind, frames, lat[], ages[]}]}.
 */
import { createServer, connect as tcpConnect, type Socket as NetSocket } from 'node:net';
import mqtt from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { decodeVideoHeader } from '../protocol/video.ts';

const [mode, url, token, fastS, slowS, wallS, slowBpsS] = process.argv.slice(2) as string[];
let t0 = Infinity;
let t1 = -Infinity;

interface Stat {
  kind: 'fast' | 'slow' | 'wall' | 'mqtt';
  frames: number;
  lat: number[];
  /** (receive time, age) of frames in the window, for the slow clients' age trend. */
  ages: [number, number][];
}
const stats: Stat[] = [];

function onFrame(st: Stat, buf: Uint8Array) {
  const now = Date.now();
  const r = decodeVideoHeader(buf);
  if (!r.ok) return;
  if (st.kind === 'wall') {
    st.frames++; // any frame at all is a leak
    return;
  }
  if (now < t0 || now > t1) return;
  st.frames++;
  const age = now - r.header.captureTsMs;
  st.lat.push(age);
  if (st.kind === 'slow') st.ages.push([now, age]);
}

/** A local TCP proxy to the hub that forwards hub -> client at most `bps` bytes per second. */
function throttledProxy(target: URL, bps: number): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer((client: NetSocket) => {
      const upstream = tcpConnect(Number(target.port), target.hostname);
      client.pipe(upstream);
      let tokens = bps / 10;
      let last = Date.now();
      upstream.on('data', (chunk: Buffer) => {
        const now = Date.now();
        tokens = Math.min(bps / 5, tokens + ((now - last) * bps) / 1000);
        last = now;
        tokens -= chunk.length;
        client.write(chunk);
        if (tokens < 0) {
          // Out of budget: stop reading from the hub until the bucket refills (TCP backpressure).
          upstream.pause();
          setTimeout(() => upstream.resume(), Math.ceil((-tokens * 1000) / bps));
        }
      });
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
  });
}

async function startSio() {
  const target = new URL(url!);
  const fast = Number(fastS);
  const slow = Number(slowS);
  const wall = Number(wallS);
  const bps = Number(slowBpsS);
  const ready: Promise<void>[] = [];
  const add = async (kind: Stat['kind']) => {
    const st: Stat = { kind, frames: 0, lat: [], ages: [] };
    stats.push(st);
    let base = url!;
    if (kind === 'slow') base = `http://127.0.0.1:${await throttledProxy(target, bps)}`;
    const role = kind === 'wall' ? 'wall' : 'fire';
    const s: Socket = io(`${base}/video`, { transports: ['websocket'], forceNew: true, reconnection: false, query: { bench: token!, role } });
    s.on('videoFrame', (_id: string, buf: Uint8Array | ArrayBuffer, ack: () => void) => {
      onFrame(st, buf instanceof Uint8Array ? buf : new Uint8Array(buf));
      ack();
    });
    ready.push(
      new Promise((res, rej) => {
        s.on('connect', () => {
          s.emit('videoSubscribe', { maxFps: 15 }, () => res());
        });
        s.on('connect_error', (e) => rej(e));
      }),
    );
  };
  for (let i = 0; i < fast; i++) await add('fast');
  for (let i = 0; i < slow; i++) await add('slow');
  for (let i = 0; i < wall; i++) await add('wall');
  await Promise.all(ready);
}

async function startMqtt() {
  const st: Stat = { kind: 'mqtt', frames: 0, lat: [], ages: [] };
  stats.push(st);
  const c = await mqtt.connectAsync(url!, { clientId: `bench-drone-ref-${process.pid}` });
  c.on('message', (_t, payload) => onFrame(st, payload));
  await c.subscribeAsync('city/v1/drone/+/video', { qos: 0 });
}

process.on('message', (m: { cmd: string; t0?: number; t1?: number }) => {
  if (m.cmd === 'window') {
    t0 = m.t0!;
    t1 = m.t1!;
  } else if (m.cmd === 'report') {
    process.send!({ type: 'report', clients: stats });
  } else if (m.cmd === 'exit') process.exit(0);
});

await (mode === 'mqtt' ? startMqtt() : startSio());
process.send!({ type: 'ready' });
