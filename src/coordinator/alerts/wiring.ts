import type { Registry } from 'prom-client';
import type { VigilConfig } from '../../config/schema.ts';
import type { Logger } from '../../platform/log.ts';
import type { Store } from '../../store/store.ts';
import type { CollectionSinks } from '../sla/collector.ts';
import { type AlertDispatcher, createAlertDispatcher, type ExtraChannels } from './dispatcher.ts';
import { alertsForCollection } from './events.ts';
import { enqueueAlerts } from './outbox.ts';
import type { FetchLike } from './send.ts';

export interface Alerting {
  /** Writes each collection's alerts to the outbox inside the collection's own transaction. */
  onTransitions: NonNullable<CollectionSinks['onTransitions']>;
  /** Sends the outbox in the background; started and stopped with the coordinator. */
  dispatcher: AlertDispatcher;
}

/**
 * Alert delivery, part of every coordinator: with no webhook and no Alertmanager configured
 * nothing is written and the dispatcher finds nothing to send.
 */
export function createAlerting({
  store,
  config,
  registry,
  log,
  fetch,
  extraChannels,
}: {
  store: Store;
  config: Pick<VigilConfig, 'alerts' | 'sla'>;
  registry: Registry;
  log: Logger;
  /** Where deliveries go; tests pass a fake receiver. */
  fetch?: FetchLike;
  /** Receivers the configuration does not list (capacity alerts' API webhooks and e-mail). */
  extraChannels?: ExtraChannels;
}): Alerting {
  return {
    onTransitions: (trx, applied, now, openBefore) =>
      enqueueAlerts(trx, alertsForCollection(openBefore, applied, now), {
        now,
        config: config.alerts,
        collectionIntervalMs: config.sla.collection_interval_s * 1000,
      }),
    dispatcher: createAlertDispatcher({
      store,
      config: config.alerts,
      log,
      registry,
      ...(fetch === undefined ? {} : { fetch }),
      ...(extraChannels === undefined ? {} : { extraChannels }),
    }),
  };
}
