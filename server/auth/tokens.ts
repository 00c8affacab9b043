/** Random secrets and their stored form: only SHA-256 hashes reach the database. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url (session ids, display tokens). */
export const randomToken = (): string => randomBytes(32).toString('base64url');
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
/**
 * The CSRF token of a session, derived from its id: nothing extra is stored, and knowing the
 * database (which holds only the id's hash) does not give it.
 */
export const csrfOf = (sessionId: string): string => createHmac('sha256', sessionId).update('dcr-csrf-v1').digest('base64url');
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
