/**
 * Production entry: one HTTP port serves the built dashboard, the REST API and Socket.IO.
 *   node server/main.ts
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfigOrExit } from './config.ts';
import { createHub } from './hub.ts';
import { createLogger } from './log.ts';
import { securityHeaders } from './http/security.ts';

type NodeHandler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: () => void) => void;

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL);
  const handlerPath = fileURLToPath(new URL('../build/handler.js', import.meta.url));
  if (!existsSync(handlerPath)) {
    log.fatal({ handlerPath }, 'the dashboard is not built: run `npm run build` first (npm start does it for you)');
    process.exit(1);
  }
  const { handler: appHandler } = (await import(pathToFileURL(handlerPath).href)) as { handler: NodeHandler };

  const hub = await createHub(config, log);
  const http = createServer((req, res) => {
    securityHeaders(res);
    hub.handle(req, res, () =>
      appHandler(req, res, () => {
        res.statusCode = 404;
        res.end('not found');
      }),
    );
  });
  hub.attach(http);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.PORT, config.HOST, resolve);
  }).catch((err: NodeJS.ErrnoException) => {
    log.fatal({ port: config.PORT, code: err.code }, `cannot listen on ${config.HOST}:${config.PORT}; set PORT to a free port`);
    process.exit(1);
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  log.info({ url: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}` }, 'dashboard ready');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 8000);
    force.unref();
    http.closeAllConnections();
    await hub.close();
    http.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
