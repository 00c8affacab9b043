/**
 * One bridge session: derive the network, write the detectors file, start sumo (or attach to a
 * running one over TraCI), connect the bridge to the broker. Used by the CLI (main.ts), the hub
 * controller of the evaluation harness (bridge-eval.ts) and the tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSumoConfig } from './eval/sumocfg.ts';
import { TraciClient } from './traci/client.ts';
import { startSumo, type SumoSession } from './traci/spawn.ts';
import { SumoBridge, type BridgeOptions } from './bridge.ts';
import { writeDetectorsFile } from './detectors.ts';
import { loadSumoNetwork, type DeriveOptions, type SumoNetwork } from './net/derive.ts';

export interface SessionOptions extends DeriveOptions, Pick<BridgeOptions, 'lockstep' | 'realtime' | 'lockstepTimeoutMs' | 'aggregationSec' | 'epochAtSimZeroSec' | 'log'> {
  /** A sumocfg (net, routes, window) ... */
  sumocfg?: string;
  /** ... or a network alone (with optional route files and window). */
  netFile?: string;
  routeFiles?: string[];
  beginSec?: number;
  endSec?: number;
  mqttUrl: string;
  /** Attach to a sumo already listening on this TraCI port instead of starting one. */
  attachPort?: number;
  /** Further sumo arguments (e.g. ['--seed', '3']). */
  sumoArgs?: string[];
}

export interface Session {
  bridge: SumoBridge;
  net: SumoNetwork;
  traci: TraciClient;
  sumo: SumoSession | null;
  detectorsFile: string;
  beginSec: number;
  endSec: number;
  close(): Promise<void>;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const cfg = o.sumocfg ? await readSumoConfig(o.sumocfg) : null;
  const netFile = cfg?.netFile ?? o.netFile;
  if (!netFile) throw new Error('give a sumocfg or a net file');
  const beginSec = o.beginSec ?? cfg?.beginSec ?? 0;
  const endSec = o.endSec ?? cfg?.endSec ?? 3600;
  const net = await loadSumoNetwork(netFile, o);
  for (const s of net.skipped) o.log?.(`signal ${s.tlId} skipped: ${s.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'sumo-bridge-'));
  const detectorsFile = writeDetectorsFile(net, join(dir, 'bridge-detectors.add.xml'));
  let sumo: SumoSession | null = null;
  let traci: TraciClient;
  if (o.attachPort) {
    // A running sumo must have been started with the detectors file (printed for the operator).
    o.log?.(`attaching to sumo on port ${o.attachPort}; it must have loaded the bridge's detectors (npm run sumo -- --net ${netFile} --write-detectors FILE)`);
    traci = await TraciClient.connect(o.attachPort, { timeoutMs: 30_000 });
  } else {
    const additional = [...(cfg?.additionalFiles ?? []), detectorsFile];
    const args = cfg
      ? ['-c', cfg.path, '--additional-files', additional.join(',')]
      : ['-n', netFile, ...(o.routeFiles?.length ? ['-r', o.routeFiles.join(',')] : []), '-a', additional.join(','), '-b', String(beginSec), '-e', String(endSec)];
    sumo = await startSumo({ args: [...args, '--no-step-log', 'true', ...(o.sumoArgs ?? [])] });
    traci = sumo.traci;
  }
  const bridge = new SumoBridge({ traci, net, mqttUrl: o.mqttUrl, beginSec, endSec, lockstep: o.lockstep, realtime: o.realtime, lockstepTimeoutMs: o.lockstepTimeoutMs, aggregationSec: o.aggregationSec, epochAtSimZeroSec: o.epochAtSimZeroSec, log: o.log });
  try {
    await bridge.start();
  } catch (e) {
    await sumo?.close().catch(() => {});
    throw e;
  }
  return {
    bridge,
    net,
    traci,
    sumo,
    detectorsFile,
    beginSec,
    endSec,
    async close() {
      await bridge.close();
      if (sumo) await sumo.close();
      else await traci.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
