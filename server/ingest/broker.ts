/**
 * The embedded MQTT broker (Aedes), used when no MQTT_URL is configured so that the product needs
 * no external service. It listens on loopback by default.
 */
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../log.ts';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Starts Aedes on `port` (0 = any free port). When the port is taken and `fallback` is set, tries
 * the next ports: on a developer machine 1883 is often a system Mosquitto.
 */
export async function startEmbeddedBroker(opts: {
  port: number;
  host: string;
  fallback: boolean;
  log: Logger;
}): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({ drainTimeout: 10_000, heartbeatInterval: 60_000 });
  // No Nagle delay: a lock-step peer (the SUMO bridge) waits for each answer, and the delayed-ACK
  // interplay otherwise costs ~45 ms per round trip.
  const server = createServer({ noDelay: true }, aedes.handle);
  let port = opts.port;
  for (let attempt = 0; ; attempt++) {
    try {
      port = await listen(server, port, opts.host);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && opts.fallback && attempt < 10) {
        opts.log.warn({ port }, 'MQTT port in use (a system Mosquitto?); trying the next one. Set MQTT_PORT or MQTT_URL to choose.');
        port += 1;
        continue;
      }
      await new Promise<void>((r) => aedes.close(() => r()));
      throw new Error(`embedded MQTT broker cannot listen on ${opts.host}:${port}: ${code ?? err}. Set MQTT_PORT to a free port or MQTT_URL to an external broker.`);
    }
  }
  const host = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host;
  opts.log.info({ port, host: opts.host }, 'embedded MQTT broker listening');
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      // Aedes first: it disconnects the clients, so the listener's close can complete.
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
