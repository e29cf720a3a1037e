import { Redis } from 'ioredis';
import { type MetricSource, type Reading, SourceConfigError, SourceError } from './source.ts';
import { redactUrl, requireMs, requireText, requireUrl } from './validate.ts';

export type RedisKeyType = 'list' | 'stream' | 'zset';

/**
 * The length of one Redis key that a service outside Vigil uses as its queue (a bot service's
 * list, a stream with a consumer group, a sorted set of delayed jobs).
 */
export interface RedisLengthConfig {
  kind: 'redis';
  /** `redis://` or `rediss://`, with credentials and database number as ioredis reads them. */
  url: string;
  key: string;
  type: RedisKeyType;
  /** Stream only: count the entries delivered to this consumer group and not yet acknowledged (XPENDING). */
  group?: string;
  /**
   * Sorted set only: count the members whose score lies in [min_score, max_score] (ZCOUNT)
   * instead of all of them (ZCARD). A bound left out is open; `'now'` is the time of the read in
   * UTC ms, so `max_score: 'now'` counts delayed jobs that are due.
   */
  min_score?: number | 'now';
  max_score?: number | 'now';
  /** How long a connection or a command may take before the read fails. Default 5000. */
  timeout_ms?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Reconnects grow to this and stay there: a Redis that comes back is read again within seconds. */
const MAX_RECONNECT_DELAY_MS = 2000;
const TYPES: readonly RedisKeyType[] = ['list', 'stream', 'zset'];
/** What Redis's TYPE answers for each, to name the key's real type in a WRONGTYPE message. */
const REDIS_TYPE_NAME: Record<RedisKeyType, string> = { list: 'list', stream: 'stream', zset: 'sorted set' };

/** Checks `config` and returns a source that reads the key's length; no I/O until the first read. */
export function createRedisLengthSource(
  config: RedisLengthConfig,
  { now = Date.now }: { now?: () => number } = {},
): MetricSource {
  const type = config.type;
  if (!TYPES.includes(type)) {
    throw new SourceConfigError('redis', 'type', `must be one of ${TYPES.join(', ')}, not ${String(type)}`);
  }
  const kind = `redis-${type}`;
  requireUrl(kind, 'url', config.url, ['redis:', 'rediss:']);
  const key = requireText(kind, 'key', config.key);
  const timeoutMs = requireMs(kind, 'timeout_ms', config.timeout_ms, DEFAULT_TIMEOUT_MS);
  const group = config.group === undefined ? undefined : requireText(kind, 'group', config.group);
  if (group !== undefined && type !== 'stream') {
    throw new SourceConfigError(kind, 'group', 'applies to a stream only');
  }
  const bounds = {
    min: checkScore(kind, 'min_score', config.min_score),
    max: checkScore(kind, 'max_score', config.max_score),
  };
  if ((bounds.min !== undefined || bounds.max !== undefined) && type !== 'zset') {
    throw new SourceConfigError(
      kind,
      bounds.min !== undefined ? 'min_score' : 'max_score',
      'applies to a zset only',
    );
  }
  if (typeof bounds.min === 'number' && typeof bounds.max === 'number' && bounds.min > bounds.max) {
    throw new SourceConfigError(kind, 'min_score', `(${bounds.min}) is above max_score (${bounds.max})`);
  }

  const target = redactUrl(config.url);
  const redis = new Redis(config.url, {
    lazyConnect: true,
    // A read while Redis is away fails at once with the reason, rather than waiting in a queue:
    // the tick holds the current count and the next tick reads again.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    connectionName: 'vigil-autoscaler-source',
  });
  // Without a listener ioredis prints every failed reconnect; the last one says why reads fail.
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  let closed = false;

  const fail = (message: string, cause?: unknown) => new SourceError(kind, message, { cause });
  const unreachable = (error: unknown) => {
    const reason = lastError?.message ?? (error as Error).message ?? String(error);
    return fail(`cannot reach Redis at ${target}: ${reason}`, error);
  };

  /** The first connection, which reads made at the same time all wait for. */
  let opening: Promise<void> | null = null;
  async function connected(): Promise<void> {
    if (redis.status === 'wait') {
      opening = redis.connect().finally(() => {
        opening = null;
      });
    }
    if (opening === null) return;
    try {
      await opening;
    } catch (error) {
      // The first attempt failed; ioredis goes on reconnecting in the background.
      throw unreachable(error);
    }
  }

  async function length(at: number): Promise<number> {
    if (type === 'list') return redis.llen(key);
    if (type === 'stream') {
      if (group === undefined) return redis.xlen(key);
      // The summary form: [count, smallest id, greatest id, per-consumer counts].
      const summary = (await redis.xpending(key, group)) as [number | string, ...unknown[]];
      return Number(summary[0]);
    }
    if (bounds.min === undefined && bounds.max === undefined) return redis.zcard(key);
    const score = (bound: number | 'now' | undefined, open: string) =>
      bound === undefined ? open : bound === 'now' ? at : bound;
    return redis.zcount(key, score(bounds.min, '-inf'), score(bounds.max, '+inf'));
  }

  async function explain(error: unknown): Promise<SourceError> {
    const message = (error as Error).message ?? String(error);
    if ((error as Error).name === 'ReplyError') {
      if (message.startsWith('WRONGTYPE')) {
        const actual = await redis.type(key).catch(() => 'another type');
        return fail(
          `key ${JSON.stringify(key)} holds a ${actual}, not a ${REDIS_TYPE_NAME[type]} (${message})`,
          error,
        );
      }
      if (message.startsWith('NOGROUP')) {
        return fail(
          `stream ${JSON.stringify(key)} has no consumer group ${JSON.stringify(group)} (${message})`,
          error,
        );
      }
      return fail(`Redis refused the read of ${JSON.stringify(key)}: ${message}`, error);
    }
    if (/timed? ?out/i.test(message))
      return fail(`no answer from Redis at ${target} within ${timeoutMs} ms`, error);
    return unreachable(error);
  }

  return {
    kind,
    async read(): Promise<Reading> {
      if (closed) throw fail('closed');
      await connected();
      const at = now();
      let value: number;
      try {
        value = await length(at);
      } catch (error) {
        throw await explain(error);
      }
      return { value, at };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (redis.status === 'wait' || redis.status === 'end') return;
      // QUIT lets a reply in flight arrive; a dead connection is cut instead of waited on.
      await Promise.race([
        redis.quit().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      redis.disconnect();
    },
  };
}

function checkScore(kind: string, field: string, value: unknown): number | 'now' | undefined {
  if (value === undefined || value === 'now') return value;
  if (typeof value === 'number' && !Number.isNaN(value)) return value;
  throw new SourceConfigError(kind, field, `must be a number or "now", not ${JSON.stringify(value)}`);
}
