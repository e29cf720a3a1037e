import { afterEach, beforeEach, expect, it } from 'vitest';
import { createInterimBatcher } from '../../../src/coordinator/epochs/interim-batcher.ts';
import type { PeerProbeSummary } from '../../../src/store/repositories/peer-slices.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

const MIN = 60_000;
const T0 = Math.floor(Date.UTC(2026, 10, 1) / (32 * MIN)) * 32 * MIN;

const summary = (monitor: string, targets: string[], at = T0, v: 0 | 1 = 1): PeerProbeSummary => ({
  monitor,
  sliceMs: MIN,
  probeIntervalMs: 5 * MIN,
  targets: targets.map((target) => ({ target, probes: [[at, v]] })),
});

describeEachBackend('interim batcher', (backend) => {
  let store: Store;
  let transactions: number;
  beforeEach(async () => {
    store = await backend.open();
    transactions = 0;
    const exclusive = store.exclusive.bind(store);
    store.exclusive = (name, fn) => {
      transactions++;
      return exclusive(name, fn);
    };
  });
  afterEach(async () => store.close());

  it('records summaries that arrive together in one transaction, each answered with its own count', async () => {
    const batcher = createInterimBatcher({ store });
    const monitors = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const counts = await Promise.all(
      monitors.map((m, i) =>
        batcher.submit(summary(m, ['a', 'b', 'c'].slice(0, 1 + (i % 3)), T0, i % 4 === 0 ? 0 : 1)),
      ),
    );
    expect(counts).toEqual(monitors.map((_, i) => 1 + (i % 3)));
    expect(transactions).toBe(1);
    const votes = await store.db.selectFrom('peer_slices').select('monitor_id').execute();
    expect(votes).toHaveLength(counts.reduce((a, b) => a + b, 0));
    // Node a: 15 up votes against 5 down, so its verdict is up.
    const a = await store.db
      .selectFrom('peer_verdict_slices')
      .select('mask')
      .where('node_id', '=', 'a')
      .executeTakeFirstOrThrow();
    expect(a.mask).toBe(0b11111);
  });

  it('keeps batches apart by size, and a summary the store refuses fails alone', async () => {
    const batcher = createInterimBatcher({ store, maxBatch: 4 });
    const good = Array.from({ length: 10 }, (_, i) => batcher.submit(summary(`m${i}`, ['a'])));
    const bad = batcher.submit({ ...summary('bad', ['a']), targets: [{ target: 'a', probes: [[-1, 1]] }] });
    await expect(bad).rejects.toThrow(RangeError);
    expect(await Promise.all(good)).toEqual(Array(10).fill(1));
    await batcher.drain();
    const votes = await store.db.selectFrom('peer_slices').select('monitor_id').execute();
    expect(votes.map((v) => v.monitor_id).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i}`).sort(),
    );
  });
});
