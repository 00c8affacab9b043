/**
 * Lighting fusion: a cabinet's lamps as compact flags (46,000 lamps: no object per lamp state), and
 * the cabinet's aggregate counts kept incrementally. Pure.
 */
import type { LampState } from '../../protocol/index.ts';

export const LAMP_ON = 1;
export const LAMP_FAULTY = 2;
/** The `out` fault: the only lamp fault that raises an alarm. */
export const LAMP_OUT = 4;
/** A lamp out this long raises its (low) alarm; day burners and flicker never do. */
export const LAMP_OUT_ALARM_MS = 15 * 60_000;

export function lampFlags(s: LampState): number {
  let f = s.powerState === 'off' ? 0 : LAMP_ON;
  const faults = s.faults;
  if (faults && faults.length > 0) {
    f |= LAMP_FAULTY;
    if (faults.includes('out')) f |= LAMP_OUT;
  }
  return f;
}

/** The lamps one cabinet feeds, in the order of its meta, with running counts. */
export class CabinetLamps {
  readonly flags: Uint8Array;
  lampsOn = 0;
  lampsFaulty = 0;

  constructor(count: number) {
    this.flags = new Uint8Array(count);
  }

  /** Sets lamp `idx`'s flags; returns its previous flags. */
  set(idx: number, flags: number): number {
    const prev = this.flags[idx]!;
    if (prev === flags) return prev;
    this.flags[idx] = flags;
    this.lampsOn += (flags & LAMP_ON) - (prev & LAMP_ON);
    this.lampsFaulty += ((flags & LAMP_FAULTY) - (prev & LAMP_FAULTY)) / LAMP_FAULTY;
    return prev;
  }
}
