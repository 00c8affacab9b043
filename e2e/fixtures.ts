/**
 * Field devices the e2e tests play themselves, over the hub's real MQTT broker.
 */
import mqtt from 'mqtt';
import { lightingTopics } from '../protocol/index.ts';

/**
 * A street-lighting cabinet of the test's own that announces itself and reports a supply failure:
 * the hub raises one new high-priority alarm `cabinet:{id}|fault` at once.
 */
export async function raiseCabinetFault(mqttPort: number, cabinetId: string): Promise<string> {
  const dev = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { clientId: `e2e-${cabinetId}` });
  const now = Date.now();
  await dev.publishAsync(
    lightingTopics.cabinetMeta(cabinetId),
    JSON.stringify({ id: cabinetId, district: 'Mitte', lon: 6.7712, lat: 51.4331, lamps: [{ id: `${cabinetId}-L1`, lon: 6.7713, lat: 51.4332, powerNominalW: 60, lampTechnology: 'LED' }], tsMs: now }),
    { qos: 1, retain: true },
  );
  await dev.publishAsync(
    lightingTopics.cabinetState(cabinetId),
    JSON.stringify({ tsMs: now + 1, powerState: 'off', energyKWh: 12.5, activePowerW: 0, commsOk: true, fault: 'supplyFailure' }),
    { qos: 1 },
  );
  await dev.endAsync();
  return `cabinet:${cabinetId}|fault`;
}
