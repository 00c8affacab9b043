import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { AccountStore, SessionRow, UserRow } from '../store/types.ts';
import { csrfValid, sameOrigin } from './csrf.ts';
import { hashPassword, randomPassword, verifyPassword } from './password.ts';
import { ABSOLUTE_MS, IDLE_MS, SessionService } from './sessions.ts';
import { LOCK_MS, LoginThrottle, RateLimiter } from './throttle.ts';
import { csrfOf } from './tokens.ts';

describe('password hashing', () => {
  it('stores scrypt parameters with a salted hash and verifies only the right password', async () => {
    const h = await hashPassword('richtig-und-lang');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{88}$/);
    expect(await hashPassword('richtig-und-lang')).not.toBe(h);
    expect(await verifyPassword('richtig-und-lang', h)).toBe(true);
    expect(await verifyPassword('falsch', h)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1073741824$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==')).toBe(false);
  });

  it('generates random passwords without ambiguous characters', () => {
    const a = randomPassword();
    expect(a).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(randomPassword()).not.toBe(a);
  });
});

/** An in-memory AccountStore for the session service. */
function memStore() {
  const sessions = new Map<string, SessionRow>();
  const store = {
    createSession: async (s: SessionRow) => void sessions.set(s.idHash, { ...s }),
    liveSessions: async (now: number) => [...sessions.values()].filter((s) => s.expiresMs > now).map((session) => ({ session, user })),
    touchSession: async (h: string, last: number, exp: number) => void Object.assign(sessions.get(h) ?? {}, { lastSeenMs: last, expiresMs: exp }),
    deleteSession: async (h: string) => void sessions.delete(h),
    deleteUserSessions: async () => {
      const n = sessions.size;
      sessions.clear();
      return n;
    },
  } as unknown as AccountStore;
  const user: UserRow = { id: 1, username: 'anna', role: 'operator', passwordHash: '', disabled: false, createdMs: 0 };
  return { store, sessions, user };
}

describe('sessions', () => {
  it('stores only the hash, expires after 12 h idle, and touching extends it', async () => {
    let now = 1_000_000;
    const { store, sessions, user } = memStore();
    const svc = new SessionService(store, { clock: () => now });
    const s = await svc.create(user);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...sessions.keys()]).toEqual([s.session.idHash]);
    expect(sessions.has(s.id)).toBe(false);
    expect(s.csrfToken).toBe(csrfOf(s.id));
    now += IDLE_MS - 1;
    expect(svc.lookup(s.id)?.user.username).toBe('anna');
    now += IDLE_MS - 1;
    expect(svc.lookup(s.id)).not.toBeNull();
    now += IDLE_MS;
    expect(svc.lookup(s.id)).toBeNull();
    expect(sessions.size).toBe(0);
  });

  it('ends at the absolute lifetime of 7 days even when used all the time', async () => {
    let now = 0;
    const { store, user } = memStore();
    const svc = new SessionService(store, { clock: () => now });
    const s = await svc.create(user);
    for (now = 0; now < ABSOLUTE_MS; now += IDLE_MS / 2) expect(svc.lookup(s.id)).not.toBeNull();
    now = ABSOLUTE_MS;
    expect(svc.lookup(s.id)).toBeNull();
  });

  it('gives every login a fresh id; destroy ends one session, destroyUser all; load rebuilds the cache', async () => {
    const { store, user } = memStore();
    const svc = new SessionService(store);
    const a = await svc.create(user);
    const b = await svc.create(user);
    expect(a.id).not.toBe(b.id);
    await svc.destroy(a.id);
    expect(svc.lookup(a.id)).toBeNull();
    expect(svc.lookup(b.id)).not.toBeNull();
    const again = new SessionService(store);
    await again.load();
    expect(again.lookup(b.id)?.user.username).toBe('anna');
    await again.destroyUser(user.id);
    expect(again.lookup(b.id)).toBeNull();
    expect(svc.lookup('not-a-session')).toBeNull();
  });
});

describe('login throttle', () => {
  it('backs off exponentially after 5 failures and locks for 15 min after 10', () => {
    let now = 0;
    const t = new LoginThrottle(() => now);
    const k = ['user:anna', 'ip:1.2.3.4'];
    for (let i = 0; i < 4; i++) t.fail(k);
    expect(t.retryAfterMs(k)).toBe(0);
    t.fail(k); // 5
    expect(t.retryAfterMs(k)).toBe(1000);
    now += 1000;
    expect(t.retryAfterMs(k)).toBe(0);
    t.fail(k); // 6
    expect(t.retryAfterMs(k)).toBe(2000);
    for (let i = 0; i < 3; i++) t.fail(k); // 9
    expect(t.retryAfterMs(k)).toBe(16_000);
    t.fail(k); // 10
    expect(t.retryAfterMs(k)).toBe(LOCK_MS);
    now += LOCK_MS - 1;
    expect(t.retryAfterMs(k)).toBe(1);
    now += 1;
    expect(t.retryAfterMs(k)).toBe(0);
    t.fail(k); // counting starts again
    expect(t.retryAfterMs(k)).toBe(0);
  });

  it('a success clears the user key only', () => {
    const t = new LoginThrottle(() => 0);
    for (let i = 0; i < 5; i++) t.fail(['user:a', 'ip:x']);
    t.succeed('user:a');
    expect(t.waitMs('user:a')).toBe(0);
    expect(t.waitMs('ip:x')).toBe(1000);
  });

  it('rate-limits actions per key in a sliding minute', () => {
    let now = 0;
    const r = new RateLimiter(30, 60_000, () => now);
    for (let i = 0; i < 30; i++) expect(r.take('user:anna')).toBe(0);
    expect(r.take('user:anna')).toBe(60_000);
    expect(r.take('user:bert')).toBe(0);
    now = 60_000;
    expect(r.take('user:anna')).toBe(0);
  });
});

describe('CSRF', () => {
  const req = (headers: Record<string, string>) => ({ headers: { host: 'hub.local:3000', ...headers } }) as unknown as IncomingMessage;
  it('needs the session token and a same-origin Origin/Referer when present', () => {
    const id = 'session-id';
    const tok = csrfOf(id);
    expect(csrfValid(req({}), id)).toBe(false);
    expect(csrfValid(req({ 'x-csrf-token': csrfOf('other') }), id)).toBe(false);
    expect(csrfValid(req({ 'x-csrf-token': tok }), id)).toBe(true);
    expect(csrfValid(req({ 'x-csrf-token': tok, origin: 'http://hub.local:3000' }), id)).toBe(true);
    expect(csrfValid(req({ 'x-csrf-token': tok, origin: 'http://evil.example' }), id)).toBe(false);
    expect(csrfValid(req({ 'x-csrf-token': tok, referer: 'http://hub.local:3000/login' }), id)).toBe(true);
    expect(csrfValid(req({ 'x-csrf-token': tok, origin: 'null' }), id)).toBe(false);
    expect(sameOrigin(req({ origin: 'http://hub.local:3001' }))).toBe(false);
  });
});
