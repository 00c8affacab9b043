/**
 * REST routes of the control plane. Who may call which path is decided first in
 * server/http/access.ts (plan.approve, plan.override, control.mode; rate-limited per principal,
 * CSRF-checked); the service authorises again and audits every action with its outcome.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  ApproveRequest,
  ERROR_CODES,
  ModeRequest,
  OverrideRequest,
  ProposeRequest,
  RejectRequest,
  ReleaseRequest,
  type ControlEntity,
  type ControlResponse,
  type Principal,
} from '../../protocol/index.ts';
import type { ApiRoute, MethodTable } from '../http/api.ts';
import { readBody } from '../http/body.ts';
import { sendError, sendJson } from '../http/errors.ts';
import { ControlError } from './errors.ts';
import type { ControlService } from './service.ts';

const body = readBody;

/** Runs an action; a ControlError becomes its status and stable code. */
function answer(res: ServerResponse, fn: () => ControlEntity | ControlEntity[]): void {
  try {
    const out = fn();
    const body: ControlResponse = { ok: true, states: Array.isArray(out) ? out : [out] };
    sendJson(res, 200, body);
  } catch (err) {
    if (!(err instanceof ControlError)) throw err;
    sendError(res, err.status, err.code, err.message);
  }
}

export function createControlRoutes(control: ControlService, clock: () => number = Date.now): Record<string, ApiRoute | MethodTable> {
  const post =
    <T>(schema: z.ZodType<T>, run: (p: Principal, b: T, nowMs: number) => ControlEntity | ControlEntity[]): ApiRoute =>
    async (req, res, _url, ctx) => {
      const b = await body(req, res, schema);
      if (!b) return;
      answer(res, () => run(ctx.principal as Principal, b, clock()));
    };
  return {
    '/api/control/state': {
      GET: (_req, res, url) => {
        const id = url.searchParams.get('tlsId');
        if (id !== null) {
          if (id.length === 0 || id.length > 64) return sendError(res, 400, ERROR_CODES.BAD_REQUEST, 'tlsId: 1-64 characters');
          const s = control.state(id);
          return sendJson(res, 200, { states: s ? [s] : [] });
        }
        sendJson(res, 200, { states: control.states() });
      },
    },
    '/api/control/propose': { POST: post(ProposeRequest, (p, b, now) => control.propose(p, b.tlsId, now)) },
    '/api/control/approve': { POST: post(ApproveRequest, (p, b, now) => control.approve(p, b.proposalId, b.reason, now)) },
    '/api/control/reject': { POST: post(RejectRequest, (p, b, now) => control.reject(p, b.proposalId, b.reason, now)) },
    '/api/control/override': { POST: post(OverrideRequest, (p, b, now) => control.override(p, b, now)) },
    '/api/control/release': { POST: post(ReleaseRequest, (p, b, now) => control.release(p, b.tlsId, b.reason, now)) },
    '/api/control/mode': { POST: post(ModeRequest, (p, b, now) => control.setMode(p, b, b.mode, b.reason, now)) },
  };
}
