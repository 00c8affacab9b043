/**
 * CSRF protection for state-changing requests: the `x-csrf-token` header must equal the session's
 * token (derived from the session id, handed out by login and /api/auth/me), and an Origin or
 * Referer header, when present, must be this very origin. SameSite=Strict on the cookie is the
 * first line; this is the second.
 */
import type { IncomingMessage } from 'node:http';
import { csrfOf, safeEqual } from './tokens.ts';

export const CSRF_HEADER = 'x-csrf-token';

/** True when the request has no Origin/Referer, or they name the host it was sent to. */
export function sameOrigin(req: IncomingMessage): boolean {
  const src = req.headers.origin ?? req.headers.referer;
  if (src === undefined) return true;
  const host = req.headers.host;
  if (!host) return false;
  try {
    const u = new URL(String(src));
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host;
  } catch {
    return false; // includes Origin: null (sandboxed frames, file:)
  }
}

export function csrfValid(req: IncomingMessage, sessionId: string): boolean {
  const got = req.headers[CSRF_HEADER];
  if (typeof got !== 'string' || !got) return false;
  return safeEqual(got, csrfOf(sessionId)) && sameOrigin(req);
}
