/**
 * The queue: how jobs reach workers. It only dispatches; the job's record (who submitted it,
 * its status, result and verification) is the `jobs` table, which the coordinator's job
 * service keeps and which can rebuild a queue that lost its contents (a Redis restarted
 * without persistence). See docs/design/work-contract.md.
 *
 * Every backend (the in-database one on SQLite and PostgreSQL, the Redis one) passes the
 * same conformance suite, `test/queue/conformance-*.test.ts`. Times are UTC ms and always
 * passed in (`now`), so tests and the coordinator's clock agree.
 */
export interface JobQueue {
  /** For logs and metric labels: `database` or `redis`. */
  readonly backend: 'database' | 'redis';

  /**
   * Adds items. An item whose id is already in the queue (ready, leased or dead) is left as
   * it is and counted in `existing`: enqueueing is idempotent, so a reconciler may re-offer.
   */
  enqueue(items: readonly EnqueueItem[], now: number): Promise<{ added: number; existing: number }>;

  /**
   * Leases up to `max` ready items of one topic whose `availableAt <= now`, oldest
   * `availableAt` first (ties by id). Each claimed item's `attempts` goes up by one and gets a
   * fresh random `token`; the lease ends at `now + leaseMs` unless extended. Two concurrent
   * claims never get the same item.
   */
  claim(request: ClaimRequest): Promise<Lease[]>;

  /** Pushes a lease's end to `now + leaseMs`; false when the token no longer holds the item. */
  extendLease(id: string, token: string, leaseMs: number, now: number): Promise<boolean>;

  /** Removes a leased item for good; false when the token no longer holds it (nothing changes). */
  complete(id: string, token: string): Promise<boolean>;

  /**
   * Ends a lease that failed. With `retryAt` (and attempts left: `attempts < maxAttempts`)
   * the item is ready again from `retryAt`; otherwise it moves to the dead letters.
   * `lost` when the token no longer holds the item (nothing changes).
   */
  fail(id: string, token: string, options: { retryAt: number | null; now: number }): Promise<FailResult>;

  /** Removes an item whatever its state (a cancelled job); false when there was none. */
  remove(id: string): Promise<boolean>;

  /**
   * Leases that ended without complete/fail (their worker died or stalled): each item is
   * ready again at `now` if it has attempts left, else dead. Returns what it did, with the
   * token that expired so the caller can settle that attempt once.
   */
  recoverExpired(now: number, limit?: number): Promise<RecoveredLease[]>;

  /** Which of these ids the queue holds in any state (the reconciler's question). */
  has(ids: readonly string[]): Promise<Set<string>>;

  /** Depth and age per topic; topics with nothing in them may be absent. */
  stats(now: number): Promise<TopicQueueStats[]>;

  /** Dead letters of a topic, newest first. */
  deadLetters(topic: string, limit: number): Promise<DeadLetter[]>;

  /** Releases connections. The queue is unusable afterwards. */
  close(): Promise<void>;
}

export interface EnqueueItem {
  /** The job id; unique across topics. */
  id: string;
  topic: string;
  /** The job's payload as JSON text, handed to the worker as is. */
  payload: string;
  /** Attempts already made (non-zero when a reconciler re-offers a job). */
  attempts: number;
  maxAttempts: number;
  /** Not claimable before this time (a retry's backoff); `now` for at once. */
  availableAt: number;
}

export interface ClaimRequest {
  topic: string;
  /** Who holds the lease, for stats and recovery reports: the worker id. */
  owner: string;
  max: number;
  leaseMs: number;
  now: number;
}

export interface Lease {
  id: string;
  topic: string;
  payload: string;
  /** Including this one: 1 on the first claim. */
  attempts: number;
  maxAttempts: number;
  token: string;
  leaseExpiresAt: number;
  /** When the item was first enqueued. */
  enqueuedAt: number;
}

export type FailResult = { kind: 'retrying'; availableAt: number } | { kind: 'dead' } | { kind: 'lost' };

export interface RecoveredLease {
  id: string;
  topic: string;
  owner: string;
  /** The token of the lease that expired. */
  token: string;
  attempts: number;
  outcome: 'requeued' | 'dead';
}

export interface TopicQueueStats {
  topic: string;
  /** Ready items, claimable now or later (backoff). */
  ready: number;
  /** Of those, claimable now. */
  readyNow: number;
  leased: number;
  dead: number;
  /** Age of the oldest ready item claimable now (`now - availableAt`), 0 when none. */
  oldestReadyAgeMs: number;
}

export interface DeadLetter {
  id: string;
  topic: string;
  attempts: number;
  deadAt: number;
}
