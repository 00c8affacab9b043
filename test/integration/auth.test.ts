/**
 * Login, sessions, CSRF, lockout, display tokens and audited alarm actions against a running hub.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/auth/password.ts';
import { login, startTestHub, type TestHub } from './harness.ts';

let th: TestHub;
const PW = 'operator-password-1';
beforeAll(async () => {
  th = await startTestHub();
  await th.hub.store.upsertUser({ username: 'olga', role: 'operator', passwordHash: await hashPassword(PW) }, Date.now());
  await th.hub.store.upsertUser({ username: 'lena', role: 'operator', passwordHash: await hashPassword(PW) }, Date.now());
});
afterAll(() => th?.close());
// All requests come from 127.0.0.1: each test starts with a clean per-IP budget.
beforeEach(() => th.hub.auth.throttle.clear());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${th.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('login → cookie → me → logout', () => {
  it('sets a hardened cookie, answers me with the CSRF token, and logout ends the session', async () => {
    const res = await post('/api/auth/login', { username: 'olga', password: PW });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: string; role: string; csrfToken: string };
    expect(body).toMatchObject({ user: 'olga', role: 'operator' });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^dcr_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // plain http, COOKIE_SECURE off
    const cookie = setCookie.split(';')[0]!;
    const me = await fetch(`${th.url}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: 'olga', role: 'operator', csrfToken: body.csrfToken });
    // Logout without the CSRF header is refused; with it the session ends.
    expect((await post('/api/auth/logout', {}, { cookie })).status).toBe(403);
    const out = await post('/api/auth/logout', {}, { cookie, 'x-csrf-token': body.csrfToken });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/dcr_session=;.*Max-Age=0/);
    expect((await fetch(`${th.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('answers 401 to anonymous /me and one generic reason for a wrong password or an unknown user', async () => {
    expect((await fetch(`${th.url}/api/auth/me`)).status).toBe(401);
    const a = await post('/api/auth/login', { username: 'olga', password: 'wrong' });
    const b = await post('/api/auth/login', { username: 'nobody', password: 'wrong' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(await a.text()).toBe(await b.text());
  });

  it('never honours a session cookie set before login (no session fixation)', async () => {
    const planted = 'dcr_session=attacker-chosen-value';
    const res = await post('/api/auth/login', { username: 'olga', password: PW }, { cookie: planted });
    const fresh = res.headers.get('set-cookie')!.split(';')[0]!;
    expect(fresh).not.toBe(planted);
    expect((await fetch(`${th.url}/api/auth/me`, { headers: { cookie: planted } })).status).toBe(401);
    // A real earlier session presented at login is ended, not carried over.
    const first = await login(th.url, 'olga', PW);
    const second = await post('/api/auth/login', { username: 'olga', password: PW }, { cookie: first.cookie });
    expect(second.headers.get('set-cookie')!.split(';')[0]).not.toBe(first.cookie);
    expect((await fetch(`${th.url}/api/auth/me`, { headers: { cookie: first.cookie } })).status).toBe(401);
  });

  it('refuses a cross-origin login', async () => {
    expect((await post('/api/auth/login', { username: 'olga', password: PW }, { origin: 'https://evil.example' })).status).toBe(403);
  });
});

describe('CSRF on state-changing requests', () => {
  it('refuses a missing or wrong token and a foreign Origin with 403', async () => {
    const op = await login(th.url, 'olga', PW);
    const ack = (headers: Record<string, string>) => post('/api/alarms/ack', { id: 'nope' }, { cookie: op.cookie, ...headers });
    expect((await ack({})).status).toBe(403);
    expect((await ack({ 'x-csrf-token': 'x'.repeat(43) })).status).toBe(403);
    expect((await ack({ 'x-csrf-token': op.csrfToken, origin: 'https://evil.example' })).status).toBe(403);
    expect((await ack({ 'x-csrf-token': op.csrfToken, origin: th.url })).status).toBe(404); // allowed; no such alarm
  });
});

describe('brute-force protection', () => {
  it('answers 429 with Retry-After once a user is in backoff, even for the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/login', { username: 'lena', password: 'wrong' })).status).toBe(401);
    const res = await post('/api/auth/login', { username: 'lena', password: PW });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('wall display tokens', () => {
  it('work until revoked, then 401; a page opened with the token gets it as an HttpOnly cookie', async () => {
    const created = await th.fetch('/api/admin/displays', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Rathaus' }) });
    expect(created.status).toBe(201);
    const d = (await created.json()) as { id: string; token: string };
    const me = await fetch(`${th.url}/api/auth/me?display=${d.token}`);
    expect(await me.json()).toMatchObject({ user: d.id, role: 'wall', kind: 'display' });
    expect((await fetch(`${th.url}/api/transit/lines?display=${d.token}`)).status).toBe(200);
    expect((await fetch(`${th.url}/api/lighting/workorders?display=${d.token}`)).status).toBe(403);
    expect((await post(`/api/alarms/ack?display=${d.token}`, { id: 'x' })).status).toBe(403);
    expect(th.hub.auth.principalOf({ url: `/socket.io/?display=${d.token}`, headers: {} } as never)).toMatchObject({ kind: 'display', role: 'wall' });
    const list = (await (await th.fetch('/api/admin/displays')).json()) as { displays: Record<string, unknown>[] };
    expect(JSON.stringify(list)).not.toContain(d.token);
    expect((await th.fetch(`/api/admin/displays?id=${d.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${th.url}/api/auth/me?display=${d.token}`)).status).toBe(401);
    expect((await fetch(`${th.url}/api/auth/me`, { headers: { cookie: `dcr_display=${d.token}` } })).status).toBe(401);
  });
});

describe('alarm actions', () => {
  it('acknowledges with the user recorded and audits the action and the refusals', async () => {
    const nowMs = Date.now();
    th.hub.alarmEngine.evaluate({ entity: 'cabinet:T1', condition: 'fault', active: true, priority: 'high', area: 'lighting', message: 'test' }, nowMs);
    const id = 'cabinet:T1|fault';
    expect(th.hub.alarmEngine.alarms.get(id)?.state).toBe('UNACK');
    const op = await login(th.url, 'olga', PW);
    const r = await op.fetch('/api/alarms/ack', { method: 'POST', json: { id } });
    expect(r.status).toBe(200);
    expect(th.hub.alarmEngine.alarms.get(id)).toMatchObject({ state: 'ACKED' });
    expect((await op.fetch('/api/alarms/ack', { method: 'POST', json: { id } })).status).toBe(409);
    const shelveBad = await op.fetch('/api/alarms/shelve', { method: 'POST', json: { id } });
    expect(shelveBad.status).toBe(400);
    const audit = (await (await th.fetch('/api/admin/audit?limit=500')).json()) as { audit: { action: string; result: string; principal: string }[] };
    expect(audit.audit.some((a) => a.action === 'alarm.ack' && a.principal === 'olga')).toBe(true);
    expect(audit.audit.some((a) => a.result === 'denied' && a.action === 'alarm.ack')).toBe(true);
  });

  it('answers the alarm KPIs for a period', async () => {
    const r = await th.fetch(`/api/alarms/kpis?fromMs=0&toMs=${Date.now()}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toHaveProperty('targets');
    expect((await th.fetch('/api/alarms/kpis?fromMs=5&toMs=1')).status).toBe(400);
  });

  it('shows quarantine payloads to the admin as escaped text', async () => {
    th.hub.store.addQuarantine(Date.now(), 'city/v1/x/y/state', 'schema', 'bad', Buffer.from('<script>\u0000'));
    await th.hub.store.flush();
    const r = (await (await th.fetch('/api/admin/quarantine?limit=1')).json()) as { quarantine: { payload: string }[] };
    expect(r.quarantine[0]!.payload).toBe('\\x3cscript\\x3e\\x00');
  });
});
