/**
 * `npm run import -- <format> <file-or-url> [--source ID] [--topic T] [--wait-ms N]`
 *
 * Imports one document (gtfs | gtfs-rt | datex2 | sensorthings) through the same path as the live
 * sources: a hub (configured from the environment like `npm start`, simulator off, no HTTP) with
 * its ingest, fusion, store and quarantine. With MQTT_URL set it joins the city's broker and first
 * reads the retained metas (lines, garages), so a status for a known garage is taken and one for an
 * unknown site is reported. Prints what it took and what it rejected and why; exit code 0 when the
 * document was read (even with rejected items), 1 when it was malformed or unreachable, 2 on usage.
 *
 *   --source ID   use the options (idPrefix, zone, datastreams …) of source ID in config/sources.json
 *   --topic T     sensorthings: the MQTT topic the observation came from (names its datastream)
 *   --wait-ms N   how long to read retained metas before importing (default 1500)
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GATEWAY_FORMATS, type GatewayFormat } from '../../protocol/index.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { createHub } from '../hub.ts';
import { createLogger } from '../log.ts';
import { loadSources } from './config.ts';
import { formatReport } from './report.ts';

const USAGE = `usage: npm run import -- <${GATEWAY_FORMATS.join('|')}> <file-or-url> [--source ID] [--topic T] [--wait-ms N]`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { source: { type: 'string' }, topic: { type: 'string' }, 'wait-ms': { type: 'string' } } });
  const [format, where] = positionals;
  if (!format || !where || !(GATEWAY_FORMATS as readonly string[]).includes(format)) {
    console.error(USAGE);
    return 2;
  }
  let config;
  try {
    // The CLI is a hub without the simulator; an embedded broker (no MQTT_URL) on a free port.
    config = loadConfig({ LOG_LEVEL: 'warn', ...process.env, SIM: 'off', ...(process.env.MQTT_URL ? {} : { MQTT_PORT: '0' }) });
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    return 2;
  }
  const source = values.source ? loadSources(config.SOURCES_FILE).find((s) => s.id === values.source) : undefined;
  if (values.source && !source) {
    console.error(`no source ${values.source} in ${config.SOURCES_FILE}`);
    return 2;
  }
  let doc: Buffer;
  if (/^https?:\/\//.test(where)) {
    const res = await fetch(where, { signal: AbortSignal.timeout(120_000) }).catch((err: Error) => err);
    if (res instanceof Error || !res.ok) {
      console.error(`${where}: unreachable (${res instanceof Error ? ((res.cause as Error | undefined)?.message ?? res.message) : `HTTP ${res.status}`})`);
      return 1;
    }
    doc = Buffer.from(await res.arrayBuffer());
  } else {
    doc = await readFile(where);
  }
  const hub = await createHub(config, createLogger(config.LOG_LEVEL));
  try {
    // Retained metas (lines, garages) arrive right after the subscription.
    await new Promise((r) => setTimeout(r, Number(values['wait-ms'] ?? 1500)));
    const report = await hub.gateway.importDocument(format as GatewayFormat, format === 'gtfs' && !/^https?:/.test(where) ? { path: where } : doc, {
      sourceId: source?.id ?? `import-${format}`,
      ...(source?.options ? { options: source.options } : {}),
      ...(values.topic ? { topic: values.topic } : {}),
    });
    console.log(formatReport(report));
    return report.rejected.length === 1 && report.rejected[0]!.item === 'document' ? 1 : 0;
  } finally {
    await hub.close();
  }
}

process.exitCode = await main();
