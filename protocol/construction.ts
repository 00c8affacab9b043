/**
 * Road works (Baustellen) as the traffic management publishes them.
 *
 *   city/v1/construction/{siteId}/meta   retained, QoS 1  ConstructionMeta
 *
 * A site that is over is removed by publishing an empty retained payload on its meta topic (the MQTT
 * way to clear a retained message, [MQTT-3.3.1-10]); the hub treats an empty meta as "gone".
 * `polygon` is a GeoJSON Polygon's `coordinates` (RFC 7946 §3.1.6): an outer ring and optional holes,
 * each ring closed (first position repeated last), counter-clockwise outer ring, [lon, lat] order.
 */
import { z } from 'zod';
import { DEVICE_ID_RE, TOPIC_ROOT } from './topics.ts';

const deviceId = z.string().regex(DEVICE_ID_RE, 'device id must match [A-Za-z0-9_-]{1,64}');
const tsMs = z.number().int().nonnegative();

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

/** A closed linear ring of at least four positions. */
const LinearRing = z
  .array(Position)
  .min(4)
  .max(2000)
  .refine((r) => r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1], 'ring must be closed');

export const PolygonCoordinates = z.array(LinearRing).min(1).max(20);
export type PolygonCoordinates = z.infer<typeof PolygonCoordinates>;

export const ConstructionMeta = z
  .object({
    id: deviceId,
    title: z.string().min(1).max(200),
    polygon: PolygonCoordinates,
    /** Directed road links (traffic model ids) whose capacity the site reduces. */
    affectedLinkIds: z.array(z.string().min(1).max(64)).max(200),
    /** Lanes closed per affected direction (0 = restrictions without a lane closure). */
    lanesClosed: z.number().int().min(0).max(12),
    /** True when the road is closed to all motor traffic. */
    fullClosure: z.boolean().optional(),
    startMs: tsMs,
    endMs: tsMs,
    description: z.string().max(2000),
    /** Who builds: e.g. 'Wirtschaftsbetriebe Duisburg', 'Stadtwerke Duisburg'. */
    responsible: z.string().max(200).optional(),
    tsMs,
  })
  .refine((m) => m.endMs > m.startMs, { message: 'endMs must be after startMs', path: ['endMs'] });
export type ConstructionMeta = z.infer<typeof ConstructionMeta>;

export const constructionTopics = {
  meta: (id: string) => `${TOPIC_ROOT}/construction/${id}/meta`,
} as const;

export const CONSTRUCTION_PAYLOADS = {
  construction: { meta: ConstructionMeta },
} as const;
