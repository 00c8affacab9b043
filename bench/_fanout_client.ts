/**
 * Fan-out benchmark client process: N realtime clients (socket.io-client over websocket, or plain
 * `ws` for the reference). Lean on purpose: it tracks seqs and counts, it keeps no entity state.
 *   node bench/_fanout_client.ts MODE URL N TOKEN      MODE = sio | sio-msgpack | ws
 * Talks to the parent over IPC: {cmd:'window',t0,t1} {cmd:'storm'} {cmd:'report'} -> report.
 */
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';

const [mode, url, nStr, token] = process.argv.slice(2) as [string, string, string, string];
const N = Number(nStr);
const FAMS = ['tls', 'transit', 'drone'] as const;

let t0 = Infinity;
let t1 = -Infinity;
let delivered = 0;
let gaps = 0;
const lat: number[] = [];
let hubId: string | null = null;
let connected = 0;
/** Clients not yet consistent since the storm, and when the last one became so. */
let stormPending = 0;
let stormDoneMs = 0;

function onDelta(tsMs: number) {
  if (tsMs >= t0 && tsMs <= t1) {
    delivered++;
    lat.push(Date.now() - tsMs);
  }
}

interface SioClient {
  s: Socket;
  seq: Record<string, number>;
  syncing: number;
  waitingStorm: boolean;
}
const sio: SioClient[] = [];

async function startSio(parser: unknown) {
  for (let i = 0; i < N; i++) {
    const c: SioClient = {
      s: io(url, { transports: ['websocket'], forceNew: true, reconnection: false, query: { bench: token }, ...(parser ? { parser: parser as never } : {}) }),
      seq: {},
      syncing: 0,
      waitingStorm: false,
    };
    sio.push(c);
    c.s.on('hello', (h: { hubId: string }) => (hubId = h.hubId));
    c.s.on('connect', () => {
      connected++;
      for (const f of FAMS) sync(c, f);
    });
    c.s.on('disconnect', () => connected--);
    c.s.on('delta', (d: { family: string; seq: number; tsMs: number }) => {
      const cur = c.seq[d.family];
      if (cur === undefined || d.seq <= cur) return;
      if (d.seq !== cur + 1) {
        gaps++;
        sync(c, d.family);
        return;
      }
      c.seq[d.family] = d.seq;
      onDelta(d.tsMs);
    });
    c.s.on('snapshot', (snap: { family: string; seq: number }) => (c.seq[snap.family] = snap.seq));
  }
}

function sync(c: SioClient, family: string) {
  const from = c.seq[family];
  delete c.seq[family];
  c.syncing++;
  const req = from !== undefined && hubId ? { family, fromSeq: from, hubId } : { family };
  c.s.timeout(20_000).emit('subscribe', req, (err: Error | null, res: { ok: boolean; mode?: string; snapshot?: { seq: number }; deltas?: { seq: number; tsMs: number }[] }) => {
    c.syncing--;
    if (err || !res.ok) return void setTimeout(() => sync(c, family), 200);
    if (res.mode === 'snapshot') c.seq[family] = res.snapshot!.seq;
    else {
      let s = from ?? 0;
      for (const d of res.deltas!) if (d.seq === s + 1) s = d.seq;
      c.seq[family] = s;
    }
    if (c.waitingStorm && c.syncing === 0) {
      c.waitingStorm = false;
      if (--stormPending === 0) stormDoneMs = Date.now();
    }
  });
}

const wss: WebSocket[] = [];
function startWs() {
  for (let i = 0; i < N; i++) {
    const w = new WebSocket(`${url}?bench=${token}`);
    wss.push(w);
    w.on('open', () => connected++);
    w.on('message', (data) => {
      const d = JSON.parse(data.toString()) as { tsMs: number };
      onDelta(d.tsMs);
    });
  }
}

if (mode === 'ws') startWs();
else await startSio(mode === 'sio-msgpack' ? (await import('socket.io-msgpack-parser')).default : null);

const readyTimer = setInterval(() => {
  if (connected === N) {
    clearInterval(readyTimer);
    process.send!({ type: 'ready' });
  }
}, 50);

process.on('message', (m: { cmd: string; t0?: number; t1?: number }) => {
  if (m.cmd === 'window') {
    t0 = m.t0!;
    t1 = m.t1!;
  } else if (m.cmd === 'storm') {
    stormPending = sio.length;
    const at = Date.now();
    for (const c of sio) {
      c.waitingStorm = true;
      c.s.disconnect();
      c.s.connect();
    }
    const t = setInterval(() => {
      if (Date.now() - at > 30_000) console.error(`storm: ${stormPending} pending, connected ${connected}, syncing ${sio.filter((c) => c.syncing).length}`);
      if (stormPending === 0) {
        clearInterval(t);
        process.send!({ type: 'stormDone', startMs: at, doneMs: stormDoneMs });
      }
    }, 20);
  } else if (m.cmd === 'report') {
    // Percentiles are merged by the parent from a bounded sample.
    const step = Math.max(1, Math.floor(lat.length / 20_000));
    const sample = step === 1 ? lat : lat.filter((_, i) => i % step === 0);
    process.send!({ type: 'report', delivered, gaps, lat: sample, cpu: process.cpuUsage() });
  } else if (m.cmd === 'exit') {
    for (const c of sio) c.s.close();
    for (const w of wss) w.terminate();
    setTimeout(() => process.exit(0), 100);
  }
});
