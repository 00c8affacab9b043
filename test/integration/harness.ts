/**
 * Real components for integration tests: a hub with its embedded Aedes broker (or an external
 * broker), on an HTTP server bound to port 0, with a fresh SQLite directory.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/index.ts';
import { loadConfig } from '../../server/config.ts';
import { createHub, type Hub } from '../../server/hub.ts';
import { createLogger } from '../../server/log.ts';

export interface TestHub {
  hub: Hub;
  http: Server;
  url: string;
  dataDir: string;
  /** The admin account the harness creates (ADMIN_USER/ADMIN_PASSWORD). */
  admin: { username: string; password: string };
  /** fetch with the admin's session cookie and CSRF header. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Logs in over HTTP; the session cookie and CSRF token for further requests. */
  login(username: string, password: string): Promise<Login>;
  close(): Promise<void>;
}

export interface Login {
  cookie: string;
  csrfToken: string;
  role: string;
  /** fetch as this user (cookie, CSRF header, JSON body when `json` is given). */
  fetch(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
}

export async function login(url: string, username: string, password: string): Promise<Login> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login ${username}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { csrfToken: string; role: string };
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return {
    cookie,
    csrfToken: body.csrfToken,
    role: body.role,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('cookie', cookie);
      headers.set('x-csrf-token', body.csrfToken);
      let b = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        b = JSON.stringify(init.json);
      }
      return fetch(`${url}${path}`, { ...init, headers, body: b });
    },
  };
}

/**
 * A real hub on port 0 with an embedded broker and a fresh DATA_DIR. Per-device flood protection is
 * off by default (tests feed accelerated simulators); faults.test.ts turns it on.
 */
export async function startTestHub(env: Record<string, string> = {}, opts: { keepData?: boolean } = {}): Promise<TestHub> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'hub-it-'));
  const admin = { username: 'admin-it', password: randomBytes(12).toString('hex') };
  const config = loadConfig({ MQTT_PORT: '0', SIM: 'off', DATA_DIR: dataDir, TICK_HZ: '20', LOG_LEVEL: 'warn', DEVICE_RATE_PER_SEC: '0', ADMIN_USER: admin.username, ADMIN_PASSWORD: admin.password, ...env });
  const hub = await createHub(config, createLogger(config.LOG_LEVEL));
  const http = createServer((req, res) => hub.handle(req, res, () => res.writeHead(404).end()));
  // Integration tests see everything; role scoping is tested in server/realtime/io.test.ts.
  hub.attach(http, { principalOf: () => ({ kind: 'user', name: 'it', role: 'admin' }) });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const addr = http.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  let adminLogin: Promise<Login> | null = null;
  return {
    hub,
    http,
    url,
    dataDir,
    admin,
    login: (u, p) => login(url, u, p),
    async fetch(path, init) {
      adminLogin ??= login(url, admin.username, admin.password);
      return (await adminLogin).fetch(path, init);
    },
    async close() {
      await hub.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export function connectClient(url: string): Promise<TestSocket> {
  const s: TestSocket = ioClient(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** True when something accepts TCP connections on host:port (e.g. the machine's Mosquitto). */
export function reachable(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host, port });
    const done = (ok: boolean) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(timeoutMs, () => done(false));
    c.once('connect', () => done(true));
    c.once('error', () => done(false));
  });
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function metricValue(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    if (want.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** A TCP port that was free a moment ago (for a broker or hub the test starts on a fixed port). */
export async function freePort(): Promise<number> {
  const s = createNetServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}
