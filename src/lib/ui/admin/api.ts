/**
 * Requests of the admin view. Reads are plain GETs with the session cookie; changes go through
 * session.send (CSRF header). Every answer becomes a Result with a German message on failure.
 */
import { session } from '#lib/auth/session.svelte.ts';

export type Result<T> = { ok: true; status: number; data: T } | { ok: false; status: number; message: string };

async function toResult<T>(r: Response | null): Promise<Result<T>> {
  if (!r) return { ok: false, status: 0, message: 'Der Leitstellenserver ist nicht erreichbar.' };
  const body = (await r.json().catch(() => null)) as unknown;
  if (r.ok) return { ok: true, status: r.status, data: body as T };
  const msg = (body as { error?: { message?: string } } | null)?.error?.message;
  const what =
    r.status === 401
      ? 'Nicht angemeldet (Sitzung abgelaufen?)'
      : r.status === 403
        ? 'Keine Berechtigung'
        : r.status === 429
          ? 'Zu viele Aktionen – bitte kurz warten'
          : `Fehler (HTTP ${r.status})`;
  return { ok: false, status: r.status, message: msg ? `${what}: ${msg}` : what };
}

export async function getJson<T>(path: string): Promise<Result<T>> {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-store' }).catch(() => null);
  return toResult<T>(r);
}

export async function send<T>(path: string, method: 'POST' | 'DELETE', body?: unknown): Promise<Result<T>> {
  const r = await session.send(path, method, body).catch(() => null);
  return toResult<T>(r);
}

/** GET /healthz answers 503 with the same body when degraded: that is a value, not a failure. */
export async function getHealth<T>(): Promise<Result<T>> {
  const r = await fetch('/healthz', { cache: 'no-store' }).catch(() => null);
  if (r && r.status === 503) {
    const data = (await r.json().catch(() => null)) as T | null;
    if (data) return { ok: true, status: 503, data };
  }
  return toResult<T>(r);
}
