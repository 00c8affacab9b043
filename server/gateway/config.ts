/**
 * The gateway's sources, all in one file (`config/sources.json`, or SOURCES_FILE). An absent file
 * means no sources; a file that does not match the schema stops the hub at start with the reason
 * (a typo must not silently drop a city's feed).
 *
 * {
 *   "sources": [
 *     { "id": "vrr-rt", "format": "gtfs-rt", "transport": { "kind": "http-poll", "url": "https://…/vehiclepositions.pb", "intervalSec": 15 } },
 *     { "id": "garages", "format": "datex2", "transport": { "kind": "mqtt", "topic": "datex/parking" }, "options": { "idPrefix": "dx-" } }
 *   ]
 * }
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_ID_RE, GATEWAY_FORMATS } from '../../protocol/index.ts';

export const DEFAULT_SOURCES_FILE = 'config/sources.json';

const HttpPoll = z.object({
  kind: z.literal('http-poll'),
  url: z.url({ protocol: /^https?$/ }),
  /** Seconds between polls; a GTFS static feed changes daily, a GTFS-RT feed every few seconds. */
  intervalSec: z.number().min(1).max(7 * 86_400),
  /** Extra request headers (API keys of the publisher). */
  headers: z.record(z.string(), z.string()).optional(),
  timeoutSec: z.number().min(1).max(600).optional(),
});

const Mqtt = z.object({
  kind: z.literal('mqtt'),
  /**
   * Topic filter: `v1.1/Datastreams(7)/Observations` for one datastream, or `v1.1/#` for all of them
   * (MQTT's `+` must fill a whole level, so `Datastreams(+)` is no filter; the id is read from the topic).
   */
  topic: z.string().min(1).max(500),
  /** Broker URL; default: the hub's own broker. */
  url: z.string().regex(/^mqtts?:\/\//).optional(),
});

/** Per-format options (documented in docs/api.md#gateway). */
export const SourceOptions = z
  .object({
    /** Prefix of the hub ids made from the source's ids (garage, line, station). */
    idPrefix: z.string().regex(/^[A-Za-z0-9_-]{0,20}$/).optional(),
    /** datex2: guidance zone of the garages of this source. */
    zone: z.string().min(1).max(100).optional(),
    /** gtfs: only routes whose route_id or short name matches this regular expression become lines. */
    routeFilter: z.string().max(500).optional(),
    /** gtfs: at most this many lines are announced from one feed. */
    maxLines: z.number().int().positive().max(2000).optional(),
    /** sensorthings: datastream id -> station and value name (see server/gateway/sensorthings.ts). */
    datastreams: z
      .record(
        z.string(),
        z.object({
          station: z.string().regex(DEVICE_ID_RE),
          name: z.string().min(1).max(200).optional(),
          /** The value's name with its unit, e.g. `airTempC`, `no2UgM3`. */
          value: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/),
          kind: z.enum(['air', 'weather']).optional(),
          lon: z.number().min(-180).max(180).optional(),
          lat: z.number().min(-90).max(90).optional(),
        }),
      )
      .optional(),
  })
  .strict();
export type SourceOptions = z.infer<typeof SourceOptions>;

export const SourceConfig = z.object({
  id: z.string().regex(DEVICE_ID_RE, 'source id must match [A-Za-z0-9_-]{1,64}'),
  format: z.enum(GATEWAY_FORMATS),
  transport: z.discriminatedUnion('kind', [HttpPoll, Mqtt]),
  options: SourceOptions.optional(),
  /** A source can stay in the file but be switched off. */
  enabled: z.boolean().optional(),
});
export type SourceConfig = z.infer<typeof SourceConfig>;

export const SourcesFile = z
  .object({ sources: z.array(SourceConfig).max(200) })
  .refine((f) => new Set(f.sources.map((s) => s.id)).size === f.sources.length, { message: 'source ids must be unique', path: ['sources'] })
  .refine((f) => f.sources.every((s) => s.format !== 'gtfs' || s.transport.kind === 'http-poll'), {
    message: 'a gtfs (static zip) source must be polled over http',
    path: ['sources'],
  });
export type SourcesFile = z.infer<typeof SourcesFile>;

export class SourcesConfigError extends Error {}

/** The configured sources; [] when the file does not exist. Throws SourcesConfigError when invalid. */
export function loadSources(path: string = process.env.SOURCES_FILE ?? DEFAULT_SOURCES_FILE): SourceConfig[] {
  if (!existsSync(path)) return [];
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new SourcesConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const r = SourcesFile.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SourcesConfigError(`${path}: ${issues.join('; ')}`);
  }
  return r.data.sources.filter((s) => s.enabled !== false);
}
