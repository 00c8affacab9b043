/**
 * THE access registry: one rule for every REST path the hub serves. A path without a rule stops the
 * hub at start (createApi), and test/integration/permissions.test.ts checks every path for every
 * role and for anonymous callers against this table.
 *
 *  - public:        anyone, no login (liveness, metrics, client config, the API document, login).
 *  - authenticated: any logged-in user or wall display.
 *  - family:        whoever may see that realtime family (protocol/auth.ts FAMILY_ACCESS).
 *  - action:        whoever may take that action (protocol/auth.ts ACTIONS); state-changing
 *                   requests to such paths are rate-limited per principal, and refusals are audited.
 *
 * Every state-changing request (POST, DELETE) of a logged-in user needs the session's CSRF token in
 * `x-csrf-token` and, when present, a same-origin Origin/Referer. Wall displays are read-only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canDo, canSee, type Action, type Family } from '../../protocol/index.ts';
import type { AuthService } from '../auth/authenticator.ts';
import { csrfValid, sameOrigin } from '../auth/csrf.ts';
import type { Access, Method, RouteContext } from './api.ts';
import { ERROR_CODES, sendError, sendJson } from './errors.ts';

export type Rule = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'family'; family: Family } | { kind: 'action'; action: Action };

const PUBLIC: Rule = { kind: 'public' };
const AUTHENTICATED: Rule = { kind: 'authenticated' };
const family = (f: Family): Rule => ({ kind: 'family', family: f });
const action = (a: Action): Rule => ({ kind: 'action', action: a });

export const ROUTE_RULES: Readonly<Record<string, Rule>> = {
  '/healthz': PUBLIC,
  '/metrics': PUBLIC,
  '/api/config': PUBLIC,
  '/api/openapi.json': PUBLIC,
  '/api/auth/login': PUBLIC,
  '/api/auth/logout': AUTHENTICATED,
  '/api/auth/me': AUTHENTICATED,
  '/api/history': AUTHENTICATED,
  // Per family the route itself applies canSee (403 for a family the role may not see live).
  '/api/replay': AUTHENTICATED,
  '/api/series': AUTHENTICATED,
  '/api/corridors': family('links'),
  '/api/tls/signal': family('tls'),
  '/api/transit/lines': family('transit'),
  '/api/transit/arrivals': family('transit'),
  '/api/transit/headways': family('transit'),
  '/api/lighting/districts': family('lighting'),
  '/api/lighting/lamps': family('lighting'),
  '/api/lighting/workorders': family('lampFaults'),
  '/api/alarms/kpis': family('alarms'),
  '/api/alarms/ack': action('alarm.ack'),
  '/api/alarms/shelve': action('alarm.shelve'),
  '/api/alarms/unshelve': action('alarm.unshelve'),
  '/api/control/state': family('control'),
  '/api/control/propose': action('plan.approve'),
  '/api/control/approve': action('plan.approve'),
  '/api/control/reject': action('plan.approve'),
  '/api/control/override': action('plan.override'),
  '/api/control/release': action('plan.override'),
  '/api/control/mode': action('control.mode'),
  '/api/admin/users': action('users.manage'),
  '/api/admin/displays': action('displays.manage'),
  '/api/admin/audit': action('audit.read'),
  '/api/admin/quarantine': action('quarantine.read'),
  // Open data (server/open): public by design, rate-limited per IP by the routes themselves.
  '/api/open': PUBLIC,
  '/api/open/gtfs-rt/vehicle-positions': PUBLIC,
  '/api/open/gtfs-rt/trip-updates': PUBLIC,
  '/api/open/datex2/parking-status': PUBLIC,
  '/api/open/datex2/parking-table': PUBLIC,
  '/api/open/geojson/construction': PUBLIC,
  '/api/open/geojson/signals': PUBLIC,
  '/api/open/geojson/parking': PUBLIC,
  '/api/open/geojson/lamps': PUBLIC,
  '/api/open/geojson/links': PUBLIC,
  '/api/open/history': PUBLIC,
  '/api/gateway/sources': action('quarantine.read'),
};

const changes = (m: Method) => m !== 'GET';

export function createAccess(auth: AuthService, rules: Readonly<Record<string, Rule>> = ROUTE_RULES): Access {
  return {
    hasRule: (path) => Object.hasOwn(rules, path),
    authorize(req: IncomingMessage, res: ServerResponse, path: string, method: Method): RouteContext | null {
      const rule = rules[path]!;
      const principal = auth.principalOf(req);
      if (rule.kind === 'public') {
        // Login is state-changing without a session: a cross-site form must not log a browser in.
        if (changes(method) && !sameOrigin(req)) return forbid(res, 'cross-origin request refused');
        return { principal };
      }
      if (!principal) {
        sendError(res, 401, ERROR_CODES.UNAUTHENTICATED, 'login required');
        return null;
      }
      if (rule.kind === 'family' && !canSee(principal, rule.family)) return forbid(res, `role ${principal.role} may not see ${rule.family}`);
      if (rule.kind === 'action' && !canDo(principal, rule.action)) {
        auth.audit(principal, rule.action, path, { method }, 'denied');
        return forbid(res, `role ${principal.role} may not ${rule.action}`);
      }
      if (changes(method)) {
        const s = principal.kind === 'user' ? auth.sessionOf(req) : null;
        if (!s) return forbid(res, 'wall displays are read-only');
        if (!csrfValid(req, s.id)) {
          if (rule.kind === 'action') auth.audit(principal, rule.action, path, { method, why: 'csrf' }, 'denied');
          return forbid(res, 'missing or wrong x-csrf-token, or cross-origin request');
        }
        if (rule.kind === 'action') {
          const wait = auth.actions.take(`${principal.kind}:${principal.name}`);
          if (wait > 0) {
            auth.audit(principal, rule.action, path, { method, why: 'rate limit' }, 'denied');
            sendJson(res, 429, { error: { code: ERROR_CODES.RATE_LIMITED, message: 'too many actions; try again shortly' } }, { 'retry-after': String(Math.ceil(wait / 1000)) });
            return null;
          }
        }
      }
      return { principal };
    },
  };
}

function forbid(res: ServerResponse, message: string): null {
  sendError(res, 403, ERROR_CODES.FORBIDDEN, message);
  return null;
}
