import type { Logger } from '../../platform/log.ts';
import { type BlockTickConfig, createBlockTickSource } from './block.ts';
import { createIntervalTickSource, type IntervalTickConfig } from './interval.ts';
import { createPrometheusQuerySource, type PrometheusQueryConfig } from './prometheus-query.ts';
import { createRedisLengthSource, type RedisLengthConfig } from './redis-length.ts';
import { type MetricSource, SourceConfigError, type TickSource } from './source.ts';

export type { BlockTickConfig } from './block.ts';
export type { IntervalTickConfig } from './interval.ts';
export type { PrometheusQueryConfig } from './prometheus-query.ts';
export type { RedisLengthConfig } from './redis-length.ts';
export * from './source.ts';

/** A metric source's configuration, told apart by `kind`. */
export type MetricSourceConfig = RedisLengthConfig | PrometheusQueryConfig;
/** A tick source's configuration, told apart by `kind`. */
export type TickSourceConfig = IntervalTickConfig | BlockTickConfig;

/** Builds the metric source `config` names, so the tick loop never branches on a kind. */
export function createMetricSource(config: MetricSourceConfig): MetricSource {
  switch (config.kind) {
    case 'redis':
      return createRedisLengthSource(config);
    case 'prometheus':
      return createPrometheusQuerySource(config);
    default:
      throw new SourceConfigError(
        'metric',
        'kind',
        `must be redis or prometheus, not ${String((config as { kind: unknown }).kind)}`,
      );
  }
}

/** Builds the tick source `config` names. */
export function createTickSource(config: TickSourceConfig, { log }: { log?: Logger } = {}): TickSource {
  switch (config.kind) {
    case 'interval':
      return createIntervalTickSource(config, { log });
    case 'block':
      return createBlockTickSource(config, { log });
    default:
      throw new SourceConfigError(
        'tick',
        'kind',
        `must be interval or block, not ${String((config as { kind: unknown }).kind)}`,
      );
  }
}
