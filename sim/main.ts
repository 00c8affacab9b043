/**
 * The city simulator: plays Duisburg's field devices over MQTT.
 *   MQTT_URL=mqtt://127.0.0.1:1883 SIM_SPEED=1 SIM_SEED=1 node sim/main.ts
 */
import { runSimulator } from './run.ts';
import { berlinLocalToUtcMs, loadScenario } from './scenario.ts';

const url = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const speed = Number(process.env.SIM_SPEED ?? 1);
const seed = Number(process.env.SIM_SEED ?? 1);
if (!Number.isFinite(speed) || speed <= 0) {
  console.error(`SIM_SPEED must be a positive number, got ${process.env.SIM_SPEED}`);
  process.exit(2);
}
const scenario = process.env.SIM_SCENARIO ? loadScenario(process.env.SIM_SCENARIO) : undefined;
if (scenario) console.log(`scenario: ${scenario.name} (${scenario.startLocal}, seed ${scenario.seed})`);
const sim = await runSimulator({
  url,
  speed,
  seed: scenario?.seed ?? seed,
  ...(scenario ? { scenario, modelStartMs: berlinLocalToUtcMs(scenario.startLocal) } : {}),
  onEvent: (line) => console.log(line),
});
const stop = async () => {
  await sim.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
