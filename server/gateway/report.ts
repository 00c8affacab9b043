/** Builds an ImportReport while a document is processed (pure). */
import { MAX_REPORTED_REJECTIONS, type GatewayFormat, type ImportReport } from '../../protocol/index.ts';

/** Gateway-side rejections quarantined per document (a broken 50 MB feed must not flood the table). */
export const MAX_LOCAL_QUARANTINE = 20;

/** A message for the hub's ingest (our own MQTT contract: topic + JSON payload). */
export interface Delivery {
  topic: string;
  payload: Buffer;
}

/** Hands one message to the hub's ingest; null when taken, else why it was refused (it is quarantined). */
export type Deliver = (topic: string, payload: Buffer) => { reason: string; detail: string } | null;

/** The document as a whole cannot be read (not XML, not protobuf, not a zip …): alarm + quarantine. */
export class MalformedDocument extends Error {}

export class ReportBuilder {
  readonly report: ImportReport;
  constructor(format: GatewayFormat) {
    this.report = { format, taken: {}, unchanged: 0, rejected: [], rejectedCount: 0 };
  }
  take(category: string, n = 1): void {
    this.report.taken[category] = (this.report.taken[category] ?? 0) + n;
  }
  /** Rejections made here (not by the hub's ingest, which quarantines its own): the caller quarantines them. */
  readonly local: { item: string; reason: string; detail: string }[] = [];
  reject(item: string, reason: string, detail: string, byHub = false): void {
    if (!byHub && this.local.length < MAX_LOCAL_QUARANTINE) this.local.push({ item, reason, detail });
    this.report.rejectedCount++;
    if (this.report.rejected.length < MAX_REPORTED_REJECTIONS) this.report.rejected.push({ item, reason, detail: detail.slice(0, 500) });
  }
  /** Delivers and books the outcome under `category` / the refusal. */
  deliver(deliver: Deliver, category: string, item: string, topic: string, data: unknown): boolean {
    const refused = deliver(topic, Buffer.from(JSON.stringify(data)));
    if (refused) {
      this.reject(item, refused.reason, refused.detail, true);
      return false;
    }
    this.take(category);
    return true;
  }
}

/** Our device ids allow [A-Za-z0-9_-]{1,64}: anything else in an external id becomes '_'. */
export function hubId(prefix: string, externalId: string): string {
  return (prefix + externalId.replace(/[^A-Za-z0-9_-]/g, '_')).slice(0, 64);
}

/** Formats a report for a terminal (npm run import). */
export function formatReport(r: ImportReport): string {
  const lines = [`format ${r.format}`];
  const taken = Object.entries(r.taken);
  lines.push(`taken: ${taken.length ? taken.map(([k, n]) => `${n} ${k}`).join(', ') : 'nothing'}`);
  if (r.unchanged) lines.push(`unchanged: ${r.unchanged}`);
  lines.push(`rejected: ${r.rejectedCount}`);
  const byReason = new Map<string, number>();
  for (const x of r.rejected) byReason.set(x.reason, (byReason.get(x.reason) ?? 0) + 1);
  for (const [reason, n] of byReason) lines.push(`  ${reason}: ${n}`);
  for (const x of r.rejected.slice(0, 50)) lines.push(`  - ${x.item}: ${x.reason}: ${x.detail}`);
  if (r.rejected.length > 50) lines.push(`  … ${r.rejectedCount - 50} more`);
  return lines.join('\n');
}
