// Generates SUMO gap-based actuated control (tls_actuated.add.xml) from a network's static
// programs, for cities that bring a network without one. Same phase sequence; every green phase
// (a G/g and no yellow/red-yellow) becomes extendable with minDur 5 s / maxDur 50 s — netconvert's
// defaults for actuated programs (--tls.min-dur 5, --tls.max-dur 50) and what the reference
// scenarios' files use; transition phases (yellow, all-red) keep their fixed duration.
// SUMO semantics: https://sumo.dlr.de/docs/Simulation/Traffic_Lights.html#actuated_traffic_lights
// (a phase is actuated when minDur != maxDur; detectors are placed by SUMO itself).

import { access, constants as fsc, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { streamXml } from './xml.ts';

export const ACTUATED_MIN_DUR_SEC = 5;
export const ACTUATED_MAX_DUR_SEC = 50;

type Phase = { duration: string; state: string; minDur?: string; maxDur?: string; name?: string; next?: string };
type Logic = { id: string; offset: string; phases: Phase[] };

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function isExtendableGreen(state: string): boolean {
  return /[Gg]/.test(state) && !/[yYu]/.test(state);
}

export async function readStaticPrograms(netFile: string): Promise<Logic[]> {
  const logics: Logic[] = [];
  const seen = new Set<string>();
  let current: Logic | null = null;
  await streamXml(netFile, (name, a) => {
    if (name === 'tlLogic') {
      // first program per signal only: an actuated add-file replaces one program per signal
      const id = a.id ?? '';
      current = seen.has(id) ? null : { id, offset: a.offset ?? '0', phases: [] };
      if (current) {
        seen.add(id);
        logics.push(current);
      }
    } else if (name === 'phase' && current) {
      current.phases.push({ duration: a.duration ?? '0', state: a.state ?? '', minDur: a.minDur, maxDur: a.maxDur, name: a.name, next: a.next });
    } else if (name !== 'param') {
      current = null;
    }
  });
  return logics;
}

export function actuatedAdditionalXml(logics: Logic[]): string {
  const lines = ['<additional>'];
  for (const l of logics) {
    lines.push(`  <tlLogic id="${escapeXml(l.id)}" type="actuated" programID="actuated" offset="${escapeXml(l.offset)}">`);
    for (const p of l.phases) {
      let attrs = `duration="${p.duration}" state="${p.state}"`;
      if (isExtendableGreen(p.state)) {
        attrs += ` minDur="${p.minDur ?? ACTUATED_MIN_DUR_SEC}" maxDur="${p.maxDur ?? ACTUATED_MAX_DUR_SEC}"`;
      }
      if (p.name) attrs += ` name="${escapeXml(p.name)}"`;
      if (p.next) attrs += ` next="${p.next}"`;
      lines.push(`    <phase ${attrs}/>`);
    }
    lines.push('  </tlLogic>');
  }
  lines.push('</additional>', '');
  return lines.join('\n');
}

/**
 * Path of the scenario's tls_actuated.add.xml. If missing it is generated beside the sumocfg, or
 * (read-only scenario folder) into `fallbackDir`.
 */
export async function ensureActuatedFile(
  scenarioDir: string,
  netFile: string,
  fallbackDir: string,
  log: (m: string) => void = () => {},
): Promise<string> {
  const beside = path.join(scenarioDir, 'tls_actuated.add.xml');
  try {
    await access(beside, fsc.R_OK);
    return beside;
  } catch {
    /* generate */
  }
  const logics = await readStaticPrograms(netFile);
  if (logics.length === 0) throw new Error(`${netFile}: no tlLogic to derive actuated control from`);
  const xml = actuatedAdditionalXml(logics);
  try {
    await writeFile(beside, xml, { flag: 'wx' });
    log(`generated ${beside} (${logics.length} signals)`);
    return beside;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return beside;
    const alt = path.join(fallbackDir, `${path.basename(netFile).replace(/\.net\.xml$/, '')}.tls_actuated.add.xml`);
    await writeFile(alt, xml);
    log(`scenario folder not writable; generated ${alt} (${logics.length} signals)`);
    return alt;
  }
}
