import { afterEach, beforeEach, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import {
  ensureTargetRow,
  getTargetRow,
  insertDecision,
  listDecisions,
  patchTargetRow,
  setDecisionAction,
  writeTargetTick,
} from '../../src/store/repositories/autoscaler.ts';
import { acquireLease, holdsLease, releaseLease } from '../../src/store/repositories/leader-leases.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const T0 = Date.UTC(2026, 11, 1);
const TTL = { ttlMs: 10_000 };

describeEachBackend('autoscaler records: the leader lease and its fence', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  it('gives the lease to one of two contenders, renews it for its holder, and hands it over only once it expired', async () => {
    const [a, b] = await Promise.all([
      acquireLease(store.db, 'autoscaler', 'a', { now: T0, ...TTL }),
      acquireLease(store.db, 'autoscaler', 'b', { now: T0, ...TTL }),
    ]);
    const winner = a ?? b;
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(winner?.token).toBe(1);
    const loser = winner === a ? 'b' : 'a';

    expect(await acquireLease(store.db, 'autoscaler', loser, { now: T0 + 5_000, ...TTL })).toBeUndefined();
    const renewed = await acquireLease(store.db, 'autoscaler', winner!.holder, { now: T0 + 5_000, ...TTL });
    expect(renewed).toEqual({ ...winner, expires_at: T0 + 15_000 });

    // Past its expiry the other takes it, with a higher token; the old holder is fenced out.
    const taken = await acquireLease(store.db, 'autoscaler', loser, { now: T0 + 15_000, ...TTL });
    expect(taken?.token).toBe(2);
    const stale = await store.transaction((trx) => holdsLease(trx, renewed!, T0 + 15_000));
    expect(stale).toBe(false);
    expect(await store.transaction((trx) => holdsLease(trx, taken!, T0 + 15_000))).toBe(true);
    // Nor can the old holder renew its way back while the new lease is live.
    expect(
      await acquireLease(store.db, 'autoscaler', winner!.holder, { now: T0 + 16_000, ...TTL }),
    ).toBeUndefined();
  });

  it('lets a released lease go at once, to a new token', async () => {
    const first = await acquireLease(store.db, 'autoscaler', 'a', { now: T0, ...TTL });
    await releaseLease(store.db, first!, T0 + 1_000);
    expect(await store.transaction((trx) => holdsLease(trx, first!, T0 + 1_000))).toBe(false);
    const next = await acquireLease(store.db, 'autoscaler', 'b', { now: T0 + 1_000, ...TTL });
    expect(next?.token).toBe(2);
    // Two contenders for the same expired lease: one wins.
    const later = T0 + 60_000;
    const both = await Promise.all([
      acquireLease(store.db, 'autoscaler', 'c', { now: later, ...TTL }),
      acquireLease(store.db, 'autoscaler', 'd', { now: later, ...TTL }),
    ]);
    expect(both.filter(Boolean).map((l) => l?.token)).toEqual([3]);
  });
});

describeEachBackend('autoscaler records: targets and decisions', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  it('keeps a target’s operator changes and its last decision apart from its configuration', async () => {
    const fresh = await ensureTargetRow(store.db, 'hash-pool', T0);
    expect(fresh).toMatchObject({ paused: null, min_replicas: null, desired: null, state: '{}' });
    await patchTargetRow(store.db, 'hash-pool', { paused: true, max_replicas: 8 }, T0 + 1);
    await store.transaction((trx) =>
      writeTargetTick(trx, {
        name: 'hash-pool',
        desired: 3,
        state: '{"breaches":2}',
        scaledAt: T0 + 2,
        now: T0 + 2,
      }),
    );
    // Seeing it again changes nothing of what was stored.
    await ensureTargetRow(store.db, 'hash-pool', T0 + 3);
    expect(await getTargetRow(store.db, 'hash-pool')).toMatchObject({
      paused: 1,
      min_replicas: null,
      max_replicas: 8,
      desired: 3,
      state: '{"breaches":2}',
      last_scaled_at: T0 + 2,
    });
    await patchTargetRow(store.db, 'hash-pool', { paused: false, max_replicas: null }, T0 + 4);
    expect(await getTargetRow(store.db, 'hash-pool')).toMatchObject({
      paused: 0,
      max_replicas: null,
      desired: 3,
    });
  });

  it('lists decisions newest first, by target, since an instant, and pages on', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = uuidv7(T0 + i * 1000);
      ids.push(id);
      await store.transaction((trx) =>
        insertDecision(trx, {
          id,
          target: i % 2 === 0 ? 'even' : 'odd',
          at: T0 + i * 1000,
          tick: 'interval',
          reason: 'hold',
          actual: i,
          previous_desired: null,
          desired: i,
          inputs: '{}',
          proposals: '[]',
          action: null,
        }),
      );
    }
    await setDecisionAction(store.db, ids[4]!, '{"started":["r1"]}');
    const all = await listDecisions(store.db, { limit: 10 });
    expect(all.map((d) => d.actual)).toEqual([4, 3, 2, 1, 0]);
    expect(all[0]?.action).toBe('{"started":["r1"]}');
    expect((await listDecisions(store.db, { target: 'even', limit: 10 })).map((d) => d.actual)).toEqual([
      4, 2, 0,
    ]);
    expect((await listDecisions(store.db, { since: T0 + 3000, limit: 10 })).map((d) => d.actual)).toEqual([
      4, 3,
    ]);
    const page = await listDecisions(store.db, { limit: 2 });
    const next = await listDecisions(store.db, { limit: 2, before: page[1]!.id });
    expect(next.map((d) => d.actual)).toEqual([2, 1]);
  });
});
