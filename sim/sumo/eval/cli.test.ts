/**
 * `npm run eval` (sim/sumo/eval.ts): argument parsing, the result file, and the hub plug-in point.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, parseArgs, parseSeeds, UsageError } from '../eval.ts';
import { makeTestNet, sumoAvailable, type TestNet } from '../testnet.ts';

const hasSumo = await sumoAvailable();
const BRIDGE = path.resolve(import.meta.dirname, '../bridge-eval.ts');

describe('eval CLI arguments', () => {
  it('parses seed ranges and lists', () => {
    expect(parseSeeds('1-5')).toEqual([1, 2, 3, 4, 5]);
    expect(parseSeeds('2-4,9')).toEqual([2, 3, 4, 9]);
    expect(parseSeeds('7')).toEqual([7]);
    expect(() => parseSeeds('5-1')).toThrow(UsageError);
    expect(() => parseSeeds('a')).toThrow(UsageError);
  });

  it('defaults everything but the scenario', () => {
    const o = parseArgs(['--scenario', 'x.sumocfg']);
    expect(o).toMatchObject({ scenario: 'x.sumocfg', controller: 'fixed', seeds: [1, 2, 3, 4, 5], out: null, traci: false });
    expect(() => parseArgs([])).toThrow(/--scenario/);
    expect(() => parseArgs(['--scenario', 'x', '--controller', 'magic'])).toThrow(/fixed, actuated or hub/);
    expect(() => parseArgs(['--scenario', 'x', '--seeds'])).toThrow(/needs a value/);
  });

  it.skipIf(existsSync(BRIDGE))('--controller hub without the bridge exits 2 with a clear message', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['--scenario', import.meta.filename, '--controller', 'hub'])).toBe(2);
      expect(err.mock.calls.flat().join(' ')).toMatch(/bridge.*not installed/);
    } finally {
      err.mockRestore();
    }
  });
});

describe.skipIf(!hasSumo)('eval CLI end to end (real sumo)', () => {
  let tn: TestNet;
  let out: string;
  beforeAll(async () => {
    tn = await makeTestNet({ endSec: 300 });
    out = await mkdtemp(path.join(tmpdir(), 'eval-cli-'));
  });
  afterAll(async () => {
    await tn?.cleanup();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('writes the result JSON with mean/sd per metric, wall time, machine and per-seed values', async () => {
    const file = path.join(out, 'r.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['--scenario', tn.sumocfg, '--seeds', '1-3', '--out', file, '--traci'])).toBe(0);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    const r = JSON.parse(await readFile(file, 'utf8'));
    expect(r).toMatchObject({ scenario: 'grid', controller: 'fixed', seeds: [1, 2, 3], traci: true });
    for (const k of ['delay', 'duration', 'waiting', 'neverDeparted']) {
      expect(Object.keys(r[k]).sort()).toEqual(['mean', 'sd']);
      expect(Number.isFinite(r[k].mean)).toBe(true);
    }
    expect(r.delay.mean).toBeGreaterThan(0);
    expect(r.wallSec).toBeGreaterThan(0);
    expect(r.machine.cpus).toBeGreaterThan(0);
    expect(r.perSeed.map((p: { seed: number }) => p.seed)).toEqual([1, 2, 3]);
    const mean = r.perSeed.reduce((a: number, p: { delay: number }) => a + p.delay, 0) / 3;
    expect(r.delay.mean).toBeCloseTo(mean, 2);
  });

  it('a missing scenario file exits 2', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await main(['--scenario', path.join(out, 'nope.sumocfg')])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
