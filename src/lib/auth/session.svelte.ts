/**
 * Who is logged in (GET /api/auth/me), the CSRF token for state-changing requests, and logout.
 * The hub enforces every permission; this only decides what to show.
 */
import { ROLE_HOME, canDo, type Action, type Role } from '../../../protocol/index.ts';

export interface Me {
  user: string;
  role: Role;
  kind: 'user' | 'display';
  csrfToken: string;
}

class Session {
  me = $state<Me | null>(null);
  /** 'unknown' until the first answer; 'anonymous' after a 401. */
  status = $state<'unknown' | 'ok' | 'anonymous' | 'error'>('unknown');

  async load(): Promise<Me | null> {
    try {
      const r = await fetch('/api/auth/me', { credentials: 'same-origin' });
      if (r.status === 401) {
        this.me = null;
        this.status = 'anonymous';
        return null;
      }
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.me = (await r.json()) as Me;
      this.status = 'ok';
      return this.me;
    } catch {
      this.status = 'error';
      return null;
    }
  }

  can(a: Action): boolean {
    return !!this.me && this.me.kind === 'user' && canDo({ kind: this.me.kind, name: this.me.user, role: this.me.role }, a);
  }

  /** POST/DELETE with the CSRF header and a JSON body. */
  send(path: string, method: 'POST' | 'DELETE', body?: unknown): Promise<Response> {
    return fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': this.me?.csrfToken ?? '' },
      body: body === undefined ? '{}' : JSON.stringify(body),
    });
  }

  async logout(): Promise<void> {
    await this.send('/api/auth/logout', 'POST').catch(() => undefined);
    this.me = null;
    this.status = 'anonymous';
    location.assign('/login');
  }
}

export const session = new Session();

/** Where a role starts after login. */
export const homeOf = (role: Role): string => ROLE_HOME[role];

/** Only local paths are accepted as ?next= targets (no open redirect). */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : null;
}
