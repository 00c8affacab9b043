/**
 * The hub's REST API: health, metrics, client config and history. A connect-style handler, so the
 * same code serves under the production HTTP server and inside Vite's dev server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, sendError, sendJson } from './errors.ts';

export interface ApiDeps {
  startedMs: number;
  brokerConnected(): boolean;
  dbOk(): boolean;
  metricsText(): Promise<string>;
  metricsContentType: string;
  clientConfig(): unknown;
  /** Extra GET routes by exact path (e.g. from device-kind handlers); they may not shadow the built-in ones. */
  routes?: Record<string, ApiRoute>;
}

export type ApiRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
type Route = ApiRoute;

export function createApi(deps: ApiDeps) {
  const routes: Record<string, Route> = {
    '/healthz': (_req, res) => {
      const broker = deps.brokerConnected();
      const db = deps.dbOk();
      const ok = broker && db;
      sendJson(res, ok ? 200 : 503, {
        status: ok ? 'ok' : 'degraded',
        uptimeSec: Math.round((Date.now() - deps.startedMs) / 1000),
        broker: { connected: broker },
        db: { ok: db },
      });
    },
    '/metrics': async (_req, res) => {
      const text = await deps.metricsText();
      res.writeHead(200, { 'content-type': deps.metricsContentType, 'cache-control': 'no-store' });
      res.end(text);
    },
    '/api/config': (_req, res) => sendJson(res, 200, deps.clientConfig()),
    // /api/history, /api/series, /api/openapi.json: server/http/history-routes.ts (via `routes`).
  };
  for (const [path, route] of Object.entries(deps.routes ?? {})) {
    if (Object.hasOwn(routes, path)) throw new Error(`route ${path} is defined twice`);
    routes[path] = route;
  }

  /** Handles our routes; calls `next` for everything else (the SvelteKit app). */
  function handle(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const route = routes[url.pathname];
    if (!route) {
      if (url.pathname.startsWith('/api/')) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `no such endpoint: ${url.pathname}`);
      return next();
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendError(res, 405, ERROR_CODES.METHOD_NOT_ALLOWED, `${req.method} not allowed on ${url.pathname}`);
    }
    Promise.resolve(route(req, res, url)).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, ERROR_CODES.INTERNAL, (err as Error).message);
    });
  }
  /** Every path served (the OpenAPI document must list each of them; a test checks). */
  return Object.assign(handle, { paths: (): string[] => Object.keys(routes) });
}
