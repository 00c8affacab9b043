/**
 * The city's utility field devices and the fire brigade's drone in one handle, for the simulator
 * runner: street lighting (cabinets + ~46,000 lamps), environment (air quality, weather, Rhine
 * gauge), port shore power, road works and the drone.
 *
 *   const u = createUtilitiesAndDrone({ seed: 1, startMs: Date.now() });
 *   publish(u.meta());                       // retained, QoS 1 -- once, and after a broker restart
 *   every second: publish(u.step(modelNowMs, 1, { trafficIntensity: demandFactor(modelNowMs) }));
 *   u.drone.startMission('E-0815', 6.7621, 51.4359);
 *   u.environment.setRhineScenario('flood');
 *   u.lighting.injectCabinetOutage('SK0042');
 *
 * Pure: no timers, no MQTT, no Math.random; the same seed and the same calls give the same messages.
 * Timestamps in payloads are model time unless `stamp` maps model time to device time (at
 * SIM_SPEED > 1 the runner should pass e.g. m => wallStart + (m - modelStart) / speed, because
 * the hub refuses timestamps more than 5 minutes in its future).
 */
import { generateLampInventory, DEFAULT_LAMP_COUNT } from './city/lighting.ts';
import { constructionMessages } from './city/construction.ts';
import { DroneEmulator } from './devices/drone.ts';
import { EnvironmentEmulator, identityStamp, type Msg, type Stamp } from './devices/environment.ts';
import { LightingEmulator } from './devices/lighting.ts';
import { ShorePowerEmulator } from './devices/shorepower.ts';
import { Rng } from './rng.ts';

export type { Msg, Stamp } from './devices/environment.ts';

export interface UtilitiesAndDroneOptions {
  seed: number;
  /** Street lamps to simulate (default 46,000). */
  lampCount?: number;
  /** Model time of the start: anchors the road works' dates and the meta timestamps (default: now). */
  startMs?: number;
  /** Model time -> device timestamp (default identity). */
  stamp?: Stamp;
  /** Multiplies the random fault rates of the lighting (default 1). */
  lightingFaultRateScale?: number;
}

export interface UtilitiesAndDrone {
  meta(): Msg[];
  step(modelTimeMs: number, dtSec: number, input?: { trafficIntensity?: number }): Msg[];
  drone: DroneEmulator;
  lighting: LightingEmulator;
  environment: EnvironmentEmulator;
  shorepower: ShorePowerEmulator;
}

export function createUtilitiesAndDrone(opts: UtilitiesAndDroneOptions): UtilitiesAndDrone {
  const stamp = opts.stamp ?? identityStamp;
  const startMs = opts.startMs ?? Date.now();
  const rng = new Rng(opts.seed);
  const inventory = generateLampInventory({ count: opts.lampCount ?? DEFAULT_LAMP_COUNT, seed: opts.seed });
  const environment = new EnvironmentEmulator({ rng: rng.fork(1), stamp });
  const lighting = new LightingEmulator({
    inventory,
    rng: rng.fork(2),
    stamp,
    ...(opts.lightingFaultRateScale !== undefined ? { faultRateScale: opts.lightingFaultRateScale } : {}),
  });
  const shorepower = new ShorePowerEmulator({ rng: rng.fork(3), stamp });
  const drone = new DroneEmulator({ rng: rng.fork(4), stamp });
  return {
    drone,
    lighting,
    environment,
    shorepower,
    meta() {
      return [
        ...environment.meta(startMs),
        ...lighting.meta(startMs),
        ...shorepower.meta(startMs),
        ...drone.meta(startMs),
        ...constructionMessages(startMs, stamp(startMs)),
      ];
    },
    step(modelTimeMs, dtSec, input = {}) {
      // Environment first: the lamps' light sensors read this step's illuminance.
      const out = environment.step(modelTimeMs, dtSec, input);
      const lux = environment.current().illuminanceLux;
      for (const m of lighting.step(modelTimeMs, dtSec, { illuminanceLux: lux })) out.push(m);
      for (const m of shorepower.step(modelTimeMs, dtSec)) out.push(m);
      for (const m of drone.step(modelTimeMs, dtSec)) out.push(m);
      return out;
    },
  };
}
