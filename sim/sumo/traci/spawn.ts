// Starts a `sumo` process with --remote-port on a free port and connects a TraciClient to it.
// Free port: bind port 0, read the port the OS chose, release it, pass it to sumo (small race with
// other processes binding the same port meanwhile; the connect retries and sumo's own bind error
// surface as a clear failure). close() sends TraCI close (sumo then writes its outputs and exits)
// and kills the process if it does not exit.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { TraciClient } from './client.ts';
import { TraciError } from './errors.ts';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export type SumoProcessOptions = {
  /** sumo arguments without --remote-port (e.g. ['-c', 'x.sumocfg', '--seed', '1']) */
  args: string[];
  cwd?: string;
  /** binary, default `sumo` (SUMO_BINARY env overrides) */
  binary?: string;
  connectTimeoutMs?: number;
};

export type SumoSession = {
  traci: TraciClient;
  process: ChildProcess;
  port: number;
  /** sumo's stdout+stderr so far (for error reports) */
  output(): string;
  /** TraCI close, wait for exit (kill after `timeoutMs`); resolves with the exit code */
  close(timeoutMs?: number): Promise<number | null>;
};

export function sumoEnv(): NodeJS.ProcessEnv {
  // Without SUMO_HOME sumo tries to fetch XML schemas from the web ("invalid document structure").
  return { ...process.env, SUMO_HOME: process.env.SUMO_HOME || '/usr/share/sumo' };
}

export async function startSumo(opts: SumoProcessOptions): Promise<SumoSession> {
  const port = await freePort();
  const binary = opts.binary ?? process.env.SUMO_BINARY ?? 'sumo';
  const child = spawn(binary, [...opts.args, '--remote-port', String(port)], {
    cwd: opts.cwd,
    env: sumoEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 20_000) out = out.slice(-20_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: { code: number | null; signal: string | null } | null = null;
  let spawnError: Error | null = null;
  const exitPromise = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(code);
    });
  });
  child.once('error', (e) => {
    spawnError = e;
  });

  let traci: TraciClient;
  try {
    traci = await TraciClient.connect(port, {
      timeoutMs: opts.connectTimeoutMs ?? 30_000,
      aborted: () => {
        if (spawnError) return `cannot start ${binary}: ${spawnError.message}`;
        if (exited) return `sumo exited (code ${exited.code}) before accepting TraCI: ${out.trim().slice(-2000)}`;
        return null;
      },
    });
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }

  const close = async (timeoutMs = 30_000): Promise<number | null> => {
    try {
      await traci.close();
    } catch (e) {
      if (!(e instanceof TraciError) || e.kind === 'status') throw e;
    }
    if (exited) return (exited as { code: number | null }).code;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await exitPromise;
    clearTimeout(timer);
    return code;
  };
  return { traci, process: child, port, output: () => out, close };
}
