/** OpenAPI 3.1 paths of the control plane (merged into /api/openapi.json by server/http/history-routes.ts). */
import { OVERRIDE_MAX_SEC, OVERRIDE_MIN_SEC, SETTABLE_MODES } from '../../protocol/index.ts';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const ok = { description: 'Done; the control states of the installations concerned (`{"ok":true,"states":[ControlEntity]}`, protocol/control.ts).', content: { 'application/json': { schema: { type: 'object' } } } };
const csrf = { name: 'x-csrf-token', in: 'header', required: true, description: 'The session’s CSRF token.', schema: { type: 'string' } };
const COMMON = {
  '400': err('Bad body (E_BAD_REQUEST).'),
  '401': err('Not logged in (E_UNAUTHENTICATED).'),
  '403': err('Role may not do this (operator and admin only), or CSRF / Origin check failed (E_FORBIDDEN).'),
  '404': err('No such installation, corridor or proposal (E_NOT_FOUND).'),
  '409': err('Not possible now: E_PROPOSAL_STATE (not pending), E_MODE (override running / none to release), E_STALE (data not live), E_NO_SPEC, E_NO_DATA, E_CONFLICT.'),
  '422': err('The plan or stage violates min green, intergreen, conflicts, max red or max cycle (E_UNSAFE); nothing was sent.'),
  '429': err('Rate limit: 30 control actions per minute and principal (E_RATE_LIMITED); see Retry-After.'),
  '503': err('The hub is not connected to the broker; nothing was sent (E_OFFLINE).'),
};
const tlsId = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' };
const reason = { type: 'string', minLength: 3, maxLength: 500 };
const action = (summary: string, schema: object) => ({
  post: { summary, parameters: [csrf], requestBody: { required: true, content: { 'application/json': { schema } } }, responses: { '200': ok, ...COMMON } },
});

export function controlOpenApiPaths() {
  return {
    '/api/control/state': {
      get: {
        summary: 'Control states (mode, proposal, last command and ack, override) of the installations the control plane knows (operator, admin).',
        parameters: [{ name: 'tlsId', in: 'query', required: false, description: 'One installation.', schema: tlsId }],
        responses: { '200': { description: '`{"states":[ControlEntity]}`.', content: { 'application/json': { schema: { type: 'object' } } } }, '400': COMMON['400'], '401': COMMON['401'], '403': COMMON['403'] },
      },
    },
    '/api/control/propose': action('Compute a Webster re-timing proposal for an installation from its measured demand (plan.approve).', { type: 'object', required: ['tlsId'], properties: { tlsId } }),
    '/api/control/approve': action('Approve a pending proposal: its plan is checked and commanded (plan.approve).', {
      type: 'object',
      required: ['proposalId'],
      properties: { proposalId: { type: 'string' }, reason: { type: 'string', maxLength: 500 } },
    }),
    '/api/control/reject': action('Reject a pending proposal with a reason (plan.approve).', { type: 'object', required: ['proposalId', 'reason'], properties: { proposalId: { type: 'string' }, reason } }),
    '/api/control/override': action('Manual override: run a plan, or hold a stage, until the revert timer ends (plan.override).', {
      type: 'object',
      required: ['tlsId', 'revertAfterSec', 'reason'],
      description: 'Exactly one of plan / holdGreens.',
      properties: {
        tlsId,
        plan: { type: 'object', description: 'SignalPlan (protocol/signal.ts).' },
        holdGreens: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 32 },
        revertAfterSec: { type: 'integer', minimum: OVERRIDE_MIN_SEC, maximum: OVERRIDE_MAX_SEC },
        reason,
      },
    }),
    '/api/control/release': action('End a running override now (plan.override).', { type: 'object', required: ['tlsId'], properties: { tlsId, reason: { type: 'string', maxLength: 500 } } }),
    '/api/control/mode': action('Set the control mode of an installation or of every installation of a corridor (control.mode).', {
      type: 'object',
      required: ['mode', 'reason'],
      description: 'Exactly one of tlsId / corridorId.',
      properties: { tlsId, corridorId: { type: 'string' }, mode: { type: 'string', enum: [...SETTABLE_MODES] }, reason },
    }),
  };
}
