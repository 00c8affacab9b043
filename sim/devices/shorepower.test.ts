import { describe, expect, it } from 'vitest';
import { ShorePowerMeta, ShorePowerState } from '../../protocol/shorepower.ts';
import { parseTopic } from '../../protocol/topics.ts';
import { Rng } from '../rng.ts';
import { SHORE_POWER_POINTS, ShorePowerEmulator } from './shorepower.ts';

const JULY = Date.UTC(2025, 6, 7, 0, 0);

function run(em: ShorePowerEmulator, start: number, seconds: number, dt: number) {
  const out: { id: string; s: ReturnType<typeof ShorePowerState.parse> }[] = [];
  for (let t = dt; t <= seconds; t += dt) {
    for (const m of em.step(start + t * 1000, dt)) out.push({ id: parseTopic(m.topic)!.deviceId, s: ShorePowerState.parse(JSON.parse(m.payload)) });
  }
  return out;
}

describe('ShorePowerEmulator', () => {
  it('meta: the Mühlenweide, Leinpfad and Mercatorinsel points, valid and retained', () => {
    const em = new ShorePowerEmulator({ rng: new Rng(1) });
    const metas = em.meta(JULY);
    expect(metas.length).toBe(SHORE_POWER_POINTS.length);
    const sites = new Set(metas.map((m) => ShorePowerMeta.parse(JSON.parse(m.payload)).site));
    expect(sites).toEqual(new Set(['Mühlenweide', 'Leinpfad', 'Mercatorinsel']));
    for (const m of metas) expect([m.retain, m.qos]).toEqual([true, 1]);
  });

  it('a few sessions per point per day, kWh integrated from power, fields consistent with status', () => {
    const em = new ShorePowerEmulator({ rng: new Rng(2) });
    em.step(JULY, 10);
    const days = 7;
    const msgs = run(em, JULY, days * 86_400, 10);
    for (const p of SHORE_POWER_POINTS) {
      const mine = msgs.filter((m) => m.id === p.id);
      const sessions = new Set(mine.map((m) => m.s.sessionId).filter(Boolean));
      const perDay = sessions.size / days;
      if (p.berthType === 'freight') {
        expect(perDay).toBeGreaterThanOrEqual(1);
        expect(perDay).toBeLessThanOrEqual(5);
      } else {
        expect(perDay).toBeGreaterThanOrEqual(0.4);
        expect(perDay).toBeLessThanOrEqual(3);
      }
      for (const m of mine) {
        expect(m.s.powerKW).toBeLessThanOrEqual(p.maxPowerKW);
        if (m.s.status === 'charging') {
          expect(m.s.sessionId).toBeDefined();
          expect(m.s.vesselName).toBeDefined();
          expect(m.s.powerKW).toBeGreaterThan(0);
        } else {
          expect(m.s.sessionId).toBeUndefined();
          expect(m.s.powerKW).toBe(0);
        }
      }
      // Energy of each session = integral of the (minute-by-minute) power.
      for (const id of sessions) {
        const rows = mine.filter((m) => m.s.sessionId === id);
        if (rows.length < 30) continue;
        let integral = 0;
        for (let i = 1; i < rows.length; i++) integral += (rows[i]!.s.powerKW * (rows[i]!.s.tsMs - rows[i - 1]!.s.tsMs)) / 3_600_000;
        const delta = rows.at(-1)!.s.sessionEnergyKWh - rows[0]!.s.sessionEnergyKWh;
        expect(Math.abs(integral - delta)).toBeLessThan(0.05 * delta + 0.5);
        // Monotonic within a session.
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.s.sessionEnergyKWh).toBeGreaterThanOrEqual(rows[i - 1]!.s.sessionEnergyKWh);
      }
    }
    // Meter readings never go backwards.
    for (const p of SHORE_POWER_POINTS) {
      const meter = msgs.filter((m) => m.id === p.id).map((m) => m.s.meterKWh!);
      for (let i = 1; i < meter.length; i++) expect(meter[i]!).toBeGreaterThanOrEqual(meter[i - 1]!);
    }
  });

  it('reports every minute while charging and every 5 minutes otherwise; scenario hooks work', () => {
    const em = new ShorePowerEmulator({ rng: new Rng(3) });
    em.step(JULY, 1);
    em.moorVessel('LS-LEINPFAD-1', 'GMS Testfall', 2);
    const msgs = run(em, JULY, 3 * 3600, 1).filter((m) => m.id === 'LS-LEINPFAD-1');
    const charging = msgs.filter((m) => m.s.status === 'charging' && m.s.sessionId === msgs[0]!.s.sessionId);
    expect(charging[0]!.s.vesselName).toBe('GMS Testfall');
    expect(charging.length).toBeGreaterThanOrEqual(119);
    expect(charging.length).toBeLessThanOrEqual(122);
    const after = msgs.filter((m) => m.s.tsMs > charging.at(-1)!.s.tsMs + 1);
    expect(after[0]!.s.status).toBe('available');
    em.injectFault('LS-LEINPFAD-1', 1);
    const f = run(em, JULY + 3 * 3_600_000, 60, 1).filter((m) => m.id === 'LS-LEINPFAD-1');
    expect(f[0]!.s.status).toBe('faulted');
  });

  it('is deterministic by seed', () => {
    const go = (seed: number) => {
      const em = new ShorePowerEmulator({ rng: new Rng(seed) });
      em.step(JULY, 60);
      return run(em, JULY, 86_400, 60);
    };
    expect(go(5)).toEqual(go(5));
    expect(go(5)).not.toEqual(go(6));
  });
});
