import type { Registry } from 'prom-client';
import type { VigilConfig } from '../../config/schema.ts';
import type { CapacityReading } from '../../core/sla/capacity.ts';
import type { Logger } from '../../platform/log.ts';
import type { Store } from '../../store/store.ts';
import type { ExtraChannels } from '../alerts/dispatcher.ts';
import type { FetchLike } from '../alerts/send.ts';
import { createSmtpSend } from '../alerts/smtp.ts';
import type { Schedule } from '../scheduler.ts';
import type { CollectionSinks, SnapshotPlan } from '../sla/collector.ts';
import { capacityChannels } from './alert-channels.ts';
import { createCapacityAlertEvaluation, type ForecastCrossingProvider } from './alert-evaluation.ts';
import { registerCapacityAlertMetrics } from './alert-metrics.ts';
import type { CapacityAlertSettingsDeps } from './alert-settings.ts';
import { createForecastThread } from './forecast-thread.ts';
import { type CapacityForecasts, createCapacityForecasts, forecastWarming } from './forecasts.ts';
import { type CapacitySamplingDeps, capacitySampling } from './sampler.ts';
import { fleetForecastCrossing, snapshotPlan } from './scope-view.ts';

/** Capacity planning's parts, as the coordinator's other features meet them. */
export interface CapacityPlanning {
  forecasts: CapacityForecasts;
  /** What capacity alerts need of the configuration, for their routes too. */
  alertSettings: CapacityAlertSettingsDeps;
  /** The alert dispatcher's receivers for the API's webhooks and the e-mail address. */
  extraChannels: ExtraChannels;
  /** The SLA collection's capacity alert evaluation. */
  prepareCapacity: NonNullable<CollectionSinks['prepareCapacity']>;
  /** The snapshot columns a collection writes from the fleet's latest forecast. */
  plan: (reading: CapacityReading) => SnapshotPlan | null;
}

/**
 * The forecasts (their thread made on the first forecast), the capacity alerts' evaluation and
 * channels, and the snapshots' forecast columns: one place that knows how they fit together.
 */
export function createCapacityPlanning({
  store,
  config,
  log,
  now,
  registry,
  alertFetch,
  forecastCrossing,
}: {
  store: Store;
  config: Pick<VigilConfig, 'capacity' | 'alerts' | 'sla'>;
  log: Logger;
  now: () => number;
  registry: Registry;
  alertFetch: FetchLike | undefined;
  /** Tests pass their own; the fleet's own forecast otherwise. */
  forecastCrossing: ForecastCrossingProvider | undefined;
}): CapacityPlanning {
  const alertSettings = { configThresholdPct: config.capacity.alert_threshold_pct, smtp: config.alerts.smtp };
  const mail = createSmtpSend(config.alerts.smtp);
  const forecasts = createCapacityForecasts({
    store,
    settings: config.capacity,
    runner: createForecastThread(),
    now,
    log: log.child({ component: 'capacity' }),
    registry,
  });
  registerCapacityAlertMetrics(registry, store.db);
  const evaluation = createCapacityAlertEvaluation({
    db: store.db,
    settings: alertSettings,
    delivery: { alerts: config.alerts, mail, collectionIntervalMs: config.sla.collection_interval_s * 1000 },
    log: log.child({ component: 'alerts' }),
    forecastCrossing: forecastCrossing ?? fleetForecastCrossing(forecasts, store, config.capacity),
  });
  return {
    forecasts,
    alertSettings,
    extraChannels: capacityChannels({
      db: store.db,
      alerts: config.alerts,
      mail,
      settings: alertSettings,
      fetch: alertFetch ?? globalThis.fetch,
    }),
    prepareCapacity: (reading, at) => evaluation.prepare(reading, at),
    plan: (reading) =>
      snapshotPlan(forecasts.latest('fleet'), reading, { now: now(), settings: config.capacity }),
  };
}

/** Capacity's schedules: the series sampled, and forecasts made ahead of requests. */
export function capacitySchedules(
  {
    store,
    config,
    now,
    queue,
  }: {
    store: Store;
    config: Pick<VigilConfig, 'capacity' | 'sla'>;
    now: () => number;
    queue: CapacitySamplingDeps['queue'];
  },
  forecasts: CapacityForecasts,
): Schedule[] {
  return [
    capacitySampling({
      store,
      queue,
      now,
      intervalS: config.capacity.interval_s,
      sampleIntervalS: config.capacity.sample_interval_s,
      livenessTimeoutS: config.sla.liveness_timeout_s,
    }),
    forecastWarming(forecasts, config.capacity),
  ];
}
