import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from './mqtt.ts';
import { CabinetMeta, CabinetState, LampState, MAX_LAMPS_PER_CABINET, lightingTopics } from './lighting.ts';
import { parseTopic } from './topics.ts';

const lamp = (i: number) => ({
  id: `SK0001-${String(i).padStart(3, '0')}`,
  lon: 6.77561,
  lat: 51.42971,
  powerNominalW: 36,
  lampTechnology: 'LED' as const,
});
const meta = { id: 'SK0001', district: 'Dellviertel', lon: 6.7729, lat: 51.4291, lamps: [lamp(1), lamp(2)], generated: true, tsMs: 1_795_000_000_000 };

describe('CabinetMeta', () => {
  it('accepts a cabinet with its lamps', () => {
    expect(CabinetMeta.parse(meta)).toEqual(meta);
  });
  it('rejects bad ids, an empty lamp list, unknown technology, non-positive power', () => {
    expect(CabinetMeta.safeParse({ ...meta, id: 'SK/1' }).success).toBe(false);
    expect(CabinetMeta.safeParse({ ...meta, lamps: [] }).success).toBe(false);
    expect(CabinetMeta.safeParse({ ...meta, lamps: [{ ...lamp(1), lampTechnology: 'candle' }] }).success).toBe(false);
    expect(CabinetMeta.safeParse({ ...meta, lamps: [{ ...lamp(1), powerNominalW: 0 }] }).success).toBe(false);
    expect(CabinetMeta.safeParse({ ...meta, lamps: [{ ...lamp(1), id: 'a+b' }] }).success).toBe(false);
    expect(CabinetMeta.safeParse({ ...meta, lat: 91 }).success).toBe(false);
  });
  it('the largest allowed cabinet still fits the hub payload limit', () => {
    const big = { ...meta, lamps: Array.from({ length: MAX_LAMPS_PER_CABINET }, (_, i) => ({ ...lamp(i), lampTechnology: 'fluorescent' as const, powerNominalW: 150.5 })) };
    expect(CabinetMeta.safeParse(big).success).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(big))).toBeLessThan(MAX_PAYLOAD_BYTES);
    expect(CabinetMeta.safeParse({ ...big, lamps: [...big.lamps, lamp(999)] }).success).toBe(false);
  });
});

describe('CabinetState', () => {
  const s = { tsMs: 1_795_000_000_000, powerState: 'on', energyKWh: 12345.6, activePowerW: 4200, commsOk: true, fault: null };
  it('accepts normal and faulted states, fault optional', () => {
    expect(CabinetState.parse(s)).toEqual(s);
    expect(CabinetState.safeParse({ ...s, fault: 'breakerTripped', powerState: 'off', activePowerW: 0 }).success).toBe(true);
    const { fault: _f, ...noFault } = s;
    expect(CabinetState.safeParse(noFault).success).toBe(true);
  });
  it('rejects unknown faults and power states, negative energy, missing commsOk', () => {
    expect(CabinetState.safeParse({ ...s, fault: 'fire' }).success).toBe(false);
    expect(CabinetState.safeParse({ ...s, powerState: 'dim' }).success).toBe(false);
    expect(CabinetState.safeParse({ ...s, energyKWh: -1 }).success).toBe(false);
    const { commsOk: _c, ...noComms } = s;
    expect(CabinetState.safeParse(noComms).success).toBe(false);
    expect(CabinetState.safeParse({ ...s, tsMs: 1.5 }).success).toBe(false);
  });
});

describe('LampState', () => {
  const s = { tsMs: 1_795_000_000_000, status: 'ok', powerState: 'low', illuminanceLevel: 0.5, powerConsumptionW: 18.2 };
  it('accepts FIWARE status/powerState values and fault lists', () => {
    expect(LampState.parse(s)).toEqual(s);
    expect(LampState.safeParse({ ...s, status: 'defectiveLamp', illuminanceLevel: 0, faults: ['out'] }).success).toBe(true);
    expect(LampState.safeParse({ ...s, powerState: 'bootingUp', faults: ['flicker', 'powerAnomaly'] }).success).toBe(true);
  });
  it('rejects out-of-range level, unknown status/fault, negative power', () => {
    expect(LampState.safeParse({ ...s, illuminanceLevel: 1.2 }).success).toBe(false);
    expect(LampState.safeParse({ ...s, status: 'broken' }).success).toBe(false);
    expect(LampState.safeParse({ ...s, faults: ['smoke'] }).success).toBe(false);
    expect(LampState.safeParse({ ...s, powerConsumptionW: -3 }).success).toBe(false);
  });
});

describe('lighting topics', () => {
  it('build topics the hub can split', () => {
    expect(lightingTopics.cabinetMeta('SK0001')).toBe('city/v1/cabinet/SK0001/meta');
    expect(parseTopic(lightingTopics.lampState('SK0001-001'))).toEqual({ kind: 'lamp', deviceId: 'SK0001-001', channel: 'state' });
    expect(parseTopic(lightingTopics.cabinetState('SK0001'))).toEqual({ kind: 'cabinet', deviceId: 'SK0001', channel: 'state' });
  });
});
