/**
 * Wall display tokens: created by an admin (the token is returned once, only its hash is stored),
 * revoked at any time. Held in memory for synchronous lookup (handshake, page requests).
 */
import { randomBytes } from 'node:crypto';
import type { AccountStore, DisplayTokenRow } from '../store/types.ts';
import { randomToken, sha256 } from './tokens.ts';

export class DisplayTokens {
  readonly #store: AccountStore;
  readonly #clock: () => number;
  #byHash = new Map<string, DisplayTokenRow>();

  constructor(store: AccountStore, clock: () => number = Date.now) {
    this.#store = store;
    this.#clock = clock;
  }

  async load(): Promise<void> {
    const next = new Map<string, DisplayTokenRow>();
    for (const t of await this.#store.displayTokens()) if (t.revokedMs === null) next.set(t.tokenHash, t);
    this.#byHash = next;
  }

  /** Creates a token; the plain token is in the answer and nowhere else. */
  async create(name: string): Promise<{ id: string; name: string; token: string; createdMs: number }> {
    const token = randomToken();
    const row: DisplayTokenRow = { id: `display-${randomBytes(4).toString('hex')}`, name, tokenHash: sha256(token), createdMs: this.#clock(), revokedMs: null };
    await this.#store.createDisplayToken(row);
    this.#byHash.set(row.tokenHash, row);
    return { id: row.id, name, token, createdMs: row.createdMs };
  }

  async revoke(id: string): Promise<boolean> {
    for (const [h, t] of this.#byHash) if (t.id === id) this.#byHash.delete(h);
    return this.#store.revokeDisplayToken(id, this.#clock());
  }

  lookup(token: string): DisplayTokenRow | null {
    if (!token || token.length > 100) return null;
    return this.#byHash.get(sha256(token)) ?? null;
  }

  async list(): Promise<Omit<DisplayTokenRow, 'tokenHash'>[]> {
    return (await this.#store.displayTokens()).map(({ tokenHash: _h, ...rest }) => rest);
  }
}
