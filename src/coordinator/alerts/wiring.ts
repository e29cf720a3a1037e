import type { Registry } from 'prom-client';
import type { VigilConfig } from '../../config/schema.ts';
import type { Logger } from '../../platform/log.ts';
import type { Store } from '../../store/store.ts';
import type { CoordinatorExtensions } from '../server.ts';
import { alertsForCollection, createAlertDispatcher, enqueueAlerts } from './index.ts';

/**
 * Plugs alert delivery into a coordinator: each collection writes its alerts to the outbox
 * in its own transaction, and the dispatcher sends them in the background.
 */
export function alertExtensions(config: VigilConfig, log: Logger) {
  return (store: Store, registry: Registry): CoordinatorExtensions => ({
    sinks: {
      onTransitions: (trx, applied, now, openBefore) =>
        enqueueAlerts(trx, alertsForCollection(openBefore, applied, now), {
          now,
          config: config.alerts,
          collectionIntervalMs: config.sla.collection_interval_s * 1000,
        }),
    },
    services: [
      createAlertDispatcher({
        store,
        config: config.alerts,
        log: log.child({ component: 'alerts' }),
        registry,
      }),
    ],
  });
}
