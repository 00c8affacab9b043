/**
 * The control plane end to end: a real hub with its embedded broker, the simulated signal
 * controller of one installation (sim/run.ts), real logins over HTTP and a Socket.IO client.
 * An operator's approved proposal is commanded, acknowledged, and the simulated controller then
 * runs it (its TlsState planId); roles that may not act are refused and audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlEntity, ControlResponse, ControlStateResponse, Delta, Proposal, SubscribeResponse } from '../../protocol/index.ts';
import { hashPassword } from '../../server/auth/password.ts';
import { INTERSECTIONS } from '../../sim/city/duisburg.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { connectClient, login, startTestHub, waitFor, type Login, type TestHub, type TestSocket } from './harness.ts';

const SITE = INTERSECTIONS[0]!;
let th: TestHub;
let sim: RunningSim;
let sock: TestSocket | null = null;
const as: Record<string, Login> = {};
let wallToken = '';

beforeAll(async () => {
  th = await startTestHub();
  const hash = await hashPassword('correct-horse-battery');
  for (const role of ['operator', 'utility', 'fire'] as const) {
    await th.hub.store.upsertUser({ username: `c-${role}`, role, passwordHash: hash }, Date.now());
    as[role] = await login(th.url, `c-${role}`, 'correct-horse-battery');
  }
  as.admin = await login(th.url, th.admin.username, th.admin.password);
  wallToken = (await th.hub.auth.displays.create('Wand')).token;
  sim = await runSimulator({ url: th.hub.mqttUrl, speed: 10, seed: 11, intersections: [SITE] });
}, 30_000);
afterAll(async () => {
  sock?.close();
  await sim?.stop();
  await th?.close();
}, 30_000);

const post = (who: Login, path: string, json: unknown) => who.fetch(path, { method: 'POST', json });

describe('control plane through the real pipeline', () => {
  it('an approved proposal is commanded, acknowledged, and the simulated controller runs it', async () => {
    // Measured demand first: the approach flows come from the detector reports (every 5 model s).
    await waitFor(() => (th.hub.tls.entities.get(SITE.id)?.approachStats?.some((a) => a.flowVehH > 0) ? true : null), 20_000, 'measured approach flows');
    th.hub.checkNow();
    expect(th.hub.tls.entities.get(SITE.id)).toMatchObject({ link: 'live', planId: 'default', mode: 'fixed' });

    sock = await connectClient(th.url);
    const seen = new Map<string, ControlEntity>();
    sock.on('delta', (d: Delta) => {
      if (d.family === 'control') for (const u of d.upserts) seen.set(u.id, { ...seen.get(u.id), ...(u as ControlEntity) });
    });
    const sub = (await sock.timeout(5000).emitWithAck('subscribe', { family: 'control' })) as SubscribeResponse;
    expect(sub.ok).toBe(true);

    const op = as.operator!;
    let res = await post(op, '/api/control/mode', { tlsId: SITE.id, mode: 'advisory', reason: 'Integrationstest' });
    expect(res.status).toBe(200);
    // Until enough demand is measured the hub answers E_NO_DATA (or E_CONFLICT while the measured
    // flows happen to fit the running plan): ask again as the detector reports come in.
    for (let i = 0; i < 20; i++) {
      res = await post(op, '/api/control/propose', { tlsId: SITE.id });
      if (res.status === 200) break;
      expect(res.status, await res.clone().text()).toBe(409);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(res.status, await res.clone().text()).toBe(200);
    const proposal = ((await res.json()) as ControlResponse).states[0]!.proposal as Proposal;
    expect(proposal).toMatchObject({ tlsId: SITE.id, state: 'pending', basePlanId: 'default', source: 'webster' });
    expect(proposal.predicted.model).toBe('webster-1958');
    // Streamed to operators over Socket.IO.
    await waitFor(() => seen.get(SITE.id)?.proposal?.id === proposal.id, 5000, 'the proposal over Socket.IO');

    // Roles that may not act: refused before anything happens.
    for (const who of ['utility', 'fire'] as const) expect((await post(as[who]!, '/api/control/approve', { proposalId: proposal.id })).status).toBe(403);
    const anon = await fetch(`${th.url}/api/control/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ proposalId: proposal.id }) });
    expect(anon.status).toBe(401);
    const wall = await fetch(`${th.url}/api/control/approve?display=${wallToken}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ proposalId: proposal.id }) });
    expect(wall.status).toBe(403);
    expect((await fetch(`${th.url}/api/control/state?display=${wallToken}`)).status).toBe(403);
    expect((await as.utility!.fetch('/api/control/state')).status).toBe(403);
    expect(th.hub.control.state(SITE.id)!.proposal!.state).toBe('pending');

    res = await post(op, '/api/control/approve', { proposalId: proposal.id, reason: 'Nachfrage passt' });
    expect(res.status, await res.clone().text()).toBe(200);
    const approved = ((await res.json()) as ControlResponse).states[0]!;
    expect(approved.proposal!.state).toBe('approved');
    expect(approved.command).toMatchObject({ kind: 'plan', planId: proposal.plan.planId, state: 'sent', issuedBy: 'c-operator' });

    // The controller acknowledges, and switches at its next cycle boundary (≤ 12 wall s at 10x).
    await waitFor(() => ['accepted', 'running'].includes(th.hub.control.state(SITE.id)!.command!.state), 10_000, 'the PlanAck');
    await waitFor(() => th.hub.tls.entities.get(SITE.id)!.planId === proposal.plan.planId, 25_000, 'the simulated controller running the approved plan');
    expect(th.hub.tls.entities.get(SITE.id)).toMatchObject({ mode: 'external', cycleSec: proposal.plan.cycleSec });
    await waitFor(() => seen.get(SITE.id)?.command?.state === 'running', 5000, 'command state running over Socket.IO');
    expect(seen.get(SITE.id)!.runningPlanId).toBe(proposal.plan.planId);

    const state = (await (await op.fetch(`/api/control/state?tlsId=${SITE.id}`)).json()) as ControlStateResponse;
    expect(state.states[0]).toMatchObject({ mode: 'advisory', runningPlanId: proposal.plan.planId, command: { state: 'running' } });

    // Approving again: the proposal is no longer pending.
    res = await post(op, '/api/control/approve', { proposalId: proposal.id });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_PROPOSAL_STATE');

    await th.hub.store.flush();
    const audit = (await (await as.admin!.fetch('/api/admin/audit?limit=100')).json()) as { audit: { action: string; principal: string; result: string; target: string }[] };
    const rows = audit.audit.map((r) => `${r.action} ${r.principal} ${r.result}`);
    expect(rows).toContain('plan.approve c-operator ok');
    expect(rows).toContain('control.propose c-operator ok');
    expect(rows).toContain('control.mode c-operator ok');
    expect(rows).toContain('plan.approve c-utility denied');
    expect(rows).toContain('plan.approve c-fire denied');
  }, 90_000);

  it('refuses an unsafe override with a stable code and sends nothing; a safe one reverts on release', async () => {
    const op = as.operator!;
    const sig = (await (await op.fetch(`/api/tls/signal?id=${SITE.id}`)).json()) as { plan: Proposal['plan']; spec: { conflicts: [string, string][] } };
    const [a, b] = sig.spec.conflicts[0]!;
    const bad = { ...sig.plan, planId: 'unsafe-1', greens: [...sig.plan.greens.filter((w) => w.groupId !== b), { groupId: b, startSec: sig.plan.greens.find((w) => w.groupId === a)!.startSec, endSec: sig.plan.greens.find((w) => w.groupId === a)!.endSec }] };
    const before = th.hub.control.state(SITE.id)!.command!.cmdId;
    let res = await post(op, '/api/control/override', { tlsId: SITE.id, plan: bad, revertAfterSec: 120, reason: 'Test unsicher' });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_UNSAFE');
    expect(th.hub.control.state(SITE.id)!.command!.cmdId).toBe(before);

    res = await post(op, '/api/control/override', { tlsId: SITE.id, plan: bad, revertAfterSec: 5, reason: 'Test' });
    expect(res.status).toBe(400); // below the 60-s minimum of the revert timer

    res = await post(op, '/api/control/override', { tlsId: SITE.id, plan: { ...sig.plan, planId: 'manual-1' }, revertAfterSec: 600, reason: 'Veranstaltung' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as ControlResponse).states[0]).toMatchObject({ mode: 'manual', override: { kind: 'plan', planId: 'manual-1', previousMode: 'advisory' } });
    await waitFor(() => th.hub.tls.entities.get(SITE.id)!.planId === 'manual-1', 25_000, 'the override plan running');

    res = await post(op, '/api/control/release', { tlsId: SITE.id, reason: 'Veranstaltung vorbei' });
    expect(res.status).toBe(200);
    const released = ((await res.json()) as ControlResponse).states[0]!;
    // Back to advisory and to the plan that ran before the override (the approved one).
    expect(released).toMatchObject({ mode: 'advisory', override: null, command: { cause: 'release' } });
    expect(released.command!.planId).toMatch(/^wst-/);
    await waitFor(() => th.hub.tls.entities.get(SITE.id)!.planId === released.command!.planId, 25_000, 'the plan before the override');
  }, 90_000);
});
