/**
 * Publisher process for the ingest benchmark (a separate process: it must not share the hub's
 * event loop). Args: URL DEVICES COUNT RATE ('max' or messages per second).
 * Sends `meta` retained for every device, waits for "go" on stdin, then COUNT detector reports.
 */
import mqtt from 'mqtt';
import { topics } from '../protocol/index.ts';

const [url, devicesArg, countArg, rateArg] = process.argv.slice(2);
const devices = Number(devicesArg);
const count = Number(countArg);
const rate = rateArg === 'max' ? Infinity : Number(rateArg);
const ids = Array.from({ length: devices }, (_, i) => `B${String(i).padStart(4, '0')}`);
const client = await mqtt.connectAsync(url!, { clientId: `bench-pub-${process.pid}` });
for (const id of ids) {
  const meta = { id, name: `Bench ${id}`, lon: 6.76, lat: 51.43, approaches: [], detectorIds: [`${id}-1`, `${id}-2`], tsMs: Date.now() };
  await client.publishAsync(topics.tlsMeta(id), JSON.stringify(meta), { qos: 1, retain: true });
}
process.stdout.write('ready\n');
await new Promise<void>((r) => process.stdin.once('data', () => r()));
const t0 = Date.now();
let sent = 0;
const batch = rate === Infinity ? 2000 : Math.max(1, Math.round(rate / 100));
const send = () => {
  const now = Date.now();
  for (let i = 0; i < batch && sent < count; i++, sent++) {
    const id = ids[sent % devices]!;
    const payload = `{"tsMs":${now},"intervalSec":5,"detectors":[{"id":"${id}-1","count":${sent % 7},"occupancyPct":${sent % 40}},{"id":"${id}-2","count":${sent % 5},"occupancyPct":12.5}]}`;
    client.publish(topics.tlsDetectors(id), payload, { qos: 0 });
  }
  if (sent >= count) {
    client.end(false, {}, () => {
      process.stdout.write(`done ${Date.now() - t0}\n`);
      process.exit(0);
    });
    return;
  }
  if (rate === Infinity) setImmediate(send);
  else setTimeout(send, Math.max(0, t0 + (sent / rate) * 1000 - Date.now()));
};
send();
