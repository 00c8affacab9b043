/**
 * SUMO bridge CLI (issue 7):
 *
 *   npm run sumo -- --net X.net.xml | --sumocfg X.sumocfg [--mqtt URL] [--lockstep] [--realtime]
 *                   [--port P] [--routes A.rou.xml,B.rou.xml] [--begin S] [--end S] [--seed N]
 *                   [--origin LON,LAT] [--aggregation S]
 *   npm run sumo -- --net X.net.xml --write-detectors FILE.add.xml
 *
 * The second form only writes the lane-area detector file, for a sumo started elsewhere that the
 * bridge attaches to with --port (that sumo must load it with --additional-files).
 * Starts sumo (or attaches to one listening on TraCI port P), announces every traffic light to the
 * broker as a controller of our MQTT contract and runs until the end of the window (Ctrl-C stops).
 */
import { parseArgs } from 'node:util';
import { writeDetectorsFile } from './detectors.ts';
import { readSumoConfig } from './eval/sumocfg.ts';
import { loadSumoNetwork } from './net/derive.ts';
import { openSession } from './session.ts';

const { values } = parseArgs({
  options: {
    net: { type: 'string' },
    sumocfg: { type: 'string' },
    mqtt: { type: 'string', default: process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883' },
    lockstep: { type: 'boolean', default: false },
    realtime: { type: 'boolean', default: false },
    port: { type: 'string' },
    routes: { type: 'string' },
    begin: { type: 'string' },
    end: { type: 'string' },
    seed: { type: 'string' },
    origin: { type: 'string' },
    aggregation: { type: 'string' },
    'write-detectors': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(msg: string): never {
  process.stderr.write(`sumo bridge: ${msg}\n`);
  process.exit(2);
}
if (values.help || (!values.net && !values.sumocfg)) {
  process.stdout.write('usage: npm run sumo -- --net X.net.xml | --sumocfg X.sumocfg [--mqtt URL] [--lockstep] [--realtime] [--port P]\n');
  process.exit(values.help ? 0 : 2);
}
if (values.lockstep && values.realtime) fail('--lockstep and --realtime exclude each other');
const num = (s: string | undefined, what: string) => {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v)) fail(`${what} must be a number (got ${s})`);
  return v;
};
let origin: [number, number] | undefined;
if (values.origin) {
  const [lon, lat] = values.origin.split(',').map(Number);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon!) > 180 || Math.abs(lat!) > 90) fail('--origin must be LON,LAT');
  origin = [lon!, lat!];
}
const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
process.env.SUMO_HOME ||= '/usr/share/sumo';

if (values['write-detectors']) {
  const netFile = values.net ?? (await readSumoConfig(values.sumocfg!)).netFile;
  const net = await loadSumoNetwork(netFile, { origin });
  writeDetectorsFile(net, values['write-detectors']);
  log(`${net.signals.reduce((n, s) => n + s.detectors.length, 0)} lane-area detectors written to ${values['write-detectors']}`);
  process.exit(0);
}

const session = await openSession({
  sumocfg: values.sumocfg,
  netFile: values.net,
  routeFiles: values.routes?.split(',').filter(Boolean),
  beginSec: num(values.begin, '--begin'),
  endSec: num(values.end, '--end'),
  mqttUrl: values.mqtt!,
  attachPort: num(values.port, '--port'),
  lockstep: values.lockstep,
  realtime: values.realtime,
  aggregationSec: num(values.aggregation, '--aggregation'),
  sumoArgs: values.seed ? ['--seed', values.seed] : [],
  origin,
  log,
});
const { bridge, net } = session;
log(`${net.signals.length} signals (${net.projection} placement), ${net.signals.reduce((s, x) => s + x.detectors.length, 0)} detectors, broker ${values.mqtt}, ${values.lockstep ? 'lock-step' : values.realtime ? 'real-time' : 'free-running'}`);
for (const s of net.signals) for (const w of s.warnings) if (w.startsWith('program violates')) log(`${s.id}: ${w}`);
let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  bridge.stop();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
const t0 = Date.now();
const stats = await bridge.run(session.endSec);
await session.close();
log(`done: ${JSON.stringify(stats)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
