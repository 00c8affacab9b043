import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorBody } from '../../protocol/index.ts';

export { ERROR_CODES };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body: { error: ErrorBody } = { error: { code, message } };
  sendJson(res, status, body);
}
