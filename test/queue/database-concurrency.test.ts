import { setTimeout } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabaseQueue } from '../../src/queue/database/queue.ts';
import type { EnqueueItem, JobQueue } from '../../src/queue/queue.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { backends, PG_URL } from '../helpers/backends.ts';

/**
 * PostgreSQL specifics of the in-database queue: two coordinators (two stores, two pools)
 * on one table. Row locks with SKIP LOCKED must keep them from sharing or waiting on items.
 */
const T0 = Date.UTC(2026, 0, 1);
const postgres = backends.find((b) => b.name === 'postgres');

function item(id: string): EnqueueItem {
  return { id, topic: 't', payload: '{}', attempts: 0, maxAttempts: 3, availableAt: T0 };
}

function idsOf(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `j${String(i).padStart(4, '0')}`);
}

const title = 'database queue: two coordinators on one PostgreSQL table';
if (postgres === undefined)
  describe.skip(`${title} (skipped: PostgreSQL unreachable at ${PG_URL})`, () => {});
else {
  describe(title, () => {
    let stores: Store[];
    let queues: JobQueue[];
    let dropSchema: () => Promise<void>;
    beforeEach(async () => {
      const { databaseUrl, cleanup } = await postgres.url();
      dropSchema = cleanup;
      stores = [openStore({ databaseUrl, maxConnections: 4 }), openStore({ databaseUrl, maxConnections: 4 })];
      await stores[0]!.migrate();
      queues = stores.map(createDatabaseQueue);
    });
    afterEach(async () => {
      for (const store of stores) await store.close();
      await dropSchema();
    });

    it('never hands one item to both, with many claimers on each', async () => {
      const all = idsOf(1_000);
      await queues[0]!.enqueue(all.map(item), T0);
      const claimed: string[] = [];
      async function claimer(queue: JobQueue, owner: string): Promise<void> {
        for (;;) {
          const leases = await queue.claim({ topic: 't', owner, max: 20, leaseMs: 1_000, now: T0 });
          if (leases.length === 0) return;
          claimed.push(...leases.map((l) => l.id));
        }
      }
      await Promise.all(
        queues.flatMap((queue, q) => Array.from({ length: 4 }, (_, i) => claimer(queue, `c${q}-w${i}`))),
      );
      expect(claimed).toHaveLength(all.length);
      expect([...claimed].sort()).toEqual(all);
    });

    it('never reports one expired lease from both recoveries', async () => {
      const all = idsOf(600);
      await queues[0]!.enqueue(all.map(item), T0);
      for (;;) {
        const leases = await queues[1]!.claim({ topic: 't', owner: 'w', max: 100, leaseMs: 1_000, now: T0 });
        if (leases.length === 0) break;
      }
      const recovered: string[] = [];
      async function recoverer(queue: JobQueue): Promise<void> {
        for (;;) {
          const batch = await queue.recoverExpired(T0 + 2_000, 50);
          if (batch.length === 0) return;
          recovered.push(...batch.map((r) => r.id));
        }
      }
      await Promise.all([...queues, ...queues].map(recoverer));
      expect([...recovered].sort()).toEqual(all);
    });

    it('skips the rows another transaction holds instead of waiting for them', {
      timeout: 10_000,
    }, async () => {
      await queues[0]!.enqueue(idsOf(30).map(item), T0);
      let locked!: (ids: string[]) => void;
      const lockedIds = new Promise<string[]>((resolve) => {
        locked = resolve;
      });
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      // Another coordinator's claim, stopped between its pick and its commit.
      const holder = stores[0]!.db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('queue_items')
          .select('id')
          .orderBy('available_at')
          .orderBy('id')
          .limit(10)
          .forUpdate()
          .execute();
        locked(rows.map((r) => r.id));
        await released;
      });
      try {
        const held = await lockedIds;
        const claim = queues[1]!.claim({ topic: 't', owner: 'w', max: 100, leaseMs: 1_000, now: T0 });
        // A claim that waited for the held rows would only return after the release below.
        const leases = await Promise.race([
          claim,
          setTimeout(5_000, 'still waiting for the held rows' as const),
        ]);
        expect(leases).not.toBe('still waiting for the held rows');
        if (typeof leases === 'string') return;
        expect(leases).toHaveLength(20);
        expect(leases.filter((l) => held.includes(l.id))).toEqual([]);
      } finally {
        release();
        await holder;
      }
      const rest = await queues[1]!.claim({ topic: 't', owner: 'w', max: 100, leaseMs: 1_000, now: T0 });
      expect(rest).toHaveLength(10);
    });
  });
}
