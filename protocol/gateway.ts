/**
 * The standards gateway (server/gateway): what an import of one external document reports. Shared
 * by the hub, `npm run import` and the admin UI.
 */
export const GATEWAY_FORMATS = ['gtfs', 'gtfs-rt', 'datex2', 'sensorthings'] as const;
export type GatewayFormat = (typeof GATEWAY_FORMATS)[number];

/** One item of a document that was not taken, and why (the reason is a stable code). */
export interface ImportRejection {
  /** What it was: `vehicle 123`, `parking P1`, `stops.txt line 7`. */
  item: string;
  reason: string;
  detail: string;
}

export interface ImportReport {
  format: GatewayFormat;
  /** Items taken per category (`vehicles`, `tripUpdates`, `sites`, `statuses`, `stops`, …). */
  taken: Record<string, number>;
  /** Items skipped as unchanged since the last poll (not an error, not quarantined). */
  unchanged: number;
  rejected: ImportRejection[];
  /** Rejections beyond the first MAX_REPORTED_REJECTIONS are only counted. */
  rejectedCount: number;
}

export const MAX_REPORTED_REJECTIONS = 200;
