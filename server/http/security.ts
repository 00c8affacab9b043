import type { ServerResponse } from 'node:http';

/**
 * Headers for every response. The Content-Security-Policy itself is set by SvelteKit for pages
 * (it adds hashes for its own inline bootstrap script); see vite.config.ts.
 */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
}
