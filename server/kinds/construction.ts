/**
 * Road works: retained meta only. A site whose end has passed is removed (on arrival and by the
 * once-a-second check); an empty retained meta (the MQTT way to clear it) removes it too.
 */
import type { ConstructionEntity, ConstructionMeta } from '../../protocol/index.ts';
import type { Decoded } from '../ingest/decode.ts';
import { FamilyState } from '../realtime/family.ts';
import type { IngestContext, KindHandler, Refusal } from './types.ts';

export interface ConstructionHandler extends KindHandler {
  readonly family: FamilyState<'construction', ConstructionEntity>;
}

export function createConstructionHandler(_ctx: IngestContext): ConstructionHandler {
  const family = new FamilyState<'construction', ConstructionEntity>('construction');
  return {
    kinds: ['construction'],
    families: [family as never],
    family,
    handle(m: Decoded, nowMs: number): Refusal | null {
      if (m.channel !== 'meta') return { reason: 'unknown_topic', detail: `construction/${m.channel} is not handled` };
      const s = m.data as ConstructionMeta;
      if (s.endMs <= nowMs) {
        family.remove(s.id); // over: accepted, but nothing to show
        return null;
      }
      family.put({
        id: s.id,
        title: s.title,
        description: s.description,
        polygon: s.polygon as [number, number][][],
        lanesClosed: s.lanesClosed,
        affectedLinkIds: s.affectedLinkIds,
        startMs: s.startMs,
        endMs: s.endMs,
      });
      return null;
    },
    forget(_kind, id) {
      family.remove(id);
      return null;
    },
    check(nowMs: number) {
      for (const [id, e] of family.entities) if (e.endMs <= nowMs) family.remove(id);
    },
  };
}
