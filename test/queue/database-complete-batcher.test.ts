import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDatabaseQueue } from '../../src/queue/database/queue.ts';
import type { JobQueue } from '../../src/queue/queue.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

/** The in-database queue gathers concurrent complete() calls into shared DELETEs. */
const T0 = Date.UTC(2026, 0, 1);

describeEachBackend('database queue: batched completions', (backend) => {
  let store: Store;
  let queue: JobQueue;
  beforeEach(async () => {
    store = await backend.open();
    queue = createDatabaseQueue(store);
  });
  afterEach(async () => store.close());

  async function claimAll(count: number) {
    const items = Array.from({ length: count }, (_, i) => ({
      id: `j${String(i).padStart(5, '0')}`,
      topic: 't',
      payload: '{}',
      attempts: 0,
      maxAttempts: 3,
      availableAt: T0,
    }));
    await queue.enqueue(items, T0);
    return queue.claim({ topic: 't', owner: 'w', max: count, leaseMs: 1_000, now: T0 });
  }

  it('settles more completions than one statement carries, each once', async () => {
    const leases = await claimAll(1_200);
    const first = await Promise.all(leases.map((l) => queue.complete(l.id, l.token)));
    expect(first.every(Boolean)).toBe(true);
    const again = await Promise.all(leases.map((l) => queue.complete(l.id, l.token)));
    expect(again.some(Boolean)).toBe(false);
    expect(await queue.stats(T0)).toEqual([]);
  });

  it('lets one of many repeats of a lease win, whichever statement carries them', async () => {
    const [lease] = await claimAll(1);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => queue.complete(lease!.id, lease!.token)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('rejects the calls whose statement failed instead of leaving them waiting', async () => {
    const leases = await claimAll(3);
    await store.db.schema.dropTable('queue_items').execute();
    const results = await Promise.allSettled(leases.map((l) => queue.complete(l.id, l.token)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});
