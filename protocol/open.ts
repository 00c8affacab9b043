/**
 * The open data API (server/open): public datasets, no login, rate-limited per IP, no personal data.
 * `GET /api/open` lists every dataset; the dashboard's /open page shows the same list.
 */
import { z } from 'zod';

export const OPEN_FORMATS = ['gtfs-rt', 'json', 'datex2', 'geojson', 'csv'] as const;
export type OpenFormat = (typeof OPEN_FORMATS)[number];

export const OpenDataset = z.object({
  id: z.string().min(1).max(64),
  title: z.string().min(1).max(200),
  /** Primary format; `url` serves it (other formats by `?format=`). */
  format: z.enum(OPEN_FORMATS),
  /** Path on the hub (relative URL). */
  url: z.string().startsWith('/'),
  /** SPDX-like licence identifier (dl-de/by-2-0 is the German open data licence). */
  licence: z.string().min(1).max(100),
  /** How often the content changes, seconds (0 = on request, computed from history). */
  updateSec: z.number().int().nonnegative(),
  description: z.string().max(500).optional(),
});
export type OpenDataset = z.infer<typeof OpenDataset>;

export const OpenIndex = z.object({ datasets: z.array(OpenDataset) });
export type OpenIndex = z.infer<typeof OpenIndex>;

/** Default licence of the city's datasets: Datenlizenz Deutschland – Namensnennung – 2.0. */
export const OPEN_LICENCE = 'dl-de/by-2-0';

/** Requests per IP per minute on the open data API (token bucket: burst = this many). */
export const OPEN_RATE_PER_MIN = 60;
