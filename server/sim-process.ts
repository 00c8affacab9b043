/**
 * Runs the built-in simulator as a child process. It is a separate program that talks to the
 * broker like any field device; the hub only starts and stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from './log.ts';

export interface SimProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

const SIM_ENTRY = fileURLToPath(new URL('../sim/main.ts', import.meta.url));

export function startSimulator(opts: { mqttUrl: string; speed: number; seed: number; scenario?: string | undefined; log: Logger }): SimProcess {
  let stopping = false;
  let child!: ChildProcess;
  const start = () => {
    child = spawn(process.execPath, [SIM_ENTRY], {
      env: {
        ...process.env,
        MQTT_URL: opts.mqttUrl,
        SIM_SPEED: String(opts.speed),
        SIM_SEED: String(opts.seed),
        ...(opts.scenario ? { SIM_SCENARIO: opts.scenario } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    opts.log.info({ pid: child.pid, speed: opts.speed }, 'simulator started');
    child.on('exit', (code, signal) => {
      if (stopping) return;
      opts.log.error({ code, signal }, 'simulator exited; restarting in 2 s');
      setTimeout(() => !stopping && start(), 2000).unref();
    });
  };
  start();
  return {
    get child() {
      return child;
    },
    stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
