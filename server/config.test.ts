import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has defaults that start the product with nothing set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, MQTT_PORT: 1883, DATA_DIR: './data', SIM: true, SIM_SPEED: 1, mqttPortExplicit: false });
    expect(c.MQTT_URL).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', MQTT_URL: 'localhost', SIM: 'maybe', SIM_SPEED: '-1' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      for (const v of ['PORT', 'MQTT_URL', 'SIM', 'SIM_SPEED']) expect(issues).toContain(v);
    }
  });

  it('parses on/off switches and notes an explicit MQTT port', () => {
    const c = loadConfig({ SIM: 'off', MQTT_PORT: '1884', MQTT_URL: 'mqtt://127.0.0.1:1883' });
    expect(c.SIM).toBe(false);
    expect(c.mqttPortExplicit).toBe(true);
    expect(c.MQTT_URL).toBe('mqtt://127.0.0.1:1883');
  });
});
