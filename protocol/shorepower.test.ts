import { describe, expect, it } from 'vitest';
import { ShorePowerMeta, ShorePowerState, shorePowerTopics } from './shorepower.ts';
import { parseTopic } from './topics.ts';

const ts = 1_795_000_000_000;

describe('shore power', () => {
  const meta = { id: 'LS-MUEHLENWEIDE-1', name: 'Mühlenweide 1', site: 'Mühlenweide', berthType: 'cruise', lon: 6.726, lat: 51.452, maxPowerKW: 400, tsMs: ts };
  const charging = { tsMs: ts, status: 'charging', sessionId: 'S-1', vesselName: 'MS Rheinstern', powerKW: 210.5, sessionEnergyKWh: 830.2, meterKWh: 120000 };
  it('accepts meta and states with and without a session', () => {
    expect(ShorePowerMeta.parse(meta)).toEqual(meta);
    expect(ShorePowerState.parse(charging)).toEqual(charging);
    expect(ShorePowerState.safeParse({ tsMs: ts, status: 'available', powerKW: 0, sessionEnergyKWh: 0 }).success).toBe(true);
  });
  it('rejects unknown status, negative power or energy, unknown berth type', () => {
    expect(ShorePowerState.safeParse({ ...charging, status: 'busy' }).success).toBe(false);
    expect(ShorePowerState.safeParse({ ...charging, powerKW: -1 }).success).toBe(false);
    expect(ShorePowerState.safeParse({ ...charging, sessionEnergyKWh: -1 }).success).toBe(false);
    expect(ShorePowerMeta.safeParse({ ...meta, berthType: 'ferry' }).success).toBe(false);
    expect(ShorePowerMeta.safeParse({ ...meta, maxPowerKW: 0 }).success).toBe(false);
  });
  it('topics', () => {
    expect(shorePowerTopics.state('LS-MUEHLENWEIDE-1')).toBe('city/v1/shorepower/LS-MUEHLENWEIDE-1/state');
    expect(parseTopic(shorePowerTopics.meta('LS-1'))?.channel).toBe('meta');
  });
});
