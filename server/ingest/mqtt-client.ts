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
  /**
   * Subscribes again to what it has: the broker replaces the subscriptions and resends every
   * retained message ([MQTT-3.8.4-3]) — how a hub re-reads device metas it did not keep.
   */
  resubscribe(): void;
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
    resubscribe() {
      if (!client.connected) return; // the next connect subscribes anyway
      // The object form with `resubscribe` makes MQTT.js send it although it is subscribed already.
      const topics = Object.fromEntries(HUB_SUBSCRIPTIONS.map((t) => [t, { qos: 0 as const }]));
      client.subscribe({ ...topics, resubscribe: true } as unknown as Record<string, { qos: 0 }>, (err) => {
        if (err) log.error({ err }, 'MQTT resubscribe failed');
      });
    },
    close: () => client.endAsync(true).then(() => undefined),
  };
}
