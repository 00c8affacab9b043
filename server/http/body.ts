/** Reads a small JSON request body (16 KiB at most; `application/json` only). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { ERROR_CODES, sendError } from './errors.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export class BodyError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new BodyError(415, 'body must be application/json');
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > MAX_BODY_BYTES) throw new BodyError(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new BodyError(400, 'body is not valid JSON');
  }
}

/** Reads and validates a JSON body; answers 4xx itself and resolves to null when it is bad. */
export async function readBody<T>(req: IncomingMessage, res: ServerResponse, schema: z.ZodType<T>): Promise<T | null> {
  let raw: unknown;
  try {
    raw = await readJson(req);
  } catch (err) {
    if (err instanceof BodyError) {
      sendError(res, err.status, ERROR_CODES.BAD_REQUEST, err.message);
      return null;
    }
    throw err;
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    sendError(res, 400, ERROR_CODES.BAD_REQUEST, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    return null;
  }
  return r.data;
}
