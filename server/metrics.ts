import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

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
    storeRows: new Counter({
      name: 'hub_store_rows_total',
      help: 'Rows written to the history store',
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
