/**
 * Helpers for the e2e tests: a headless Chromium that can do WebGL (the map needs it) and a real hub
 * process on free ports with a throwaway data directory.
 *
 *   const hub = await startHub();
 *   const browser = await launchBrowser();
 *   const page = await browser.newPage();
 *   await page.goto(hub.url);
 *   ...
 *   await browser.close();
 *   await hub.stop();
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Chromium flags. The map needs WebGL2; a headless, GPU-less CI box gets it from ANGLE on SwiftShader
 * (software GL). Verified on Debian 12, Chromium 156, playwright-core 1.65, no GPU, no display: with
 * these flags a page gets a `webgl2` context (renderer "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device
 * (Subzero)), SwiftShader driver)", MAX_TEXTURE_SIZE 8192) and clear/readPixels round-trips.
 * On that machine WebGL2 also worked with none of the GL flags (Chromium falls back to SwiftShader by
 * itself, and Playwright adds --enable-unsafe-swiftshader to its defaults anyway), so none of them was
 * strictly needed there; they are kept to pin the software backend explicitly:
 *   --use-gl=angle --use-angle=swiftshader   select SwiftShader instead of probing for a GPU/driver;
 *   --enable-unsafe-swiftshader              Chromium is phasing out the automatic SwiftShader fallback
 *                                            for WebGL; this keeps it allowed in future versions;
 *   --disable-gpu                            does not block WebGL via SwiftShader, and starts ~2x faster
 *                                            (~0.3 s vs ~0.6 s per launch) than without it.
 * The rest keep the browser quiet and offline (no updates, sync, QUIC or first-run UI).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/**
 * Debian's Chromium (apt `chromium`), or CHROMIUM_PATH. The caller closes it.
 * The dashboard speaks the browser's language (German or English); the consoles of a Duisburg control
 * room run German browsers, so pages and contexts default to `locale: 'de-DE'` (headless Chromium
 * would otherwise report en-US). A test that wants English passes `{ locale: 'en-US' }`.
 */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const newContext = browser.newContext.bind(browser);
  const newPage = browser.newPage.bind(browser);
  browser.newContext = (options = {}) => newContext({ locale: 'de-DE', ...options });
  browser.newPage = (options = {}) => newPage({ locale: 'de-DE', ...options });
  return browser;
}

/** `test-results/screenshots` at the repository root, created if missing. */
export function screenshotDir(): string {
  const dir = join(root, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A TCP port that was free a moment ago (bound on 127.0.0.1 port 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

export interface Hub {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  mqttPort: number;
  dataDir: string;
  /** Everything the hub printed so far (stdout and stderr, interleaved). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Spawns `node server/main.ts` (needs a built dashboard in build/) on a free HTTP port and a free MQTT
 * port with a fresh DATA_DIR, and waits until GET /healthz answers 200 (at most 30 s). `env` is added to
 * (and overrides) the inherited environment, e.g. `{ SIM: 'off' }` or `{ SIM_SPEED: '10' }`.
 * `reuse` restarts a hub on the same ports and DATA_DIR (e.g. after `stop()`, to test reconnects).
 * If startup fails the hub's output is printed and the promise rejects.
 */
export async function startHub(env: Record<string, string> = {}, reuse: { port?: number; mqttPort?: number; dataDir?: string } = {}): Promise<Hub> {
  const port = reuse.port ?? (await freePort());
  let mqttPort = reuse.mqttPort ?? (await freePort());
  while (mqttPort === port) mqttPort = await freePort();
  const dataDir = reuse.dataDir ?? mkdtempSync(join(tmpdir(), 'hub-e2e-'));
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      MQTT_PORT: String(mqttPort),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (buffer += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (buffer += s));
  let exitInfo: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exitInfo = `spawn error: ${err.message}`;
      resolve();
    });
  });

  const stop = async (): Promise<void> => {
    if (exitInfo === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (exitInfo === null) child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let lastError = 'no answer yet';
  for (;;) {
    if (exitInfo !== null) {
      lastError = `the hub exited during startup (${exitInfo})`;
      break;
    }
    if (Date.now() > deadline) {
      lastError = `GET ${url}/healthz did not answer 200 within ${STARTUP_TIMEOUT_MS / 1000} s (last: ${lastError})`;
      break;
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 200) {
        return { url, port, mqttPort, dataDir, output: () => buffer, stop };
      }
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  await stop();
  console.error(`---- hub output (startup failed) ----\n${buffer}---- end of hub output ----`);
  throw new Error(`startHub: ${lastError}`);
}
