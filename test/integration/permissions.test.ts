/**
 * Every REST path the hub serves, for every role and for anonymous callers, against the one access
 * registry (server/http/access.ts): allowed callers never get 401/403, others get 401 (anonymous)
 * or 403. A served path without a rule fails here (and stops the hub at start).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canDo, canSee, ROLES, type Role } from '../../protocol/index.ts';
import { ROUTE_RULES } from '../../server/http/access.ts';
import { hashPassword } from '../../server/auth/password.ts';
import { login, startTestHub, type Login, type TestHub } from './harness.ts';

let th: TestHub;
const as: Partial<Record<Role, Login>> = {};
let wallToken = '';

beforeAll(async () => {
  th = await startTestHub();
  const pw = 'correct-horse-battery';
  const hash = await hashPassword(pw);
  for (const role of ROLES) {
    if (role === 'wall') continue;
    await th.hub.store.upsertUser({ username: `u-${role}`, role, passwordHash: hash }, Date.now());
    as[role] = await login(th.url, `u-${role}`, pw);
  }
  wallToken = (await th.hub.auth.displays.create('Test-Wand')).token;
});
afterAll(() => th?.close());

function allowed(role: Role | null, path: string): boolean {
  const rule = ROUTE_RULES[path]!;
  const p = role ? { kind: role === 'wall' ? ('display' as const) : ('user' as const), name: 'x', role } : null;
  switch (rule.kind) {
    case 'public':
      return true;
    case 'authenticated':
      return !!p;
    case 'family':
      return canSee(p, rule.family);
    case 'action':
      return canDo(p, rule.action);
  }
}

async function call(role: Role | null, path: string, method: string): Promise<number> {
  const init: RequestInit & { json?: unknown } = { method };
  if (method !== 'GET') init.json = {};
  let res: Response;
  if (role === null) res = await fetch(`${th.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
  else if (role === 'wall') {
    const sep = path.includes('?') ? '&' : '?';
    res = await fetch(`${th.url}${path}${sep}display=${wallToken}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
  } else res = await as[role]!.fetch(path, init);
  await res.body?.cancel();
  return res.status;
}

describe('access registry', () => {
  it('has a rule for every served path, and no rule for a path that is not served', () => {
    const served = th.hub.handle.paths();
    for (const p of served) expect(ROUTE_RULES, `${p} is served without an access rule`).toHaveProperty([p]);
    for (const p of Object.keys(ROUTE_RULES)) expect(served, `rule for ${p} but no such route`).toContain(p);
  });

  it('lets exactly the allowed roles through on every path and method', async () => {
    const methods = th.hub.handle.methods();
    const failures: string[] = [];
    for (const path of th.hub.handle.paths()) {
      // Logging out would end the session used for the other paths: it goes last.
      if (path === '/api/auth/logout') continue;
      for (const method of methods[path]!) {
        for (const role of [null, ...ROLES] as (Role | null)[]) {
          const status = await call(role, path, method);
          const ok = allowed(role, path);
          const want = ok ? 'allowed' : role === null ? '401' : '403';
          const got = status === 401 ? '401' : status === 403 ? '403' : 'allowed';
          if (got !== want) failures.push(`${method} ${path} as ${role ?? 'anonymous'}: want ${want}, got ${status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('logout: anonymous 401, a user 200', async () => {
    expect(await call(null, '/api/auth/logout', 'POST')).toBe(401);
    expect(await call('operator', '/api/auth/logout', 'POST')).toBe(200);
  });
});
