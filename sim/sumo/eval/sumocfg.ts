// Reads the parts of a .sumocfg the harness needs: the input files and the time window.

import path from 'node:path';
import { streamXml } from './xml.ts';

export type SumoConfig = {
  path: string;
  dir: string;
  name: string;
  netFile: string;
  routeFiles: string[];
  additionalFiles: string[];
  beginSec: number;
  endSec: number;
};

function fileList(value: string | undefined, dir: string): string[] {
  if (!value) return [];
  return value
    .split(/[,\s]+/)
    .filter(Boolean)
    .map((f) => path.resolve(dir, f));
}

export async function readSumoConfig(file: string): Promise<SumoConfig> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const values: Record<string, string> = {};
  await streamXml(abs, (name, attrs) => {
    if (attrs.value !== undefined) values[name] = attrs.value;
  });
  const net = values['net-file'] ?? values['n'];
  if (!net) throw new Error(`${abs}: no <net-file> in the configuration`);
  const beginSec = values.begin !== undefined ? Number(values.begin) : 0;
  const endSec = values.end !== undefined ? Number(values.end) : NaN;
  if (!Number.isFinite(endSec)) {
    // Without an end the window (and so the never-departed count) is undefined.
    throw new Error(`${abs}: no <end> time in the configuration; the harness needs a finite window`);
  }
  return {
    path: abs,
    dir,
    name: path.basename(abs).replace(/\.sumocfg$/, ''),
    netFile: path.resolve(dir, net),
    routeFiles: fileList(values['route-files'] ?? values['r'], dir),
    additionalFiles: fileList(values['additional-files'] ?? values['a'], dir),
    beginSec,
    endSec,
  };
}
