/**
 * A scenario file run through a real broker: the simulator applies its events at their model
 * times, and the field devices show them (the drone flies the mission).
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DroneTelemetry } from '../../protocol/index.ts';
import { runSimulator, type RunningSim } from '../../sim/run.ts';
import { berlinLocalToUtcMs, loadScenario } from '../../sim/scenario.ts';
import { startTestHub, waitFor, type TestHub } from './harness.ts';

let th: TestHub | null = null;
let sim: RunningSim | null = null;
let sub: mqtt.MqttClient | null = null;
afterEach(async () => {
  await sub?.endAsync();
  await sim?.stop();
  await th?.close();
  th = sim = sub = null;
}, 30_000);

describe('scenario through the broker', () => {
  it('innenhafen-fire: closures are applied on time and the drone flies the mission', async () => {
    th = await startTestHub({});
    const scenario = loadScenario(join(import.meta.dirname, '../../sim/scenarios/innenhafen-fire.json'));
    sub = await mqtt.connectAsync(th.hub.mqttUrl, { clientId: 'scenario-watch' });
    const telemetry: DroneTelemetry[] = [];
    sub.on('message', (_t, p) => telemetry.push(JSON.parse(p.toString()) as DroneTelemetry));
    await sub.subscribeAsync('city/v1/drone/+/telemetry');

    const lines: string[] = [];
    // 60x: the mission (minute 2) starts after 2 s, the closures (minute 5) after 5 s.
    sim = await runSimulator({ url: th.hub.mqttUrl, speed: 60, seed: scenario.seed, scenario, modelStartMs: berlinLocalToUtcMs(scenario.startLocal), onEvent: (l) => lines.push(l) });
    await waitFor(() => lines.length >= 5, 20_000, 'the closures');
    expect(lines[0]).toMatch(/\+2 min.*drone mission E-2026-11-18-017/);
    expect(lines.slice(1, 5).every((l) => /\+5 min.*lane\(s\) closed/.test(l))).toBe(true);

    const flying = await waitFor(() => telemetry.find((t) => t.missionId === 'E-2026-11-18-017' && t.flightMode !== 'landed'), 10_000, 'drone telemetry of the mission');
    expect(['takeoff', 'transit', 'orbit']).toContain(flying.flightMode);
    // Device time is wall time even though the scenario's model clock says 2026-11-18 14:00.
    expect(Math.abs(flying.tsMs - Date.now())).toBeLessThan(60_000);
  }, 60_000);
});
