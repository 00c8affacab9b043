/**
 * The hub without the dashboard: ingest, fusion, store, alarms, optimiser, REST and Socket.IO on a
 * plain HTTP server. For processes that only need the hub — the SUMO evaluation harness (started as
 * a child process: sim/ never imports server/), fault tests that SIGKILL it, a scaled deployment's
 * ingest-only node. Configured by the environment exactly like server/main.ts. Prints one JSON line
 * `{"ready":true,"port":…,"mqttUrl":…,"hubId":…}` on stdout when it serves; SIGTERM closes it cleanly.
 */
import { createServer } from 'node:http';
import { loadConfigOrExit } from './config.ts';
import { createHub } from './hub.ts';
import { createLogger } from './log.ts';

const config = loadConfigOrExit();
const hub = await createHub(config, createLogger(config.LOG_LEVEL));
const http = createServer((req, res) => hub.handle(req, res, () => res.writeHead(404).end()));
hub.attach(http);
await new Promise<void>((r) => http.listen(config.PORT, config.HOST, r));
const addr = http.address();
process.stdout.write(`${JSON.stringify({ ready: true, port: typeof addr === 'object' && addr ? addr.port : 0, mqttUrl: hub.mqttUrl, hubId: hub.hubId })}\n`);
const stop = async () => {
  http.closeAllConnections();
  await hub.close();
  http.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
