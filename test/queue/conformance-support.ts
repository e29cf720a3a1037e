import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { ClaimRequest, EnqueueItem, JobQueue, Lease } from '../../src/queue/queue.ts';
import { queueBackends } from './queue-backends.ts';

// What every JobQueue backend must do: the conformance suite runs each of its parts against
// every backend (queue-backends.ts). Times are explicit: every call gets its `now`, nothing sleeps.

export const T0 = Date.UTC(2026, 0, 1);
export const LEASE_MS = 30_000;

export function item(id: string, overrides: Partial<EnqueueItem> = {}): EnqueueItem {
  return {
    id,
    topic: 't',
    payload: JSON.stringify({ id }),
    attempts: 0,
    maxAttempts: 3,
    availableAt: T0,
    ...overrides,
  };
}

export function claimOf(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { topic: 't', owner: 'w1', max: 10, leaseMs: LEASE_MS, now: T0, ...overrides };
}

export function ids(rows: readonly { id: string }[]): string[] {
  return rows.map((r) => r.id);
}

/** Enqueues one item and claims it: the lease a worker would hold. */
export type Leased = (
  id: string,
  overrides?: Partial<EnqueueItem>,
  claim?: Partial<ClaimRequest>,
) => Promise<Lease>;

/**
 * Runs `part` once per backend, each test with a fresh queue. `queue` always speaks to the
 * current test's queue, so the suites read as if they held it themselves.
 */
export function describeQueueConformance(
  part: string,
  body: (queue: JobQueue, leased: Leased) => void,
): void {
  for (const backend of queueBackends()) {
    const title = `queue conformance: ${part} [${backend.name}]${backend.skip === null ? '' : ` (skipped: ${backend.skip})`}`;
    describe.skipIf(backend.skip !== null)(title, () => {
      let current: JobQueue;
      let cleanup: () => Promise<void>;
      beforeEach(async () => {
        ({ queue: current, cleanup } = await backend.open());
      });
      afterEach(async () => cleanup());
      const queue = new Proxy({} as JobQueue, {
        get(_, name) {
          const value = current[name as keyof JobQueue];
          return typeof value === 'function' ? value.bind(current) : value;
        },
      });
      const leased: Leased = async (id, overrides = {}, claim = {}) => {
        await queue.enqueue([item(id, overrides)], T0);
        const [lease] = await queue.claim(claimOf({ topic: overrides.topic ?? 't', max: 1, ...claim }));
        expect(lease?.id).toBe(id);
        return lease as Lease;
      };
      body(queue, leased);
    });
  }
}
