import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  advanceWatermark,
  claimDelivery,
  deletePendingDeliveries,
  dueDeliveries,
  enqueueDeliveries,
  listDeliveries,
  pendingDeliveries,
  readWatermark,
  settleDelivery,
} from '../../src/store/repositories/outbox.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 10, 1);

describeEachBackend('outbox and watermarks', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  it('keeps streams apart and hands each due row to one dispatcher only', async () => {
    await enqueueDeliveries(store.db, 'alerts', [{ channel: 'hook', payload: '{"n":1}' }], T0);
    await enqueueDeliveries(store.db, 'billing', [{ channel: 'ledger', payload: '{"n":2}' }], T0);
    const due = await dueDeliveries(store.db, 'alerts', T0, 10);
    expect(due.map((r) => r.payload)).toEqual(['{"n":1}']);
    const [row] = due;
    if (row === undefined) throw new Error('no due row');
    const [first, second] = await Promise.all([
      claimDelivery(store.db, row, T0 + 1000),
      claimDelivery(store.db, row, T0 + 2000),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect(await dueDeliveries(store.db, 'alerts', T0 + 500, 10)).toEqual([]);
  });

  it('settles a claimed row once, and not after its lease changed hands', async () => {
    const [id] = await enqueueDeliveries(store.db, 'alerts', [{ channel: 'hook', payload: '{}' }], T0);
    const [row] = await dueDeliveries(store.db, 'alerts', T0, 10);
    if (row === undefined || id === undefined) throw new Error('no due row');
    expect(await claimDelivery(store.db, row, T0 + 1000)).toBe(true);
    const retry = { next_attempt_at: T0 + 5000, last_error: 'HTTP 503' };
    expect(await settleDelivery(store.db, { id, attempts: 1, leaseUntil: T0 + 1000 }, retry)).toBe(true);
    // A stale claim (its lease already replaced) cannot overwrite what happened since.
    const stale = { state: 'delivered' as const, delivered_at: T0, last_error: null };
    expect(await settleDelivery(store.db, { id, attempts: 1, leaseUntil: T0 + 1000 }, stale)).toBe(false);
    const [stored] = await listDeliveries(store.db, 'alerts');
    expect(stored).toMatchObject({
      state: 'pending',
      attempts: 1,
      next_attempt_at: T0 + 5000,
      last_error: 'HTTP 503',
    });
  });

  it('lists and deletes only pending rows of a channel', async () => {
    const ids = await enqueueDeliveries(
      store.db,
      'alerts',
      [
        { channel: 'am', payload: 'a' },
        { channel: 'am', payload: 'b' },
        { channel: 'hook', payload: 'c' },
      ],
      T0,
    );
    expect((await pendingDeliveries(store.db, 'alerts', 'am')).map((r) => r.payload).sort()).toEqual([
      'a',
      'b',
    ]);
    await deletePendingDeliveries(store.db, ids.slice(0, 1));
    expect((await listDeliveries(store.db, 'alerts')).map((r) => r.payload).sort()).toEqual(['b', 'c']);
  });

  it('moves a watermark only from where the mover read it', async () => {
    expect(await readWatermark(store.db, 'usage')).toBeNull();
    const [a, b] = await Promise.all([
      advanceWatermark(store.db, 'usage', null, '10', T0),
      advanceWatermark(store.db, 'usage', null, '11', T0),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const at = await readWatermark(store.db, 'usage');
    expect(await advanceWatermark(store.db, 'usage', at, '20', T0 + 1)).toBe(true);
    expect(await advanceWatermark(store.db, 'usage', at, '30', T0 + 2)).toBe(false);
    expect(await readWatermark(store.db, 'usage')).toBe('20');
  });
});
