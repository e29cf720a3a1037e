import { Counter, type Registry } from 'prom-client';

export type DeliveryResult = 'delivered' | 'retried' | 'failed';

export interface DeliveryMetrics {
  record(channel: string, result: DeliveryResult): void;
}

const NAME = 'vigil_alert_deliveries_total';

/**
 * `vigil_alert_deliveries_total{channel,result}` on the registry passed in (none: nothing
 * is recorded). A second dispatcher on the same registry shares the counter rather than
 * failing on a duplicate name.
 */
export function deliveryMetrics(registry?: Registry): DeliveryMetrics {
  if (registry === undefined) return { record() {} };
  const existing = registry.getSingleMetric(NAME) as Counter<'channel' | 'result'> | undefined;
  const counter =
    existing ??
    new Counter({
      name: NAME,
      help: 'Alert delivery attempts by channel and result (delivered, retried, failed).',
      labelNames: ['channel', 'result'] as const,
      registers: [registry],
    });
  return {
    record(channel, result) {
      counter.inc({ channel, result });
    },
  };
}
