// Generates a small SUMO test network in a temp dir: `netgenerate --grid` (n x n junctions, every
// inner junction signalised, fringe edges attached so each is a full 4-arm crossing), a deterministic
// hand-written trip file (SUMO routes trips itself at insertion), induction loops + lane-area
// detectors on every lane entering the centre signal, and a sumocfg. Used by the TraCI, harness and
// bridge tests (and runnable: `node sim/sumo/testnet.ts [outDir]`).

import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SaxesParser } from 'saxes';
import { sumoEnv } from './traci/spawn.ts';

const run = promisify(execFile);

export type TestNetOptions = {
  /** junctions per side (default 3) */
  size?: number;
  /** edge length between junctions, m */
  gridLengthM?: number;
  lanes?: number;
  /** simulation window end, s (begin is 0) */
  endSec?: number;
  /** vehicles inserted per hour over all sources */
  vehiclesPerHour?: number;
  /** seed of the demand generator (not SUMO's seed) */
  demandSeed?: number;
  /** target directory (created); default a fresh dir under os.tmpdir() */
  dir?: string;
};

export type TestNet = {
  dir: string;
  netFile: string;
  routeFile: string;
  additionalFile: string;
  sumocfg: string;
  tlsIds: string[];
  /** the signal the detectors watch */
  centreTls: string;
  /** induction loop ids (one per lane entering the centre signal, 5 m before the stop line) */
  e1Ids: string[];
  /** lane-area detector ids (same lanes, up to 150 m before the stop line) */
  e2Ids: string[];
  vehicles: number;
  endSec: number;
  cleanup(): Promise<void>;
};

/** true when the sumo binaries are on PATH (tests skip otherwise) */
export async function sumoAvailable(): Promise<boolean> {
  try {
    await run('sumo', ['--version'], { env: sumoEnv() });
    await run('netgenerate', ['--version'], { env: sumoEnv() });
    return true;
  } catch {
    return false;
  }
}

function letters(i: number): string {
  return String.fromCharCode(65 + i);
}

type NetInfo = {
  edges: { id: string; from: string; to: string }[];
  lanes: Map<string, number>;
  incLanes: Map<string, string[]>;
};

async function readNet(netFile: string): Promise<NetInfo> {
  const xml = await readFile(netFile, 'utf8');
  const info: NetInfo = { edges: [], lanes: new Map(), incLanes: new Map() };
  const parser = new SaxesParser();
  let edge: string | null = null;
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Partial<Record<string, string>>;
    const id = a.id ?? '';
    if (tag.name === 'edge') {
      edge = a.function === 'internal' ? null : id;
      if (edge) info.edges.push({ id, from: a.from ?? '', to: a.to ?? '' });
    } else if (tag.name === 'lane' && edge) {
      info.lanes.set(id, Number(a.length));
    } else if (tag.name === 'junction' && a.type === 'traffic_light') {
      info.incLanes.set(id, (a.incLanes ?? '').split(' ').filter(Boolean));
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'edge') edge = null;
  });
  parser.write(xml).close();
  return info;
}

/** Park–Miller LCG: deterministic demand independent of Math.random */
function lcg(seed: number): () => number {
  let s = (seed % 2147483646) + 1;
  return () => {
    s = (s * 48271) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

export async function makeTestNet(opts: TestNetOptions = {}): Promise<TestNet> {
  const size = opts.size ?? 3;
  const endSec = opts.endSec ?? 600;
  const vph = opts.vehiclesPerHour ?? 900;
  const dir = opts.dir ?? (await mkdtemp(path.join(tmpdir(), 'sumo-testnet-')));
  await mkdir(dir, { recursive: true });
  const netFile = path.join(dir, 'grid.net.xml');
  const tlsIds: string[] = [];
  for (let x = 0; x < size; x++) for (let y = 0; y < size; y++) tlsIds.push(`${letters(x)}${y}`);
  await run(
    'netgenerate',
    [
      '--grid',
      '--grid.number', String(size),
      '--grid.length', String(opts.gridLengthM ?? 200),
      '--grid.attach-length', '150',
      '-L', String(opts.lanes ?? 2),
      '--tls.set', tlsIds.join(','),
      '--tls.default-type', 'static',
      '--no-turnarounds', 'true',
      '-o', netFile,
    ],
    { env: sumoEnv(), cwd: dir },
  );
  const net = await readNet(netFile);
  const tls = new Set(tlsIds);
  const sources = net.edges.filter((e) => !tls.has(e.from) && tls.has(e.to)).map((e) => e.id).sort();
  const sinks = net.edges.filter((e) => tls.has(e.from) && !tls.has(e.to)).map((e) => e.id).sort();

  // Demand: evenly spaced departures, origin/destination drawn from the LCG (no U-turn to the same side).
  const rnd = lcg(opts.demandSeed ?? 1);
  const headwaySec = 3600 / vph;
  const trips: string[] = [];
  let n = 0;
  for (let t = 0; t < endSec; t += headwaySec) {
    const from = sources[Math.floor(rnd() * sources.length)]!;
    let to = sinks[Math.floor(rnd() * sinks.length)]!;
    const back = to.replace(/^([A-Z]\d+)(.*)$/, '$2$1');
    if (back === from) to = sinks[(sinks.indexOf(to) + 1) % sinks.length]!;
    trips.push(`  <trip id="t${n}" depart="${t.toFixed(2)}" from="${from}" to="${to}" departLane="best" departSpeed="max"/>`);
    n++;
  }
  const routeFile = path.join(dir, 'grid.rou.xml');
  await writeFile(routeFile, `<routes>\n${trips.join('\n')}\n</routes>\n`);

  const centreTls = `${letters(Math.floor(size / 2))}${Math.floor(size / 2)}`;
  const e1Ids: string[] = [];
  const e2Ids: string[] = [];
  const dets: string[] = [];
  for (const lane of net.incLanes.get(centreTls) ?? []) {
    const len = net.lanes.get(lane) ?? 0;
    const e1 = `e1_${lane}`;
    const e2 = `e2_${lane}`;
    e1Ids.push(e1);
    e2Ids.push(e2);
    dets.push(`  <inductionLoop id="${e1}" lane="${lane}" pos="${Math.max(0, len - 5).toFixed(2)}" freq="3600" file="NUL"/>`);
    dets.push(
      `  <laneAreaDetector id="${e2}" lane="${lane}" pos="${Math.max(0, len - 150).toFixed(2)}" endPos="${len.toFixed(2)}" freq="3600" file="NUL"/>`,
    );
  }
  const additionalFile = path.join(dir, 'detectors.add.xml');
  await writeFile(additionalFile, `<additional>\n${dets.join('\n')}\n</additional>\n`);

  const sumocfg = path.join(dir, 'grid.sumocfg');
  await writeFile(
    sumocfg,
    `<configuration>
  <input>
    <net-file value="grid.net.xml"/>
    <route-files value="grid.rou.xml"/>
    <additional-files value="detectors.add.xml"/>
  </input>
  <time>
    <begin value="0"/>
    <end value="${endSec}"/>
  </time>
</configuration>
`,
  );
  return {
    dir,
    netFile,
    routeFile,
    additionalFile,
    sumocfg,
    tlsIds,
    centreTls,
    e1Ids,
    e2Ids,
    vehicles: n,
    endSec,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

if (import.meta.main) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const net = await makeTestNet({ dir });
  console.log(JSON.stringify({ ...net, cleanup: undefined }, null, 2));
}
