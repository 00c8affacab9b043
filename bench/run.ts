/**
 * Benchmark runner: `npm run bench -- NAME` runs bench/NAME.ts and writes bench/results/NAME.json.
 * Machines here are shared and noisy, so every benchmark measures a reference in the same run and
 * reports ratios against it; absolute numbers are context.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchResult {
  metrics: Record<string, number | string | boolean>;
  reference: Record<string, number | string>;
  ratios: Record<string, number>;
  targets: Record<string, { value: number | string; met: boolean }>;
  notes?: string[];
}

const name = process.argv[2];
const available = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_')).map((f) => f.slice(0, -3));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run(): Promise<BenchResult> };
const started = Date.now();
const r = await mod.run();
const out = {
  name,
  date: new Date(started).toISOString(),
  durationSec: Math.round((Date.now() - started) / 100) / 10,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotalGiB: Math.round(totalmem() / 2 ** 30),
    memFreeGiB: Math.round(freemem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  },
  ...r,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
console.log(JSON.stringify(out, null, 2));
const missed = Object.entries(r.targets).filter(([, t]) => !t.met);
console.log(missed.length ? `targets missed: ${missed.map(([k]) => k).join(', ')}` : 'all targets met');
process.exit(0);
