/** The session cookie: `dcr_session`, HttpOnly, SameSite=Strict, Path=/, Secure over https. */
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'dcr_session';
/** A wall display page's token, set when the page is opened with `?display=TOKEN`. */
export const DISPLAY_COOKIE = 'dcr_display';

export function readCookie(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

export const isHttps = (req: IncomingMessage): boolean => !!(req.socket as { encrypted?: boolean }).encrypted;

export function setCookie(name: string, value: string, opts: { secure: boolean; maxAgeSec?: number }): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'HttpOnly', 'SameSite=Strict', 'Path=/'];
  if (opts.maxAgeSec !== undefined) parts.push(`Max-Age=${opts.maxAgeSec}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}

export const clearCookie = (name: string, secure: boolean) => setCookie(name, '', { secure, maxAgeSec: 0 });
