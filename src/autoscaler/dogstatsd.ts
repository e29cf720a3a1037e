import { StatsD } from 'hot-shots';
import type { AutoscalerConfig } from '../config/autoscaler-schema.ts';
import type { Proposal } from '../core/scaling/types.ts';
import type { Logger } from '../platform/log.ts';

/**
 * Where the autoscaler's readings go besides /metrics: the same series as metrics.ts, pushed
 * per decision, for operators whose dashboards are DataDog's (as the seed's manager sent).
 */
export interface AutoscalerStatsd {
  /** One stored decision: its counts, each policy's proposal, its reason and the tick's lag. */
  decided(decision: {
    target: string;
    tick: string;
    reason: string;
    desired: number;
    actual: number;
    proposals: readonly Proposal[];
    lagMs: number;
  }): void;
  deployerError(labels: { target: string; deployer: string }): void;
  sourceError(labels: { target: string; source: string }): void;
  /** Flushes what is buffered and closes the socket. */
  close(): Promise<void>;
}

export type DogStatsdConfig = NonNullable<AutoscalerConfig['dogstatsd']>;

/**
 * A DogStatsD client over UDP (hot-shots, decision 0079). Sending never throws into a tick: a
 * lost datagram or an agent that is not there is one warning, as UDP metrics are meant to be.
 */
export function createDogStatsd(config: DogStatsdConfig, { log }: { log: Logger }): AutoscalerStatsd {
  let warned = false;
  const client = new StatsD({
    host: config.host,
    port: config.port,
    prefix: config.prefix,
    globalTags: config.tags,
    protocol: 'udp',
    errorHandler: (error) => {
      // One line, not one per datagram: a missing agent would otherwise flood the log.
      if (warned) return;
      warned = true;
      log.warn({ err: error, host: config.host, port: config.port }, 'cannot send to DogStatsD');
    },
  });
  return {
    decided({ target, tick, reason, desired, actual, proposals, lagMs }) {
      client.gauge('desired_replicas', desired, { target });
      client.gauge('actual_replicas', actual, { target });
      // A policy that proposes nothing sends nothing: DogStatsD has no way to remove a series.
      for (const p of proposals)
        if (p.replicas !== null) client.gauge('proposed_replicas', p.replicas, { target, policy: p.policy });
      client.increment('decisions', 1, { target, reason });
      client.timing('tick_lag', lagMs, { target, tick });
    },
    deployerError: (labels) => client.increment('deployer_errors', 1, labels),
    sourceError: (labels) => client.increment('source_errors', 1, labels),
    close: () =>
      new Promise<void>((resolve) => {
        client.close((error) => {
          if (error) log.warn({ err: error }, 'closing the DogStatsD client failed');
          resolve();
        });
      }),
  };
}
