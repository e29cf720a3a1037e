import { afterEach, beforeEach, expect, it } from 'vitest';
import { createHeartbeatBatcher } from '../../../src/coordinator/ingest/heartbeat-batcher.ts';
import { getNode, registerNode } from '../../../src/store/repositories/nodes.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

const SLICE_MS = 60_000;
const T0 = Date.UTC(2026, 10, 1);

describeEachBackend('heartbeat batcher', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 20; i++) {
        await registerNode(
          trx,
          { node_id: `n${i}`, public_key: null, endpoint: null, operator: null, topics: [], max_parallel: 4 },
          T0,
        );
      }
    });
  });
  afterEach(async () => store.close());

  it('commits concurrent heartbeats in few transactions, keeping the latest status per node', async () => {
    const batcher = createHeartbeatBatcher({ store, sliceMs: SLICE_MS, maxBatch: 64 });
    const submissions: Promise<boolean>[] = [];
    for (let k = 0; k < 10; k++) {
      for (let i = 0; i < 20; i++) {
        submissions.push(
          batcher.submit({
            node_id: `n${i}`,
            at: T0 + k * SLICE_MS,
            busy_slots: k % 4,
            queue_length: k,
            version: `v${k}`,
          }),
        );
      }
    }
    expect(await Promise.all(submissions)).toEqual(submissions.map(() => true));
    const n7 = await getNode(store.db, 'n7');
    expect(n7?.last_heartbeat_at).toBe(T0 + 9 * SLICE_MS);
    expect(n7?.first_heartbeat_at).toBe(T0);
    expect(n7?.queue_length).toBe(9);
    expect(n7?.version).toBe('v9');
    // Ten heartbeats in ten distinct slices: ten bits across the node's rows.
    const rows = await store.db
      .selectFrom('heartbeat_slices')
      .select('mask')
      .where('node_id', '=', 'n7')
      .execute();
    const bits = rows.reduce((sum, r) => sum + r.mask.toString(2).replaceAll('0', '').length, 0);
    expect(bits).toBe(10);
  });

  it('answers false for unregistered nodes without failing the others in the batch', async () => {
    const batcher = createHeartbeatBatcher({ store, sliceMs: SLICE_MS });
    const [ghost, real] = await Promise.all([
      batcher.submit({ node_id: 'ghost', at: T0, busy_slots: 0, queue_length: 0, version: null }),
      batcher.submit({ node_id: 'n1', at: T0, busy_slots: 2, queue_length: 0, version: null }),
    ]);
    expect([ghost, real]).toEqual([false, true]);
    expect(
      await store.db.selectFrom('node_status').select('node_id').where('node_id', '=', 'ghost').execute(),
    ).toEqual([]);
    expect((await getNode(store.db, 'n1'))?.busy_slots).toBe(2);
  });

  it('never lets a delayed heartbeat roll the status back', async () => {
    const batcher = createHeartbeatBatcher({ store, sliceMs: SLICE_MS });
    await batcher.submit({ node_id: 'n2', at: T0 + 5_000, busy_slots: 3, queue_length: 0, version: null });
    await batcher.submit({ node_id: 'n2', at: T0 + 1_000, busy_slots: 1, queue_length: 0, version: null });
    const n2 = await getNode(store.db, 'n2');
    expect(n2?.last_heartbeat_at).toBe(T0 + 5_000);
    expect(n2?.busy_slots).toBe(3);
  });

  it('rejects the waiting requests when the store fails, and works again afterwards', async () => {
    const batcher = createHeartbeatBatcher({ store, sliceMs: SLICE_MS });
    await store.db.schema.alterTable('heartbeat_slices').renameTo('heartbeat_slices_away').execute();
    await expect(
      batcher.submit({ node_id: 'n3', at: T0, busy_slots: 0, queue_length: 0, version: null }),
    ).rejects.toThrow();
    await store.db.schema.alterTable('heartbeat_slices_away').renameTo('heartbeat_slices').execute();
    expect(
      await batcher.submit({ node_id: 'n3', at: T0, busy_slots: 0, queue_length: 0, version: null }),
    ).toBe(true);
  });

  it('fails only the heartbeat the store refused, never its neighbours in the same batch', async () => {
    const batcher = createHeartbeatBatcher({ store, sliceMs: SLICE_MS });
    const beat = (nodeId: string, at: number) =>
      batcher.submit({ node_id: nodeId, at, busy_slots: 1, queue_length: 2, version: 'v1' });
    // Submitted in one turn, so they share a group commit; a NaN time is refused by either store.
    const results = await Promise.allSettled([beat('n1', T0), beat('n2', Number.NaN), beat('n3', T0)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await getNode(store.db, 'n1'))?.busy_slots).toBe(1);
    expect((await getNode(store.db, 'n3'))?.busy_slots).toBe(1);
  });
});
