import { Counter, Gauge, Registry, Summary, collectDefaultMetrics } from 'prom-client';

/** One registry per hub instance, so tests can run several hubs in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    messages: new Counter({
      name: 'hub_messages_total',
      help: 'MQTT messages processed, by device kind and result (accepted | rejected)',
      labelNames: ['kind', 'result'] as const,
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'hub_rejected_total',
      help: 'Rejected MQTT messages by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    socketClients: new Gauge({
      name: 'hub_socket_clients',
      help: 'Connected Socket.IO clients',
      registers: [registry],
    }),
    /**
     * Age of a measurement when the hub has fused it: hub time minus the device's tsMs. With
     * synchronised clocks this is the device-to-state latency; a large value also reveals a device
     * clock that is off.
     */
    messageAge: new Summary({
      name: 'hub_message_age_seconds',
      help: 'Hub time at fusion minus device timestamp of accepted measurements',
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 5,
      registers: [registry],
    }),
    storeRows: new Counter({
      name: 'hub_store_rows_total',
      help: 'Rows written to the history store',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
