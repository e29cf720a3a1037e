import { Redis } from 'ioredis';
import type { Logger } from '../../platform/log.ts';

/**
 * How long a call may wait for Redis before it fails, in ms. A queue call sits under an HTTP
 * request (a claim, a result), so a stalled Redis must turn into an error the caller can
 * answer or retry, never a request that hangs.
 */
const COMMAND_TIMEOUT_MS = 5000;
const CONNECT_TIMEOUT_MS = 5000;
/** Reconnect delays grow to this and stay there: a restarted Redis is found within a second. */
const MAX_RECONNECT_DELAY_MS = 1000;

export interface RedisConnection {
  readonly redis: Redis;
  close(): Promise<void>;
}

/**
 * Connects to Redis for the queue and watches the server across reconnects. Commands fail at
 * once while the connection is down (no offline queue) and a command in flight when it drops
 * fails instead of being resent: a resent claim or complete could act twice, so the caller
 * decides whether to retry. The client itself reconnects forever.
 *
 * Redis's `run_id` changes whenever the server process restarts; a Redis without persistence
 * has then lost every item. On each reconnect the run id is compared with the one seen first,
 * and `onContentsLost` tells the coordinator to re-offer unfinished jobs from its database.
 */
export async function connectRedis({
  url,
  log,
  onContentsLost,
}: {
  url: string;
  log: Logger;
  onContentsLost: () => void;
}): Promise<RedisConnection> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * attempt, MAX_RECONNECT_DELAY_MS),
    connectionName: 'vigil-queue',
  });
  const target = redactedTarget(url);
  const outages = reportOutages(redis, log, target);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`redis queue: cannot connect to ${target}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  outages.connected = true;
  // Without a run id (INFO refused) every reconnect counts as a restart: re-offering is idempotent.
  const runId = await serverRunId(redis).catch((error: Error) => {
    log.warn(
      { err: error.message },
      'redis queue: cannot read the server run id; every reconnect re-offers jobs',
    );
    return null;
  });
  await warnIfNotAppendOnly(redis, log);
  watchRestarts(redis, { log, target, runId, outages, onContentsLost });

  return {
    redis,
    async close() {
      outages.connected = false;
      // QUIT lets replies in flight arrive; a dead connection is cut instead of waited on.
      await Promise.race([redis.quit().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
      redis.disconnect();
    },
  };
}

/** Logs one warning per outage, not one per failed reconnect; `connected` is set once up. */
function reportOutages(redis: Redis, log: Logger, target: string) {
  const state = { connected: false, reportedDown: false };
  redis.on('error', (error: Error) => {
    if (!state.connected) return;
    if (!state.reportedDown) log.warn({ err: error.message, redis: target }, 'redis queue: connection lost');
    state.reportedDown = true;
  });
  return state;
}

/**
 * At every reconnect, compares the server's run id with the last one seen: a changed one means
 * the server restarted, and a Redis without persistence lost every item.
 */
function watchRestarts(
  redis: Redis,
  {
    log,
    target,
    runId: firstRunId,
    outages,
    onContentsLost,
  }: {
    log: Logger;
    target: string;
    runId: string | null;
    outages: { reportedDown: boolean };
    onContentsLost: () => void;
  },
): void {
  let runId = firstRunId;
  redis.on('ready', () => {
    if (outages.reportedDown) log.info({ redis: target }, 'redis queue: reconnected');
    outages.reportedDown = false;
    serverRunId(redis).then(
      (current) => {
        if (current === runId) return;
        const previous = runId;
        runId = current;
        log.warn(
          { redis: target, previous_run_id: previous, run_id: current },
          'redis queue: the Redis server restarted; unfinished jobs are re-offered from the database',
        );
        onContentsLost();
      },
      (error: Error) => {
        // Usually the connection dropped again before the check, and the next ready compares
        // again; if INFO itself is refused, assume the worst.
        log.debug({ err: error.message }, 'redis queue: run id check failed');
        if (runId === null && redis.status === 'ready') onContentsLost();
      },
    );
  });
}

async function serverRunId(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  const runId = /^run_id:(\S+)/m.exec(info)?.[1];
  if (runId === undefined) throw new Error('INFO server has no run_id');
  return runId;
}

/**
 * Without an append-only file a Redis restart loses what was written since its last snapshot
 * (or everything, without snapshots). That is a supported set-up, so it is said once at info.
 * Managed Redis often refuses CONFIG; then nothing is said.
 */
async function warnIfNotAppendOnly(redis: Redis, log: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'appendonly')) as unknown;
    const value = Array.isArray(reply) ? reply[1] : (reply as Record<string, string> | null)?.['appendonly'];
    if (value === 'no') {
      log.info(
        {},
        'redis queue: Redis keeps the queue in memory only (appendonly no); after a Redis restart Vigil re-offers unfinished jobs from its database',
      );
    }
  } catch {
    // CONFIG disabled or not permitted.
  }
}

/** The URL without its password, for logs. */
function redactedTarget(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
