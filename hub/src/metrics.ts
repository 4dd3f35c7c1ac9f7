import client from 'prom-client';

/** Prometheus metrics, served at `/metrics`. One registry per hub so tests can run several. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    refused: new client.Counter({
      name: 'shopwatch_refused_total',
      help: 'Messages refused, by channel and error code',
      labelNames: ['channel', 'code'],
      registers: [registry],
    }),
    inbound: new client.Counter({
      name: 'shopwatch_mqtt_inbound_total',
      help: 'Device messages accepted, by topic kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    alertEvents: new client.Counter({
      name: 'shopwatch_alert_events_total',
      help: 'Alert events stored and fanned out',
      labelNames: ['event'],
      registers: [registry],
    }),
    http: new client.Histogram({
      name: 'shopwatch_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2],
      registers: [registry],
    }),
    gauge: (name: string, help: string, collect: () => number) =>
      new client.Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(collect());
        },
      }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
