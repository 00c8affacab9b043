/** Environment fusion: river gauge high-water levels with a deadband. Pure. */
import type { GaugeMarks } from '../../protocol/index.ts';

/** A high-water condition clears only this far below its mark (deadband against chattering). */
export const HIGH_WATER_DEADBAND_CM = 5;

/**
 * Whether the level is at or above a mark, with hysteresis: once active, it stays active until the
 * level falls below `markCm - HIGH_WATER_DEADBAND_CM`.
 */
export function aboveMark(levelCm: number, markCm: number | undefined, wasActive: boolean): boolean {
  if (markCm === undefined) return false;
  return wasActive ? levelCm > markCm - HIGH_WATER_DEADBAND_CM : levelCm >= markCm;
}

/** The gauge's marks as the entity's `limits` (`waterLevelCm` = the navigation limit, mark II). */
export function gaugeLimits(marks: GaugeMarks): Record<string, number> {
  const out: Record<string, number> = { waterLevelCm: marks.highWaterMarkIICm };
  for (const [k, v] of Object.entries(marks)) if (typeof v === 'number') out[k] = v;
  return out;
}
