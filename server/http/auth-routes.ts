/**
 * REST routes of accounts and control actions: login/logout/me, admin (users, wall display tokens,
 * audit log, quarantine) and alarm actions (ack, shelve, unshelve) with their KPIs. Who may call
 * which path is decided before these run, in server/http/access.ts; the actions here are audited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AlarmActionRequest, CreateUserRequest, ERROR_CODES, LoginRequest, type Action, type AlarmEntity, type Principal, type SessionInfo } from '../../protocol/index.ts';
import { AlarmError } from '../alarms/engine.ts';
import { computeAlarmKpis } from '../alarms/kpis.ts';
import type { AuthService } from '../auth/authenticator.ts';
import { hashPassword } from '../auth/password.ts';
import { csrfOf } from '../auth/tokens.ts';
import type { Hub } from '../hub.ts';
import type { Store } from '../store/types.ts';
import type { ApiRoute, MethodTable } from './api.ts';
import { readBody } from './body.ts';
import { sendError, sendJson } from './errors.ts';

export interface AuthRoutesDeps {
  auth: AuthService;
  store: Pick<Store, 'alarmEventsBetween' | 'quarantine' | 'audit' | 'users' | 'upsertUser' | 'user'>;
  alarmAction: Hub['alarmAction'];
  alarms(): AlarmEntity[];
}

const KpiQuery = z.object({ fromMs: z.coerce.number().int().min(0), toMs: z.coerce.number().int().min(0) });
const Limit = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
const DisplayCreate = z.object({ name: z.string().trim().min(1).max(100) });

const body = readBody;

/** Quarantined bytes as text that is safe anywhere: printable ASCII kept, everything else `\xNN`. */
export function escapePayload(b: Uint8Array): string {
  let out = '';
  for (const c of b) out += c >= 0x20 && c < 0x7f && !'\\<>&"\''.includes(String.fromCharCode(c)) ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return out;
}

const clientIp = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

export function createAuthRoutes(deps: AuthRoutesDeps): Record<string, ApiRoute | MethodTable> {
  const { auth } = deps;

  const alarmRoute =
    (kind: 'ack' | 'shelve' | 'unshelve', action: Action): ApiRoute =>
    async (req, res, _url, ctx) => {
      const p = ctx.principal as Principal;
      const b = await body(req, res, AlarmActionRequest);
      if (!b) return;
      const detail: Record<string, unknown> = { ...(b.reason ? { reason: b.reason } : {}), ...(b.durationMin ? { durationMin: b.durationMin } : {}) };
      if (kind === 'shelve' && (!b.reason || !b.durationMin)) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'shelving needs reason and durationMin');
      try {
        await deps.alarmAction(kind === 'shelve' ? { kind, durationMs: b.durationMin! * 60_000, reason: b.reason! } : { kind }, b.id, p.name);
      } catch (err) {
        if (!(err instanceof AlarmError)) throw err;
        auth.audit(p, action, b.id, { ...detail, error: err.code }, 'error');
        const unknown = err.code === 'E_ALARM_UNKNOWN';
        return sendError(res, unknown ? 404 : 409, unknown ? ERROR_CODES.NOT_FOUND : ERROR_CODES.CONFLICT, err.message);
      }
      auth.audit(p, action, b.id, detail, 'ok');
      const a = deps.alarms().find((x) => x.id === b.id);
      sendJson(res, 200, { ok: true, alarm: a ?? null });
    };

  return {
    '/api/auth/login': {
      POST: async (req, res) => {
        const b = await body(req, res, LoginRequest);
        if (!b) return;
        const r = await auth.login(b.username, b.password, clientIp(req));
        if (!r.ok) {
          auth.audit(null, 'auth.login', b.username.slice(0, 64), { ip: clientIp(req), status: r.status }, 'denied');
          if (r.status === 429) {
            return sendJson(res, 429, { error: { code: ERROR_CODES.RATE_LIMITED, message: 'too many failed logins; try again later' } }, { 'retry-after': String(r.retryAfterSec) });
          }
          return sendError(res, 401, ERROR_CODES.UNAUTHENTICATED, 'Benutzername oder Passwort falsch');
        }
        // A session cookie sent along (maybe planted) is simply replaced: the new id is fresh.
        const old = auth.sessionOf(req);
        if (old) await auth.sessions.destroy(old.id);
        auth.audit({ kind: 'user', name: r.user.username, role: r.user.role }, 'auth.login', r.user.username, { ip: clientIp(req) }, 'ok');
        const info: SessionInfo = { user: r.user.username, role: r.user.role, csrfToken: r.csrfToken };
        sendJson(res, 200, info, { 'set-cookie': auth.sessionCookie(req, r.sessionId) });
      },
    },
    '/api/auth/logout': {
      POST: async (req, res, _url, ctx) => {
        const s = auth.sessionOf(req);
        if (s) await auth.sessions.destroy(s.id);
        auth.audit(ctx.principal, 'auth.logout', ctx.principal?.name ?? '', {}, 'ok');
        sendJson(res, 200, { ok: true }, { 'set-cookie': auth.clearSessionCookie(req) });
      },
    },
    '/api/auth/me': {
      GET: (req, res, _url, ctx) => {
        const p = ctx.principal as Principal;
        const s = auth.sessionOf(req);
        // A wall display has no session and no CSRF token: it cannot change anything.
        sendJson(res, 200, { user: p.name, role: p.role, kind: p.kind, csrfToken: s ? csrfOf(s.id) : '' });
      },
    },
    '/api/admin/users': {
      GET: async (_req, res) => {
        const users = await deps.store.users();
        sendJson(res, 200, { users: users.map(({ passwordHash: _h, ...u }) => u) });
      },
      POST: async (req, res, _url, ctx) => {
        const b = await body(req, res, CreateUserRequest);
        if (!b) return;
        const existed = await deps.store.user(b.username);
        const u = await deps.store.upsertUser({ username: b.username, role: b.role, passwordHash: await hashPassword(b.password), disabled: !!b.disabled }, Date.now());
        if (existed) await auth.sessions.destroyUser(u.id);
        auth.audit(ctx.principal, 'users.manage', u.username, { role: u.role, disabled: u.disabled, created: !existed }, 'ok');
        const { passwordHash: _h, ...out } = u;
        sendJson(res, existed ? 200 : 201, { user: out });
      },
    },
    '/api/admin/displays': {
      GET: async (_req, res) => sendJson(res, 200, { displays: await auth.displays.list() }),
      POST: async (req, res, _url, ctx) => {
        const b = await body(req, res, DisplayCreate);
        if (!b) return;
        const d = await auth.displays.create(b.name);
        auth.audit(ctx.principal, 'displays.manage', d.id, { op: 'create', name: d.name }, 'ok');
        sendJson(res, 201, d);
      },
      DELETE: async (_req, res, url, ctx) => {
        const id = url.searchParams.get('id');
        if (!id) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'id: required');
        const ok = await auth.displays.revoke(id);
        auth.audit(ctx.principal, 'displays.manage', id, { op: 'revoke' }, ok ? 'ok' : 'error');
        if (!ok) return sendError(res, 404, ERROR_CODES.NOT_FOUND, `no active display token ${id}`);
        sendJson(res, 200, { ok: true });
      },
    },
    '/api/admin/audit': {
      GET: async (_req, res, url) => {
        const q = Limit.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, q.error.issues[0]!.message);
        sendJson(res, 200, { audit: await deps.store.audit(q.data.limit) });
      },
    },
    '/api/admin/quarantine': {
      GET: async (_req, res, url) => {
        const q = Limit.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, q.error.issues[0]!.message);
        const rows = await deps.store.quarantine(q.data.limit);
        sendJson(res, 200, { quarantine: rows.map((r) => ({ ...r, payload: escapePayload(r.payload) })) });
      },
    },
    '/api/alarms/ack': { POST: alarmRoute('ack', 'alarm.ack') },
    '/api/alarms/shelve': { POST: alarmRoute('shelve', 'alarm.shelve') },
    '/api/alarms/unshelve': { POST: alarmRoute('unshelve', 'alarm.unshelve') },
    '/api/alarms/kpis': {
      GET: async (_req, res, url) => {
        const q = KpiQuery.safeParse(Object.fromEntries(url.searchParams));
        if (!q.success) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        const { fromMs, toMs } = q.data;
        if (toMs < fromMs) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'toMs must not be before fromMs');
        const events = await deps.store.alarmEventsBetween(fromMs, toMs);
        sendJson(res, 200, computeAlarmKpis(events, deps.alarms(), fromMs, toMs, Date.now()));
      },
    },
  };
}
