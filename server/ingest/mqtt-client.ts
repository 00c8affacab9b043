/**
 * The hub's MQTT connection. MQTT.js reconnects by itself; on every (re)connect we subscribe
 * again, which also makes the broker resend retained state ([MQTT-3.3.1-6]: retained messages are
 * sent on a new subscription), so a broker restart needs no restart of the hub.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { HUB_SUBSCRIPTIONS } from '../../protocol/index.ts';
import type { Logger } from '../log.ts';

export interface HubMqtt {
  client: MqttClient;
  readonly connected: boolean;
  close(): Promise<void>;
}

export function connectHubMqtt(
  url: string,
  log: Logger,
  onMessage: (topic: string, payload: Buffer) => void,
  clientId = `hub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
): HubMqtt {
  const client = mqtt.connect(url, {
    clientId,
    // Clean session: retained state is re-read on subscribe; a persistent session would replay a
    // backlog of stale measurements after an outage.
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    keepalive: 15,
  });
  client.on('connect', () => {
    log.info({ url }, 'MQTT connected');
    client.subscribe([...HUB_SUBSCRIPTIONS], { qos: 0 }, (err) => {
      if (err) log.error({ err }, 'MQTT subscribe failed');
    });
  });
  client.on('reconnect', () => log.debug({ url }, 'MQTT reconnecting'));
  client.on('offline', () => log.warn({ url }, 'MQTT offline'));
  client.on('error', (err) => log.warn({ err: err.message }, 'MQTT error'));
  client.on('message', onMessage);
  return {
    client,
    get connected() {
      return client.connected;
    },
    close: () => client.endAsync(true).then(() => undefined),
  };
}
