import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/log.ts';
import type {
  ClaimRequest,
  DeadLetter,
  EnqueueItem,
  FailResult,
  JobQueue,
  Lease,
  RecoveredLease,
  TopicQueueStats,
} from '../queue.ts';
import { connectRedis, type RedisConnection } from './connection.ts';
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
  for (const [name, lua] of Object.entries(QUEUE_SCRIPTS)) {
    connection.redis.defineCommand(name, { lua, numberOfKeys: SCRIPT_KEY_COUNT });
  }
  return new RedisQueue(connection, queueKeys(prefix));
}

/** A flat script reply of `width` fields per row, as rows. */
function rowsOf<T>(reply: unknown, width: number, row: (fields: (string | number)[]) => T): T[] {
  const flat = reply as (string | number)[];
  const rows: T[] = [];
  for (let i = 0; i < flat.length; i += width) rows.push(row(flat.slice(i, i + width)));
  return rows;
}

class RedisQueue implements JobQueue {
  readonly backend = 'redis' as const;
  readonly #connection: RedisConnection;
  readonly #scripts: Record<ScriptName, ScriptCall>;
  readonly #keys: ReturnType<typeof queueKeys>;
  #closed: Promise<void> | undefined;

  constructor(connection: RedisConnection, keys: ReturnType<typeof queueKeys>) {
    this.#connection = connection;
    this.#scripts = connection.redis as unknown as Record<ScriptName, ScriptCall>;
    this.#keys = keys;
  }

  #run(name: ScriptName, ...args: (string | number)[]): Promise<unknown> {
    return this.#scripts[name](this.#keys.leases, this.#keys.topics, this.#keys.base, ...args);
  }

  async enqueue(items: readonly EnqueueItem[], now: number) {
    let added = 0;
    let existing = 0;
    for (const chunk of enqueueChunks(items)) {
      const args: (string | number)[] = [now];
      for (const item of chunk) {
        args.push(item.id, item.topic, item.payload, item.attempts, item.maxAttempts, item.availableAt);
      }
      const [a, e] = (await this.#run('vigilEnqueue', ...args)) as [number, number];
      added += a;
      existing += e;
    }
    return { added, existing };
  }

  async claim({ topic, owner, max, leaseMs, now }: ClaimRequest): Promise<Lease[]> {
    if (max < 1) return [];
    const leaseExpiresAt = now + leaseMs;
    const tokens = Array.from({ length: max }, () => randomUUID());
    const reply = await this.#run('vigilClaim', topic, owner, now, leaseExpiresAt, max, ...tokens);
    return rowsOf(reply, 6, ([id, payload, attempts, maxAttempts, token, enqueuedAt]) => ({
      id: String(id),
      topic,
      payload: String(payload),
      attempts: Number(attempts),
      maxAttempts: Number(maxAttempts),
      token: String(token),
      leaseExpiresAt,
      enqueuedAt: Number(enqueuedAt),
    }));
  }

  async extendLease(id: string, token: string, leaseMs: number, now: number) {
    return (await this.#run('vigilExtendLease', id, token, now + leaseMs)) === 1;
  }

  async complete(id: string, token: string) {
    return (await this.#run('vigilComplete', id, token)) === 1;
  }

  async fail(
    id: string,
    token: string,
    { retryAt, now }: { retryAt: number | null; now: number },
  ): Promise<FailResult> {
    const [kind, availableAt] = (await this.#run('vigilFail', id, token, retryAt ?? '', now)) as [
      string,
      string?,
    ];
    if (kind === 'retrying') return { kind, availableAt: Number(availableAt) };
    if (kind === 'dead') return { kind };
    return { kind: 'lost' };
  }

  async remove(id: string) {
    return (await this.#run('vigilRemove', id)) === 1;
  }

  async recoverExpired(now: number, limit = DEFAULT_RECOVER_LIMIT): Promise<RecoveredLease[]> {
    const reply = await this.#run('vigilRecoverExpired', now, limit);
    return rowsOf(reply, 6, ([id, topic, owner, token, attempts, outcome]) => ({
      id: String(id),
      topic: String(topic),
      owner: String(owner),
      token: String(token),
      attempts: Number(attempts),
      outcome: outcome === 'dead' ? 'dead' : 'requeued',
    }));
  }

  async has(ids: readonly string[]) {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += HAS_CHUNK) {
      const chunk = ids.slice(start, start + HAS_CHUNK);
      const flags = (await this.#run('vigilHas', ...chunk)) as number[];
      chunk.forEach((id, i) => {
        if (flags[i] === 1) found.add(id);
      });
    }
    return found;
  }

  async stats(now: number): Promise<TopicQueueStats[]> {
    const reply = await this.#run('vigilStats', now);
    const stats = rowsOf(reply, 6, ([topic, ready, readyNow, leased, dead, oldest]) => ({
      topic: String(topic),
      ready: Number(ready),
      readyNow: Number(readyNow),
      leased: Number(leased),
      dead: Number(dead),
      oldestReadyAgeMs: Number(oldest),
    }));
    return stats.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  }

  async deadLetters(topic: string, limit: number): Promise<DeadLetter[]> {
    if (limit < 1) return [];
    const reply = await this.#run('vigilDeadLetters', topic, limit);
    return rowsOf(reply, 3, ([id, attempts, deadAt]) => ({
      id: String(id),
      topic,
      attempts: Number(attempts),
      deadAt: Number(deadAt),
    }));
  }

  close(): Promise<void> {
    this.#closed ??= this.#connection.close();
    return this.#closed;
  }
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
