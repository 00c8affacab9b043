// Variables whose value is a structured compound with a fixed layout; decoded into typed objects
// instead of nested arrays. Layouts from SUMO 1.15 tools/traci/_trafficlight.py (_readLogics,
// _readLinks) and TraCIServerAPI_TrafficLight.

import * as C from './constants.ts';
import type { Reader, TraciValue } from './codec.ts';

export type TlPhase = {
  durationSec: number;
  /** one character per controlled link: r y g G s u o O */
  state: string;
  /** actuated programs only; -1 otherwise */
  minDurSec: number;
  maxDurSec: number;
  next: number[];
  name: string;
};

export type TlLogic = {
  programId: string;
  /** TRAFFICLIGHT_TYPE_STATIC 0, ACTUATED 3, DELAYBASED 4, ... */
  type: number;
  currentPhaseIndex: number;
  phases: TlPhase[];
  params: Record<string, string>;
};

/** One controlled connection; the index in the signal's state string is the outer array index. */
export type ControlledLink = { fromLane: string; toLane: string; viaLane: string };

export type TraciAny = TraciValue | TlLogic[] | ControlledLink[][];

function readLogics(r: Reader): TlLogic[] {
  const n = r.int();
  const out: TlLogic[] = [];
  for (let i = 0; i < n; i++) {
    r.compound(); // 5
    const programId = r.typedString();
    const type = r.typedInt();
    const currentPhaseIndex = r.typedInt();
    const nPhases = r.compound();
    const phases: TlPhase[] = [];
    for (let p = 0; p < nPhases; p++) {
      r.compound(); // 6
      const durationSec = r.typedDouble();
      const state = r.typedString();
      const minDurSec = r.typedDouble();
      const maxDurSec = r.typedDouble();
      const nNext = r.compound();
      const next: number[] = [];
      for (let k = 0; k < nNext; k++) next.push(r.typedInt());
      const name = r.typedString();
      phases.push({ durationSec, state, minDurSec, maxDurSec, next, name });
    }
    const nParams = r.compound();
    const params: Record<string, string> = {};
    for (let k = 0; k < nParams; k++) {
      const [key = '', value = ''] = r.typedStringList();
      params[key] = value;
    }
    out.push({ programId, type, currentPhaseIndex, phases, params });
  }
  return out;
}

function readLinks(r: Reader): ControlledLink[][] {
  r.int(); // compound item count (SUMO writes the number of following items; not needed)
  const nSignals = r.typedInt();
  const out: ControlledLink[][] = [];
  for (let i = 0; i < nSignals; i++) {
    const nLinks = r.typedInt();
    const links: ControlledLink[] = [];
    for (let k = 0; k < nLinks; k++) {
      const [fromLane = '', toLane = '', viaLane = ''] = r.typedStringList();
      links.push({ fromLane, toLane, viaLane });
    }
    out.push(links);
  }
  return out;
}

/** Returns the decoded value for special variables (type byte already consumed), else undefined. */
export function decodeSpecial(r: Reader, domainGetId: number, varId: number, type: number): TlLogic[] | ControlledLink[][] | undefined {
  if (domainGetId !== C.CMD_GET_TL_VARIABLE || type !== C.TYPE_COMPOUND) return undefined;
  if (varId === C.TL_COMPLETE_DEFINITION_RYG) return readLogics(r);
  if (varId === C.TL_CONTROLLED_LINKS) return readLinks(r);
  return undefined;
}
