import { describe, expect, it } from 'vitest';
import {
  createMetricSource,
  createTickSource,
  type MetricSourceConfig,
  SourceConfigError,
  type TickSourceConfig,
} from '../../../src/autoscaler/sources/index.ts';

describe('source factories', () => {
  it('build each source by its kind and refuse an unknown one', async () => {
    const interval = createTickSource({ kind: 'interval', interval_ms: 1000 });
    expect(interval.kind).toBe('interval');
    await interval.stop();
    expect(createTickSource({ kind: 'block', http_url: 'http://127.0.0.1:8545' }).kind).toBe('block');
    const redis = createMetricSource({
      kind: 'redis',
      url: 'redis://127.0.0.1:6379',
      key: 'q',
      type: 'zset',
    });
    expect(redis.kind).toBe('redis-zset');
    await redis.close();
    expect(createMetricSource({ kind: 'prometheus', url: 'http://127.0.0.1:9090', query: 'up' }).kind).toBe(
      'prometheus',
    );
    expect(() => createMetricSource({ kind: 'topic' } as unknown as MetricSourceConfig)).toThrow(
      'metric source: kind must be redis or prometheus, not topic',
    );
    expect(() => createTickSource({ kind: 'queue' } as unknown as TickSourceConfig)).toThrow(
      SourceConfigError,
    );
  });
});
