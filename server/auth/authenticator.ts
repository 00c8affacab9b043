/**
 * The hub's authentication: sessions, display tokens, login with brute-force protection, and the
 * `Authenticator` the realtime layer and the REST guard call. One instance per hub.
 */
import type { IncomingMessage } from 'node:http';
import type { Action, Principal } from '../../protocol/index.ts';
import type { AccountStore, AuditResult, UserRow } from '../store/types.ts';
import { clearCookie, DISPLAY_COOKIE, isHttps, readCookie, SESSION_COOKIE, setCookie } from './cookies.ts';
import { DisplayTokens } from './displays.ts';
import { dummyHash, verifyPassword } from './password.ts';
import { ABSOLUTE_MS, SessionService, type LiveSession } from './sessions.ts';
import { LoginThrottle, RateLimiter } from './throttle.ts';
import type { Authenticator } from './types.ts';

export const ACTION_LIMIT_PER_MIN = 30;
/** Sessions and display tokens are re-read from the store this often (changes made by the CLI). */
export const REFRESH_MS = 30_000;

export type LoginResult =
  | { ok: true; user: UserRow; sessionId: string; csrfToken: string }
  | { ok: false; status: 401 }
  | { ok: false; status: 429; retryAfterSec: number };

export interface AuthOptions {
  store: AccountStore;
  /** COOKIE_SECURE=on: Secure cookies even when the request arrived over plain http (TLS proxy). */
  cookieSecure?: boolean;
  clock?: () => number;
  onError?: (err: unknown) => void;
  actionLimitPerMin?: number;
}

export class AuthService implements Authenticator {
  readonly store: AccountStore;
  readonly sessions: SessionService;
  readonly displays: DisplayTokens;
  readonly throttle: LoginThrottle;
  readonly actions: RateLimiter;
  readonly #clock: () => number;
  readonly #cookieSecure: boolean;
  #timer: NodeJS.Timeout | null = null;

  constructor(o: AuthOptions) {
    this.store = o.store;
    this.#clock = o.clock ?? Date.now;
    this.#cookieSecure = !!o.cookieSecure;
    this.sessions = new SessionService(o.store, { clock: this.#clock, onError: o.onError });
    this.displays = new DisplayTokens(o.store, this.#clock);
    this.throttle = new LoginThrottle(this.#clock);
    this.actions = new RateLimiter(o.actionLimitPerMin ?? ACTION_LIMIT_PER_MIN, 60_000, this.#clock);
  }

  /** Loads sessions and tokens, then refreshes them every REFRESH_MS. */
  async start(onError: (err: unknown) => void = () => undefined): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => this.refresh().catch(onError), REFRESH_MS);
    this.#timer.unref();
  }

  async refresh(): Promise<void> {
    await Promise.all([this.sessions.load(), this.displays.load()]);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** The session of a request (cookie), or null. */
  sessionOf(req: IncomingMessage): (LiveSession & { id: string }) | null {
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return null;
    const s = this.sessions.lookup(id);
    return s ? { ...s, id } : null;
  }

  principalOf(req: IncomingMessage): Principal | null {
    const s = this.sessionOf(req);
    if (s) return { kind: 'user', name: s.user.username, role: s.user.role };
    const token = displayParam(req) ?? readCookie(req, DISPLAY_COOKIE);
    if (token) {
      const d = this.displays.lookup(token);
      if (d) return { kind: 'display', name: d.id, role: 'wall' };
    }
    return null;
  }

  /**
   * Checks a username and password. Throttled per username and per client address; an unknown
   * user costs the same scrypt work as a known one and gets the same answer.
   */
  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const keys = [`user:${username.toLowerCase()}`, `ip:${ip}`];
    const wait = this.throttle.retryAfterMs(keys);
    if (wait > 0) return { ok: false, status: 429, retryAfterSec: Math.ceil(wait / 1000) };
    const user = await this.store.user(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) {
      this.throttle.fail(keys);
      return { ok: false, status: 401 };
    }
    this.throttle.succeed(keys[0]!);
    const s = await this.sessions.create(user);
    return { ok: true, user, sessionId: s.id, csrfToken: s.csrfToken };
  }

  sessionCookie(req: IncomingMessage, id: string): string {
    return setCookie(SESSION_COOKIE, id, { secure: this.secure(req), maxAgeSec: ABSOLUTE_MS / 1000 });
  }

  clearSessionCookie(req: IncomingMessage): string {
    return clearCookie(SESSION_COOKIE, this.secure(req));
  }

  displayCookie(req: IncomingMessage, token: string): string {
    return setCookie(DISPLAY_COOKIE, token, { secure: this.secure(req) });
  }

  secure(req: IncomingMessage): boolean {
    return this.#cookieSecure || isHttps(req);
  }

  audit(p: Principal | null, action: Action | string, target: string, detail: Record<string, unknown>, result: AuditResult): void {
    this.store.addAudit({ atMs: this.#clock(), principal: p?.name ?? '(anonymous)', role: p?.role ?? '-', action, target, detail, result });
  }
}

/** `?display=TOKEN` of a request (page or Socket.IO handshake). */
export function displayParam(req: IncomingMessage): string | null {
  const u = req.url;
  if (!u || !u.includes('display=')) return null;
  return new URL(u, 'http://x.invalid').searchParams.get('display');
}
