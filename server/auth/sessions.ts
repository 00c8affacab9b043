/**
 * Login sessions: a random 32-byte id in the cookie, only its SHA-256 in the store. Valid sessions
 * are held in memory so the realtime handshake and every request can look them up synchronously;
 * the store is written through (create, destroy) and touched at most once a minute per session.
 * Idle timeout 12 h, absolute lifetime 7 days.
 */
import type { AccountStore, SessionRow, UserRow } from '../store/types.ts';
import { csrfOf, randomToken, sha256 } from './tokens.ts';

export const IDLE_MS = 12 * 3600_000;
export const ABSOLUTE_MS = 7 * 86_400_000;
/** lastSeenMs is persisted at most this often per session (the cache is always exact). */
export const TOUCH_PERSIST_MS = 60_000;

export interface LiveSession {
  session: SessionRow;
  user: UserRow;
  /** When lastSeenMs was last written to the store. */
  persistedMs: number;
}

export const expiresAt = (createdMs: number, lastSeenMs: number) => Math.min(lastSeenMs + IDLE_MS, createdMs + ABSOLUTE_MS);

export class SessionService {
  readonly #store: AccountStore;
  readonly #clock: () => number;
  readonly #onError: (err: unknown) => void;
  #byHash = new Map<string, LiveSession>();

  constructor(store: AccountStore, opts: { clock?: () => number; onError?: (err: unknown) => void } = {}) {
    this.#store = store;
    this.#clock = opts.clock ?? Date.now;
    this.#onError = opts.onError ?? (() => undefined);
  }

  /** (Re)loads the valid sessions from the store: at start, and periodically (CLI changes). */
  async load(): Promise<void> {
    const rows = await this.#store.liveSessions(this.#clock());
    const next = new Map<string, LiveSession>();
    for (const r of rows) {
      // Keep the fresher in-memory lastSeen of sessions we already hold.
      const cur = this.#byHash.get(r.session.idHash);
      next.set(r.session.idHash, cur ? { ...cur, user: r.user } : { ...r, persistedMs: r.session.lastSeenMs });
    }
    this.#byHash = next;
  }

  /** A new session for `user` (always a fresh id: a session id presented before login is never reused). */
  async create(user: UserRow): Promise<{ id: string; csrfToken: string; session: SessionRow }> {
    const now = this.#clock();
    const id = randomToken();
    const session: SessionRow = { idHash: sha256(id), userId: user.id, createdMs: now, lastSeenMs: now, expiresMs: expiresAt(now, now) };
    await this.#store.createSession(session);
    this.#byHash.set(session.idHash, { session, user, persistedMs: now });
    return { id, csrfToken: csrfOf(id), session };
  }

  /** The live session for a cookie value, touched; null when unknown, expired or the user is disabled. */
  lookup(id: string): LiveSession | null {
    if (!id || id.length > 100) return null;
    const h = sha256(id);
    const s = this.#byHash.get(h);
    if (!s) return null;
    const now = this.#clock();
    if (now >= s.session.expiresMs || s.user.disabled) {
      this.#byHash.delete(h);
      this.#store.deleteSession(h).catch(this.#onError);
      return null;
    }
    s.session.lastSeenMs = now;
    s.session.expiresMs = expiresAt(s.session.createdMs, now);
    if (now - s.persistedMs >= TOUCH_PERSIST_MS) {
      s.persistedMs = now;
      this.#store.touchSession(h, now, s.session.expiresMs).catch(this.#onError);
    }
    return s;
  }

  async destroy(id: string): Promise<void> {
    const h = sha256(id);
    this.#byHash.delete(h);
    await this.#store.deleteSession(h);
  }

  /** Ends every session of a user (disable, password change). */
  async destroyUser(userId: number): Promise<void> {
    for (const [h, s] of this.#byHash) if (s.user.id === userId) this.#byHash.delete(h);
    await this.#store.deleteUserSessions(userId);
  }

  get size(): number {
    return this.#byHash.size;
  }
}
