// Traffic-light domain (TraCI 0xa2 get / 0xc2 set). Semantics: https://sumo.dlr.de/docs/TraCI/Traffic_Lights_Value_Retrieval.html
// and .../Change_Traffic_Lights_State.html. Setting a state string switches the signal to SUMO's
// "online" program that holds that state until the next set or program switch — the caller is
// responsible for amber/all-red (SUMO does not insert them).

import * as C from './constants.ts';
import type { Writer } from './codec.ts';
import type { ControlledLink, TlLogic } from './decode.ts';
import { TraciError } from './errors.ts';
import type { TraciClient } from './client.ts';

const TL = C.CMD_GET_TL_VARIABLE;

function asString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new TraciError('protocol', `${what}: expected string, got ${typeof v}`);
  return v;
}
function asNumber(v: unknown, what: string): number {
  if (typeof v !== 'number') throw new TraciError('protocol', `${what}: expected number, got ${typeof v}`);
  return v;
}
function asStrings(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) throw new TraciError('protocol', `${what}: expected string list`);
  return v as string[];
}

export class TrafficLightDomain {
  private readonly c: TraciClient;
  constructor(c: TraciClient) {
    this.c = c;
  }
  async getIDList(): Promise<string[]> {
    return asStrings(await this.c.get(TL, C.TRACI_ID_LIST, ''), 'trafficlight.getIDList');
  }
  /** "rugGyYoOs..." — one character per controlled link (index = link index) */
  async getRedYellowGreenState(tlsId: string): Promise<string> {
    return asString(await this.c.get(TL, C.TL_RED_YELLOW_GREEN_STATE, tlsId), 'getRedYellowGreenState');
  }
  async setRedYellowGreenState(tlsId: string, state: string): Promise<void> {
    await this.c.set(TL, C.TL_RED_YELLOW_GREEN_STATE, tlsId, (w) => w.typedString(state));
  }
  async getPhase(tlsId: string): Promise<number> {
    return asNumber(await this.c.get(TL, C.TL_CURRENT_PHASE, tlsId), 'getPhase');
  }
  async setPhase(tlsId: string, index: number): Promise<void> {
    await this.c.set(TL, C.TL_PHASE_INDEX, tlsId, (w) => w.typedInt(index));
  }
  async getProgram(tlsId: string): Promise<string> {
    return asString(await this.c.get(TL, C.TL_CURRENT_PROGRAM, tlsId), 'getProgram');
  }
  async setProgram(tlsId: string, programId: string): Promise<void> {
    await this.c.set(TL, C.TL_PROGRAM, tlsId, (w) => w.typedString(programId));
  }
  /** duration of the current phase as defined in the program, s */
  async getPhaseDuration(tlsId: string): Promise<number> {
    return asNumber(await this.c.get(TL, C.TL_PHASE_DURATION, tlsId), 'getPhaseDuration');
  }
  /** remaining duration of the current phase is set to `durationSec` */
  async setPhaseDuration(tlsId: string, durationSec: number): Promise<void> {
    await this.c.set(TL, C.TL_PHASE_DURATION, tlsId, (w) => w.typedDouble(durationSec));
  }
  /** absolute simulation time of the next phase switch, s */
  async getNextSwitch(tlsId: string): Promise<number> {
    return asNumber(await this.c.get(TL, C.TL_NEXT_SWITCH, tlsId), 'getNextSwitch');
  }
  async getControlledLanes(tlsId: string): Promise<string[]> {
    return asStrings(await this.c.get(TL, C.TL_CONTROLLED_LANES, tlsId), 'getControlledLanes');
  }
  /** per link index (= state string index) the connections it controls (usually exactly one) */
  async getControlledLinks(tlsId: string): Promise<ControlledLink[][]> {
    return (await this.c.get(TL, C.TL_CONTROLLED_LINKS, tlsId)) as ControlledLink[][];
  }
  async getControlledJunctions(tlsId: string): Promise<string[]> {
    return asStrings(await this.c.get(TL, C.TL_CONTROLLED_JUNCTIONS, tlsId), 'getControlledJunctions');
  }
  /** every program of the signal (static, actuated, online ...) with all phases */
  async getAllProgramLogics(tlsId: string): Promise<TlLogic[]> {
    return (await this.c.get(TL, C.TL_COMPLETE_DEFINITION_RYG, tlsId)) as TlLogic[];
  }
  /** installs (or replaces) program `logic.programId` and switches to it */
  async setProgramLogic(tlsId: string, logic: TlLogic): Promise<void> {
    await this.c.set(TL, C.TL_COMPLETE_PROGRAM_RYG, tlsId, (w: Writer) => {
      w.compound(5).typedString(logic.programId).typedInt(logic.type).typedInt(logic.currentPhaseIndex);
      w.compound(logic.phases.length);
      for (const p of logic.phases) {
        w.compound(6).typedDouble(p.durationSec).typedString(p.state).typedDouble(p.minDurSec).typedDouble(p.maxDurSec);
        w.compound(p.next.length);
        for (const n of p.next) w.typedInt(n);
        w.typedString(p.name);
      }
      const params = Object.entries(logic.params);
      w.compound(params.length);
      for (const kv of params) w.typedStringList(kv);
    });
  }
  subscribe(tlsId: string, varIds: readonly number[] = [C.TL_RED_YELLOW_GREEN_STATE]) {
    return this.c.subscribe(TL, tlsId, varIds);
  }
}
