/**
 * History REST routes (`/api/history` with JSON or CSV, `/api/series` search) and the OpenAPI 3.1
 * document of every REST route of the hub (`/api/openapi.json`). Registered through createApi's
 * `routes` in hub.ts.
 */
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { ERROR_CODES, HistoryQuery, type HistoryResponse } from '../../protocol/index.ts';
import type { Store } from '../store/types.ts';
import type { ApiRoute } from './api.ts';
import { sendError, sendJson } from './errors.ts';
import { controlOpenApiPaths } from '../control/openapi.ts';
import { openOpenApiPaths } from '../open/openapi.ts';

export const HistoryParams = HistoryQuery.extend({ format: z.enum(['json', 'csv']).default('json') });
export const SeriesParams = z.object({
  q: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(50).default(50),
});

export interface HistoryRoutesDeps {
  store: Pick<Store, 'history' | 'searchSeries'>;
  version: string;
}

function badRequest(res: ServerResponse, issues: z.core.$ZodIssue[]): void {
  sendError(res, 400, ERROR_CODES.BAD_REQUEST, issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
}

/** Query parameters given twice are ambiguous: refused rather than guessed. */
function params(url: URL, res: ServerResponse): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (Object.hasOwn(out, k)) {
      sendError(res, 400, ERROR_CODES.BAD_REQUEST, `${k}: given more than once`);
      return null;
    }
    out[k] = v;
  }
  return out;
}

/** RFC 4180 CSV of a history answer: `ts_iso,ts_ms,value`, empty value for a gap. */
export function historyCsv(h: HistoryResponse): string {
  const lines = ['ts_iso,ts_ms,value'];
  for (let i = 0; i < h.tsMs.length; i++) {
    const t = h.tsMs[i]!;
    const v = h.values[i];
    lines.push(`${new Date(t).toISOString()},${t},${v === null || v === undefined ? '' : v}`);
  }
  return lines.join('\r\n') + '\r\n';
}

export function createHistoryRoutes(deps: HistoryRoutesDeps): Record<string, ApiRoute> {
  let openApiText: string | null = null;
  return {
    '/api/history': async (_req, res, url) => {
      const p = params(url, res);
      if (!p) return;
      const q = HistoryParams.safeParse(p);
      if (!q.success) return badRequest(res, q.error.issues);
      const { entity, metric, fromMs, toMs, maxPoints, format } = q.data;
      if (toMs < fromMs) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'toMs must not be before fromMs');
      const h = await deps.store.history(entity, metric, fromMs, toMs, maxPoints);
      if (format === 'json') return sendJson(res, 200, h);
      const name = `${entity}_${metric}_${fromMs}_${toMs}`.replace(/[^A-Za-z0-9._-]+/g, '_');
      const text = historyCsv(h);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}.csv"`,
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    },
    '/api/series': async (_req, res, url) => {
      const p = params(url, res);
      if (!p) return;
      const q = SeriesParams.safeParse(p);
      if (!q.success) return badRequest(res, q.error.issues);
      sendJson(res, 200, { series: await deps.store.searchSeries(q.data.q, q.data.limit) });
    },
    '/api/openapi.json': (_req, res) => {
      openApiText ??= JSON.stringify(openApiDocument(deps.version));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(openApiText);
    },
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const errorResponse = (description: string) => json(ref('Error'), description);
const ERRORS = {
  '400': errorResponse('Bad parameters; `error.message` says which and why (E_BAD_REQUEST).'),
  '405': errorResponse('Only GET and HEAD are allowed (E_METHOD_NOT_ALLOWED).'),
  '500': errorResponse('Internal error (E_INTERNAL).'),
};
const q = (name: string, schema: unknown, description: string, required = false) => ({ name, in: 'query', required, description, schema });

const body = (schema: unknown) => ({ required: true, content: { 'application/json': { schema } } });
const AUTH_ERRORS = {
  '401': errorResponse('Not logged in (E_UNAUTHENTICATED).'),
  '403': errorResponse('Role may not do this, or CSRF token / Origin check failed (E_FORBIDDEN).'),
};
const CHANGE_ERRORS = { ...ERRORS, ...AUTH_ERRORS, '429': errorResponse('Rate limit: 30 control actions per minute and principal (E_RATE_LIMITED); see Retry-After.') };
const csrf = { name: 'x-csrf-token', in: 'header', required: true, description: 'The session’s CSRF token (from login or /api/auth/me).', schema: { type: 'string' } };
const alarmAction = (summary: string) => ({
  post: {
    summary,
    parameters: [csrf],
    requestBody: body({ type: 'object', required: ['id'], properties: { id: { type: 'string' }, reason: { type: 'string', maxLength: 500 }, durationMin: { type: 'integer', minimum: 1, maximum: 480 } } }),
    responses: { '200': json({ type: 'object' }, 'Done; the alarm’s new state.'), '404': errorResponse('No such alarm.'), '409': errorResponse('Not allowed in the alarm’s state (E_CONFLICT).'), ...CHANGE_ERRORS },
  },
});

/** Accounts, admin and control-action routes (server/http/auth-routes.ts; rules in server/http/access.ts). */
function authPaths() {
  return {
    '/api/auth/login': {
      post: {
        summary: 'Log in; sets the HttpOnly session cookie `dcr_session` (a fresh session id every time).',
        requestBody: body({ type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } }),
        responses: {
          '200': json(ref('SessionInfo'), 'Logged in.'),
          '401': errorResponse('Wrong username or password (one generic answer).'),
          '429': errorResponse('Too many failures for this user or address (backoff after 5, 15 min lock after 10); see Retry-After.'),
          ...ERRORS,
        },
      },
    },
    '/api/auth/logout': { post: { summary: 'Ends the session and clears the cookie.', parameters: [csrf], responses: { '200': json({ type: 'object' }, 'Logged out.'), ...CHANGE_ERRORS } } },
    '/api/auth/me': { get: { summary: 'Who is logged in, with the CSRF token.', responses: { '200': json(ref('SessionInfo'), 'The principal.'), ...AUTH_ERRORS, '405': ERRORS['405'] } } },
    '/api/admin/users': {
      get: { summary: 'All users (admin).', responses: { '200': json({ type: 'object' }, 'Users without password hashes.'), ...AUTH_ERRORS } },
      post: {
        summary: 'Create a user, or update role/password/disabled of an existing one (ends its sessions) (admin).',
        parameters: [csrf],
        requestBody: body({ type: 'object', required: ['username', 'password', 'role'], properties: { username: { type: 'string' }, password: { type: 'string', minLength: 12 }, role: { type: 'string', enum: ['operator', 'fire', 'utility', 'admin'] }, disabled: { type: 'boolean' } } }),
        responses: { '200': json({ type: 'object' }, 'Updated.'), '201': json({ type: 'object' }, 'Created.'), ...CHANGE_ERRORS },
      },
    },
    '/api/admin/displays': {
      get: { summary: 'Wall display tokens (without the tokens) (admin).', responses: { '200': json({ type: 'object' }, 'Display tokens.'), ...AUTH_ERRORS } },
      post: {
        summary: 'Create a wall display token; the token is in this answer only (admin).',
        parameters: [csrf],
        requestBody: body({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }),
        responses: { '201': json({ type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, token: { type: 'string' } } }, 'Created.'), ...CHANGE_ERRORS },
      },
      delete: {
        summary: 'Revoke a wall display token (admin).',
        parameters: [csrf, q('id', { type: 'string' }, 'Display token id.', true)],
        responses: { '200': json({ type: 'object' }, 'Revoked.'), '404': errorResponse('No active token with this id.'), ...CHANGE_ERRORS },
      },
    },
    '/api/admin/audit': {
      get: { summary: 'Audit log, newest first (admin).', parameters: [q('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, 'Rows.')], responses: { '200': json({ type: 'object' }, 'Audit rows.'), ...ERRORS, ...AUTH_ERRORS } },
    },
    '/api/admin/quarantine': {
      get: {
        summary: 'Quarantined MQTT messages, newest first; payload as escaped text (admin).',
        parameters: [q('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, 'Rows.')],
        responses: { '200': json({ type: 'object' }, 'Quarantine rows.'), ...ERRORS, ...AUTH_ERRORS },
      },
    },
    '/api/alarms/ack': alarmAction('Acknowledge an alarm.'),
    '/api/alarms/shelve': alarmAction('Shelve an alarm (reason and durationMin required).'),
    '/api/alarms/unshelve': alarmAction('Unshelve an alarm.'),
    '/api/alarms/kpis': {
      get: {
        summary: 'Alarm-system KPIs after ISA-18.2 / EEMUA 191 over a period.',
        parameters: [q('fromMs', { type: 'integer', minimum: 0 }, 'Start (epoch ms).', true), q('toMs', { type: 'integer', minimum: 0 }, 'End (epoch ms).', true)],
        responses: { '200': json({ type: 'object' }, 'KPIs (server/alarms/kpis.ts).'), ...ERRORS, ...AUTH_ERRORS },
      },
    },
  };
}

/** OpenAPI 3.1 description of every REST route of the hub. A test checks it lists all of them. */
export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Duisburg Leitstelle hub REST API',
      version,
      description:
        'REST API of the hub (login with a session cookie; every state-changing request needs the `x-csrf-token` header) (live state streams over Socket.IO, see protocol/realtime.ts). Every error has the body `{"error":{"code","message"}}` with a stable code; see docs/api.md.',
    },
    paths: {
      '/healthz': {
        get: {
          summary: 'Liveness and readiness: MQTT broker connection and database.',
          responses: {
            '200': json(ref('Health'), 'Healthy.'),
            '503': json(ref('Health'), 'Degraded: broker disconnected or database not answering.'),
            '405': ERRORS['405'],
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format).',
          responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, '405': ERRORS['405'] },
        },
      },
      '/api/config': {
        get: {
          summary: 'Client configuration for the dashboard.',
          responses: { '200': json(ref('ClientConfig'), 'The configuration.'), '405': ERRORS['405'] },
        },
      },
      '/api/history': {
        get: {
          summary: 'One series over a time range, raw or averaged into buckets.',
          description:
            'Raw samples when the range is still held raw and has at most maxPoints samples; otherwise averages per bucket read from the finest resolution that still holds the range (raw, 1-minute or 15-minute aggregates). `stepSec` says the bucket width (0 = raw).',
          parameters: [
            q('entity', { type: 'string', minLength: 1, maxLength: 200 }, 'Entity id, e.g. `tls:K001`.', true),
            q('metric', { type: 'string', minLength: 1, maxLength: 100 }, 'Metric name, e.g. `flowVehH`.', true),
            q('fromMs', { type: 'integer', minimum: 0 }, 'Start, epoch milliseconds (inclusive).', true),
            q('toMs', { type: 'integer', minimum: 0 }, 'End, epoch milliseconds (inclusive); not before fromMs.', true),
            q('maxPoints', { type: 'integer', minimum: 2, maximum: 10000, default: 1000 }, 'Upper bound on points returned.'),
            q('format', { type: 'string', enum: ['json', 'csv'], default: 'json' }, '`csv` answers text/csv (`ts_iso,ts_ms,value`) as an attachment.'),
          ],
          responses: {
            '200': {
              description: 'The series (empty arrays for an unknown series).',
              content: {
                'application/json': { schema: ref('HistoryResponse') },
                'text/csv': { schema: { type: 'string', description: 'Header `ts_iso,ts_ms,value`, one line per point, empty value for a gap.' } },
              },
              headers: { 'Content-Disposition': { description: 'With format=csv: `attachment; filename="…csv"`.', schema: { type: 'string' } } },
            },
            ...ERRORS,
          },
        },
      },
      '/api/replay': {
        get: {
          summary: 'Time travel (read-only): the state of the families at a past instant, rebuilt from the stored history.',
          description:
            'Per family and entity the latest stored value at or before atMs within the family’s look-back (protocol/replay.ts REPLAY_LOOKBACK_MS; raw samples, else 1-minute / 15-minute aggregates where raw is pruned), on today’s entities (names, positions). Fields that are not historised are null or listed in `notHistorised`; families with nothing historised come with `coverage: "none"` and no entities. A role gets exactly the families it may see live.',
          parameters: [
            q('atMs', { type: 'integer', minimum: 0 }, 'The instant, epoch milliseconds; at most 60 s ahead of the hub clock.', true),
            q('families', { type: 'string' }, 'Comma-separated families (tls, alarms, transit, parking, lighting, lampFaults, environment, construction, drone, links); absent = every family the caller may see.'),
          ],
          responses: {
            '200': json(ref('ReplayResponse'), 'The families at atMs.'),
            '400': errorResponse('Bad atMs (missing, not an integer, negative, in the future) (E_BAD_REQUEST), or an unknown family (E_UNKNOWN_FAMILY).'),
            ...AUTH_ERRORS,
            '405': ERRORS['405'],
          },
        },
      },
      '/api/series': {
        get: {
          summary: 'Search the stored series by entity or metric (case-insensitive substring, prefix matches first).',
          parameters: [
            q('q', { type: 'string', maxLength: 200, default: '' }, 'Text to search for; empty lists series in name order.'),
            q('limit', { type: 'integer', minimum: 1, maximum: 50, default: 50 }, 'At most this many results.'),
          ],
          responses: {
            '200': json({ type: 'object', required: ['series'], properties: { series: { type: 'array', items: ref('Series') } } }, 'Matching series.'),
            ...ERRORS,
          },
        },
      },
      '/api/transit/lines': {
        get: {
          summary: 'Transit lines as announced by the vehicles’ feeds (TransitLineMeta, protocol/transit.ts).',
          responses: { '200': json({ type: 'array', items: { type: 'object', description: 'TransitLineMeta' } }, 'All known lines.'), '405': ERRORS['405'] },
        },
      },
      '/api/corridors': {
        get: {
          summary: 'Travel time now and at free flow along the main corridors (both directions).',
          responses: { '200': json({ type: 'array', items: { type: 'object', description: 'Corridor travel time (server/fusion)' } }, 'One entry per corridor and direction.'), '405': ERRORS['405'] },
        },
      },
      '/api/tls/signal': {
        get: {
          summary: 'Signal spec (groups, conflicts, intergreens) and default fixed-time plan an installation announced (TlsMetaSignal, protocol/signal.ts).',
          parameters: [q('id', { type: 'string', minLength: 1, maxLength: 64 }, 'Installation id, e.g. `K001`.', true)],
          responses: {
            '200': json(
              {
                type: 'object',
                required: ['spec', 'plan'],
                properties: {
                  spec: { type: 'object', description: 'ControllerSpec' },
                  plan: { type: 'object', description: 'SignalPlan (the default fixed-time plan)' },
                  lon: { type: ['number', 'null'] },
                  lat: { type: ['number', 'null'] },
                  approaches: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, street: { type: 'string' }, bearingDeg: { type: 'number', description: 'Direction of travel of the arriving traffic, degrees from north.' } } } },
                },
              },
              'The announced spec and plan, with the installation’s position and approaches.',
            ),
            '400': ERRORS['400'],
            '404': errorResponse('Unknown installation, or it announced no signal spec (E_NOT_FOUND).'),
            '405': ERRORS['405'],
          },
        },
      },
      '/api/transit/arrivals': {
        get: {
          summary: 'Next arrivals at a stop.',
          parameters: [q('stop', { type: 'string', minLength: 1, maxLength: 100 }, 'Stop id.', true)],
          responses: {
            '200': json(
              { type: 'object', properties: { stopId: { type: 'string' }, nowMs: { type: 'integer' }, arrivals: { type: 'array', items: { type: 'object' } } } },
              'Predicted arrivals.',
            ),
            '400': ERRORS['400'],
            '404': errorResponse('No line serves this stop (E_NOT_FOUND).'),
            '405': ERRORS['405'],
          },
        },
      },
      '/api/transit/headways': {
        get: {
          summary: 'Latest observed headways per line and direction, with the scheduled one and bunching.',
          responses: {
            '200': json(
              {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    lineId: { type: 'string' },
                    directionId: { type: 'integer' },
                    headwaySec: { type: 'number' },
                    scheduledSec: { type: ['number', 'null'] },
                    bunched: { type: 'boolean' },
                    stopId: { type: 'string' },
                    tsMs: { type: 'integer' },
                    recent: { type: 'array', items: { type: 'number' } },
                  },
                },
              },
              'Headways.',
            ),
            '405': ERRORS['405'],
          },
        },
      },
      '/api/lighting/districts': {
        get: {
          summary: 'Street-lighting power now (kW) and energy today (kWh, local day) per district.',
          responses: { '200': json({ type: 'object', properties: { day: { type: 'string' }, districts: { type: 'array', items: { type: 'object' } } } }, 'Per district.'), '405': ERRORS['405'] },
        },
      },
      '/api/lighting/workorders': {
        get: {
          summary: 'Lamp maintenance work orders, newest first.',
          parameters: [q('state', { type: 'string', enum: ['open', 'assigned', 'fixed'] }, 'Only orders in this state.')],
          responses: { '200': json({ type: 'array', items: { type: 'object' } }, 'Work orders.'), '405': ERRORS['405'] },
        },
      },
      '/api/lighting/lamps': {
        get: {
          summary: 'Positions of all street lamps as parallel arrays.',
          responses: { '200': json(ref('LampPositions'), 'All known lamps.'), '405': ERRORS['405'] },
        },
      },
      ...authPaths(),
      ...controlOpenApiPaths(),
      ...openOpenApiPaths(),
      '/api/openapi.json': {
        get: { summary: 'This document.', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document.'), '405': ERRORS['405'] } },
      },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string', enum: Object.values(ERROR_CODES) }, message: { type: 'string' } },
            },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['ok', 'degraded'] },
            uptimeSec: { type: 'integer' },
            broker: { type: 'object', properties: { connected: { type: 'boolean' } } },
            db: { type: 'object', properties: { ok: { type: 'boolean' } } },
          },
        },
        ClientConfig: {
          type: 'object',
          properties: { hubId: { type: 'string' }, version: { type: 'string' }, basemapStyleUrl: { type: 'string' }, tickHz: { type: 'number' } },
        },
        HistoryResponse: {
          type: 'object',
          required: ['entity', 'metric', 'fromMs', 'toMs', 'stepSec', 'tsMs', 'values'],
          properties: {
            entity: { type: 'string' },
            metric: { type: 'string' },
            fromMs: { type: 'integer' },
            toMs: { type: 'integer' },
            stepSec: { type: 'integer', description: 'Seconds per point (0 = raw samples; 60/900 multiples = from 1-minute/15-minute aggregates).' },
            tsMs: { type: 'array', items: { type: 'integer' } },
            values: { type: 'array', items: { type: ['number', 'null'] } },
          },
        },
        SessionInfo: {
          type: 'object',
          required: ['user', 'role', 'csrfToken'],
          properties: { user: { type: 'string' }, role: { type: 'string', enum: ['operator', 'fire', 'utility', 'admin', 'wall'] }, csrfToken: { type: 'string' } },
        },
        ReplayResponse: {
          type: 'object',
          required: ['atMs', 'nowMs', 'families'],
          properties: {
            atMs: { type: 'integer' },
            nowMs: { type: 'integer', description: 'Hub time of the answer.' },
            families: {
              type: 'object',
              description: 'By family name.',
              additionalProperties: {
                type: 'object',
                required: ['family', 'coverage', 'lookBackMs', 'notHistorised', 'entities'],
                properties: {
                  family: { type: 'string' },
                  coverage: { type: 'string', enum: ['history', 'static', 'none'] },
                  lookBackMs: { type: 'integer' },
                  notHistorised: { type: 'array', items: { type: 'string' }, description: 'Fields that still show the present value.' },
                  entities: { type: 'array', items: { type: 'object', description: 'The family’s entity type (protocol/entities.ts, protocol/realtime.ts).' } },
                },
              },
            },
          },
        },
        Series: { type: 'object', required: ['entity', 'metric'], properties: { entity: { type: 'string' }, metric: { type: 'string' } } },
        LampPositions: {
          type: 'object',
          properties: {
            ids: { type: 'array', items: { type: 'string' } },
            lon: { type: 'array', items: { type: 'number' } },
            lat: { type: 'array', items: { type: 'number' } },
            cabinet: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  };
}
