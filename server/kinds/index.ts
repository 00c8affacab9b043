/**
 * The device kinds besides signal installations. Each lives in its own file and is listed here.
 */
import type { IngestContext, KindHandler } from './types.ts';

export function createOtherHandlers(_ctx: IngestContext): KindHandler[] {
  return [];
}
