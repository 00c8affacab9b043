/**
 * The hub's REST API: health, metrics, client config, history, auth and control actions. A
 * connect-style handler, so the same code serves under the production HTTP server and inside
 * Vite's dev server. Every path has an access rule (server/http/access.ts); a path without one
 * stops the hub at start.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../protocol/index.ts';
import { ERROR_CODES, sendError, sendJson } from './errors.ts';

export interface ApiDeps {
  startedMs: number;
  brokerConnected(): boolean;
  dbOk(): boolean;
  metricsText(): Promise<string>;
  metricsContentType: string;
  clientConfig(): unknown;
  /**
   * Extra routes by exact path: a function serves GET (and HEAD), a method table serves the
   * methods it names. They may not shadow the built-in ones.
   */
  routes?: Record<string, ApiRoute | MethodTable>;
  /** Access control: checks every request against its path's rule before the route runs. */
  access?: Access;
  /** Runs before `next()` for requests that are not ours (pages): e.g. the display cookie. */
  beforePage?(req: IncomingMessage, res: ServerResponse, url: URL): void;
}

export interface RouteContext {
  principal: Principal | null;
}

export type Method = 'GET' | 'POST' | 'DELETE';
export type ApiRoute = (req: IncomingMessage, res: ServerResponse, url: URL, ctx: RouteContext) => void | Promise<void>;
export type MethodTable = Partial<Record<Method, ApiRoute>>;

export interface Access {
  hasRule(path: string): boolean;
  /** The caller's context when allowed; null after answering 401/403/429 itself. */
  authorize(req: IncomingMessage, res: ServerResponse, path: string, method: Method): RouteContext | null;
}

export function createApi(deps: ApiDeps) {
  const routes: Record<string, MethodTable> = {
    '/healthz': {
      GET: (_req, res) => {
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
    },
    '/metrics': {
      GET: async (_req, res) => {
        const text = await deps.metricsText();
        res.writeHead(200, { 'content-type': deps.metricsContentType, 'cache-control': 'no-store' });
        res.end(text);
      },
    },
    '/api/config': { GET: (_req, res) => sendJson(res, 200, deps.clientConfig()) },
    // /api/history, /api/series, /api/openapi.json: server/http/history-routes.ts; /api/auth/*,
    // /api/admin/*, /api/alarms/*: server/http/auth-routes.ts (via `routes`).
  };
  for (const [path, route] of Object.entries(deps.routes ?? {})) {
    if (Object.hasOwn(routes, path)) throw new Error(`route ${path} is defined twice`);
    routes[path] = typeof route === 'function' ? { GET: route } : route;
  }
  if (deps.access) {
    const missing = Object.keys(routes).filter((p) => !deps.access!.hasRule(p));
    if (missing.length > 0) throw new Error(`no access rule for ${missing.join(', ')} (server/http/access.ts)`);
  }

  /** Handles our routes; calls `next` for everything else (the SvelteKit app). */
  function handle(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const url = new URL(req.url ?? '/', 'http://hub.invalid');
    const table = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!table) {
      if (url.pathname.startsWith('/api/')) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `no such endpoint: ${url.pathname}`);
      deps.beforePage?.(req, res, url);
      return next();
    }
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
    const route = Object.hasOwn(table, method) ? table[method] : undefined;
    if (!route) {
      const allow = Object.keys(table).flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]));
      res.setHeader('allow', allow.join(', '));
      return sendError(res, 405, ERROR_CODES.METHOD_NOT_ALLOWED, `${req.method} not allowed on ${url.pathname}`);
    }
    const ctx = deps.access ? deps.access.authorize(req, res, url.pathname, method) : { principal: null };
    if (!ctx) return;
    Promise.resolve(route(req, res, url, ctx)).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, ERROR_CODES.INTERNAL, (err as Error).message);
    });
  }
  /** Every path served (the OpenAPI document must list each of them; a test checks). */
  return Object.assign(handle, {
    paths: (): string[] => Object.keys(routes),
    /** Methods served per path (the permissions test walks them). */
    methods: (): Record<string, Method[]> => Object.fromEntries(Object.entries(routes).map(([p, t]) => [p, Object.keys(t) as Method[]])),
  });
}
