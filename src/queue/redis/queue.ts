import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/log.ts';
import type {
  DeadLetter,
  EnqueueItem,
  FailResult,
  JobQueue,
  Lease,
  RecoveredLease,
  TopicQueueStats,
} from '../queue.ts';
import { connectRedis } from './connection.ts';
import { queueKeys } from './keys.ts';
import { QUEUE_SCRIPTS, SCRIPT_KEY_COUNT, type ScriptName } from './scripts.ts';

/**
 * Items and payload characters per enqueue script: a large re-offer is split so that no single
 * script holds Redis long and no single call comes near the command timeout.
 */
const ENQUEUE_CHUNK_ITEMS = 500;
const ENQUEUE_CHUNK_CHARS = 1 << 20;
/** Ids per `has` script, for the same reason. */
const HAS_CHUNK = 1000;
const DEFAULT_RECOVER_LIMIT = 1000;

type ScriptCall = (...args: (string | number)[]) => Promise<unknown>;

/**
 * The Redis queue backend: every operation one Lua script (atomic, one round trip), keys under
 * `<prefix>:{<prefix>}:` (see keys.ts). Connection failures are thrown from the call that met
 * them; `onContentsLost` is called when the Redis server restarted (see connection.ts).
 */
export async function createRedisQueue({
  url,
  prefix,
  log,
  onContentsLost = () => {},
}: {
  url: string;
  prefix: string;
  log: Logger;
  onContentsLost?: () => void;
}): Promise<JobQueue> {
  const connection = await connectRedis({ url, log, onContentsLost });
  const { redis } = connection;
  for (const [name, lua] of Object.entries(QUEUE_SCRIPTS)) {
    redis.defineCommand(name, { lua, numberOfKeys: SCRIPT_KEY_COUNT });
  }
  const keys = queueKeys(prefix);
  const scripts = redis as unknown as Record<ScriptName, ScriptCall>;
  const run = (name: ScriptName, ...args: (string | number)[]): Promise<unknown> =>
    scripts[name](keys.leases, keys.topics, keys.base, ...args);
  let closed: Promise<void> | undefined;

  return {
    backend: 'redis',

    async enqueue(items: readonly EnqueueItem[], now: number) {
      let added = 0;
      let existing = 0;
      for (const chunk of enqueueChunks(items)) {
        const args: (string | number)[] = [now];
        for (const item of chunk) {
          args.push(item.id, item.topic, item.payload, item.attempts, item.maxAttempts, item.availableAt);
        }
        const [a, e] = (await run('vigilEnqueue', ...args)) as [number, number];
        added += a;
        existing += e;
      }
      return { added, existing };
    },

    async claim({ topic, owner, max, leaseMs, now }) {
      if (max < 1) return [];
      const leaseExpiresAt = now + leaseMs;
      const tokens = Array.from({ length: max }, () => randomUUID());
      const reply = (await run('vigilClaim', topic, owner, now, leaseExpiresAt, max, ...tokens)) as (
        | string
        | number
      )[];
      const leases: Lease[] = [];
      for (let i = 0; i < reply.length; i += 6) {
        leases.push({
          id: String(reply[i]),
          topic,
          payload: String(reply[i + 1]),
          attempts: Number(reply[i + 2]),
          maxAttempts: Number(reply[i + 3]),
          token: String(reply[i + 4]),
          leaseExpiresAt,
          enqueuedAt: Number(reply[i + 5]),
        });
      }
      return leases;
    },

    async extendLease(id, token, leaseMs, now) {
      return (await run('vigilExtendLease', id, token, now + leaseMs)) === 1;
    },

    async complete(id, token) {
      return (await run('vigilComplete', id, token)) === 1;
    },

    async fail(id, token, { retryAt, now }): Promise<FailResult> {
      const [kind, availableAt] = (await run('vigilFail', id, token, retryAt ?? '', now)) as [
        string,
        string?,
      ];
      if (kind === 'retrying') return { kind, availableAt: Number(availableAt) };
      if (kind === 'dead') return { kind };
      return { kind: 'lost' };
    },

    async remove(id) {
      return (await run('vigilRemove', id)) === 1;
    },

    async recoverExpired(now, limit = DEFAULT_RECOVER_LIMIT) {
      const reply = (await run('vigilRecoverExpired', now, limit)) as (string | number)[];
      const recovered: RecoveredLease[] = [];
      for (let i = 0; i < reply.length; i += 6) {
        recovered.push({
          id: String(reply[i]),
          topic: String(reply[i + 1]),
          owner: String(reply[i + 2]),
          token: String(reply[i + 3]),
          attempts: Number(reply[i + 4]),
          outcome: reply[i + 5] === 'dead' ? 'dead' : 'requeued',
        });
      }
      return recovered;
    },

    async has(ids) {
      const found = new Set<string>();
      for (let start = 0; start < ids.length; start += HAS_CHUNK) {
        const chunk = ids.slice(start, start + HAS_CHUNK);
        const flags = (await run('vigilHas', ...chunk)) as number[];
        chunk.forEach((id, i) => {
          if (flags[i] === 1) found.add(id);
        });
      }
      return found;
    },

    async stats(now) {
      const reply = (await run('vigilStats', now)) as (string | number)[];
      const stats: TopicQueueStats[] = [];
      for (let i = 0; i < reply.length; i += 6) {
        stats.push({
          topic: String(reply[i]),
          ready: Number(reply[i + 1]),
          readyNow: Number(reply[i + 2]),
          leased: Number(reply[i + 3]),
          dead: Number(reply[i + 4]),
          oldestReadyAgeMs: Number(reply[i + 5]),
        });
      }
      return stats.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    },

    async deadLetters(topic, limit) {
      if (limit < 1) return [];
      const reply = (await run('vigilDeadLetters', topic, limit)) as (string | number)[];
      const letters: DeadLetter[] = [];
      for (let i = 0; i < reply.length; i += 3) {
        letters.push({
          id: String(reply[i]),
          topic,
          attempts: Number(reply[i + 1]),
          deadAt: Number(reply[i + 2]),
        });
      }
      return letters;
    },

    close() {
      closed ??= connection.close();
      return closed;
    },
  };
}

function* enqueueChunks(items: readonly EnqueueItem[]): Generator<EnqueueItem[]> {
  let chunk: EnqueueItem[] = [];
  let chars = 0;
  for (const item of items) {
    if (
      chunk.length === ENQUEUE_CHUNK_ITEMS ||
      (chunk.length > 0 && chars + item.payload.length > ENQUEUE_CHUNK_CHARS)
    ) {
      yield chunk;
      chunk = [];
      chars = 0;
    }
    chunk.push(item);
    chars += item.payload.length;
  }
  if (chunk.length > 0) yield chunk;
}
