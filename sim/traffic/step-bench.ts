/**
 * Tiny benchmark of the closed loop for the whole city (61 modelled + 489 generated intersections):
 *   node sim/traffic/step-bench.ts [modelSeconds=3600]
 * Prints the mean wall time of one model second: traffic model alone, and model + 550 controllers.
 */
import { DEFAULT_OUTER_RING_COUNT, INTERSECTIONS, LINKS, generateOuterRing } from '../city/duisburg.ts';
import { CitySim } from '../devices/controller.ts';

const seconds = Number(process.argv[2] ?? 3600);
const all = [...INTERSECTIONS, ...generateOuterRing(DEFAULT_OUTER_RING_COUNT, 1)];
// Tuesday 2026-03-10 07:30 local (06:30 UTC): the morning peak.
const startMs = Date.UTC(2026, 2, 10, 6, 30);
const sim = new CitySim({ intersections: all, links: LINKS, seed: 1, startMs });
const m = sim.model;
console.log(`${all.length} intersections, ${m.net.apCount} approaches, ${m.net.laneCount} lanes, ${m.net.links.length} links`);

// Warm-up (JIT), then the measured run, timing the controllers and the traffic model separately.
for (let i = 0; i < 300; i++) sim.step();
let ctlNs = 0n;
let modelNs = 0n;
for (let i = 0; i < seconds; i++) {
  const t = m.tSec;
  const a = process.hrtime.bigint();
  for (const c of sim.controllers) c.step(t, m);
  const b = process.hrtime.bigint();
  m.step();
  modelNs += process.hrtime.bigint() - b;
  ctlNs += b - a;
}
const modelOnly = Number(modelNs) / 1e6 / seconds;
const both = Number(modelNs + ctlNs) / 1e6 / seconds;
let t0 = process.hrtime.bigint();
let bytes = 0;
const ts = Date.now();
for (const c of sim.controllers) bytes += JSON.stringify(c.state(ts)).length;
const stateMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`model only:          ${modelOnly.toFixed(3)} ms per model second`);
console.log(`model + controllers: ${both.toFixed(3)} ms per model second`);
console.log(`550 TlsState JSONs:  ${stateMs.toFixed(3)} ms (${bytes} bytes)`);
let q = 0;
for (let a = 0; a < m.net.apCount; a++) q += m.queue[a]!;
console.log(`vehicles in model ${m.vehiclesInModel().toFixed(0)}, queued ${q.toFixed(0)}, entered ${m.cumEntered.toFixed(0)}, exited ${m.cumExited.toFixed(0)}`);
