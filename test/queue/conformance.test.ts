import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, EnqueueItem, JobQueue } from '../../src/queue/queue.ts';
import { queueBackends } from './queue-backends.ts';

/**
 * What every JobQueue backend must do, one suite run against each (see queue-backends.ts).
 * Times are explicit: every call gets its `now`, nothing sleeps.
 */
const T0 = Date.UTC(2026, 0, 1);
const LEASE_MS = 30_000;

function item(id: string, overrides: Partial<EnqueueItem> = {}): EnqueueItem {
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

function claimOf(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { topic: 't', owner: 'w1', max: 10, leaseMs: LEASE_MS, now: T0, ...overrides };
}

function ids(rows: readonly { id: string }[]): string[] {
  return rows.map((r) => r.id);
}

for (const backend of queueBackends()) {
  const title = `queue conformance [${backend.name}]${backend.skip === null ? '' : ` (skipped: ${backend.skip})`}`;

  describe.skipIf(backend.skip !== null)(title, () => {
    let queue: JobQueue;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ queue, cleanup } = await backend.open());
    });
    afterEach(async () => cleanup());

    /** Enqueues one item and claims it: the lease a worker would hold. */
    async function leased(
      id: string,
      overrides: Partial<EnqueueItem> = {},
      claim: Partial<ClaimRequest> = {},
    ) {
      await queue.enqueue([item(id, overrides)], T0);
      const [lease] = await queue.claim(claimOf({ topic: overrides.topic ?? 't', max: 1, ...claim }));
      expect(lease?.id).toBe(id);
      return lease!;
    }

    describe('enqueue', () => {
      it('is idempotent: an id already present in any state is left as it is and counted existing', async () => {
        expect(await queue.enqueue([item('a'), item('b')], T0)).toEqual({ added: 2, existing: 0 });
        expect(await queue.enqueue([item('a', { payload: '"changed"' }), item('c')], T0)).toEqual({
          added: 1,
          existing: 1,
        });

        const leases = await queue.claim(claimOf());
        expect(leases.find((l) => l.id === 'a')?.payload).toBe(JSON.stringify({ id: 'a' }));
        const b = leases.find((l) => l.id === 'b')!;
        expect(await queue.enqueue([item('b')], T0 + 1)).toEqual({ added: 0, existing: 1 });
        expect(await queue.complete('b', b.token)).toBe(true);

        const c = leases.find((l) => l.id === 'c')!;
        expect(await queue.fail('c', c.token, { retryAt: null, now: T0 })).toEqual({ kind: 'dead' });
        expect(await queue.enqueue([item('c')], T0 + 1)).toEqual({ added: 0, existing: 1 });
        expect(await queue.claim(claimOf({ now: T0 + 1 }))).toEqual([]);
      });

      it('counts a repeated id within one batch once', async () => {
        expect(await queue.enqueue([item('x'), item('x')], T0)).toEqual({ added: 1, existing: 1 });
        expect(ids(await queue.claim(claimOf()))).toEqual(['x']);
      });

      it('takes large batches whole', async () => {
        const many = Array.from({ length: 9_000 }, (_, i) => item(`m${String(i).padStart(5, '0')}`));
        expect(await queue.enqueue(many, T0)).toEqual({ added: 9_000, existing: 0 });
        expect(await queue.enqueue(many, T0)).toEqual({ added: 0, existing: 9_000 });
        expect((await queue.has(many.map((m) => m.id))).size).toBe(9_000);
      });

      it('accepts an empty batch', async () => {
        expect(await queue.enqueue([], T0)).toEqual({ added: 0, existing: 0 });
      });
    });

    describe('claim', () => {
      it('takes the oldest availableAt first, ties by id', async () => {
        await queue.enqueue(
          [
            item('c', { availableAt: T0 - 10 }),
            item('b', { availableAt: T0 }),
            item('z', { availableAt: T0 - 20 }),
            item('a', { availableAt: T0 - 10 }),
          ],
          T0 - 100,
        );
        const order: string[] = [];
        for (let i = 0; i < 4; i++) order.push(...ids(await queue.claim(claimOf({ max: 1 }))));
        expect(order).toEqual(['z', 'a', 'c', 'b']);
      });

      it('takes the oldest items when there are more than max', async () => {
        await queue.enqueue(
          [
            item('late', { availableAt: T0 }),
            item('early', { availableAt: T0 - 5 }),
            item('mid', { availableAt: T0 - 2 }),
          ],
          T0 - 10,
        );
        expect(ids(await queue.claim(claimOf({ max: 2 }))).sort()).toEqual(['early', 'mid']);
      });

      it('leaves items alone before their availableAt', async () => {
        await queue.enqueue([item('later', { availableAt: T0 + 1_000 })], T0);
        expect(await queue.claim(claimOf({ now: T0 }))).toEqual([]);
        expect(await queue.claim(claimOf({ now: T0 + 999 }))).toEqual([]);
        expect(ids(await queue.claim(claimOf({ now: T0 + 1_000 })))).toEqual(['later']);
      });

      it('hands out at most max items', async () => {
        await queue.enqueue(
          ['a', 'b', 'c', 'd', 'e'].map((id) => item(id)),
          T0,
        );
        expect(await queue.claim(claimOf({ max: 3 }))).toHaveLength(3);
        expect(await queue.claim(claimOf({ max: 3 }))).toHaveLength(2);
        expect(await queue.claim(claimOf({ max: 3 }))).toEqual([]);
      });

      it('keeps topics apart', async () => {
        await queue.enqueue([item('t-1'), item('u-1', { topic: 'u' }), item('t-2')], T0);
        expect(ids(await queue.claim(claimOf({ topic: 'u' })))).toEqual(['u-1']);
        expect(await queue.claim(claimOf({ topic: 'u' }))).toEqual([]);
        expect(await queue.claim(claimOf({ topic: 'v' }))).toEqual([]);
        expect(ids(await queue.claim(claimOf({ topic: 't' })))).toEqual(['t-1', 't-2']);
      });

      it('describes the lease: attempts up by one, the item, and the lease end', async () => {
        await queue.enqueue([item('j', { attempts: 1, maxAttempts: 4, payload: '{"n":7}' })], T0 - 50);
        const [lease] = await queue.claim(claimOf({ leaseMs: 5_000 }));
        expect(lease).toEqual({
          id: 'j',
          topic: 't',
          payload: '{"n":7}',
          attempts: 2,
          maxAttempts: 4,
          token: expect.any(String),
          leaseExpiresAt: T0 + 5_000,
          enqueuedAt: T0 - 50,
        });
        expect(lease!.token.length).toBeGreaterThanOrEqual(16);
      });

      it('gives every claim a fresh token and counts the attempt', async () => {
        const first = await leased('j');
        expect(first.attempts).toBe(1);
        expect(await queue.fail('j', first.token, { retryAt: T0, now: T0 })).toEqual({
          kind: 'retrying',
          availableAt: T0,
        });
        const [second] = await queue.claim(claimOf());
        expect(second?.attempts).toBe(2);
        expect(second?.token).not.toBe(first.token);
        expect(second?.token.length).toBeGreaterThanOrEqual(16);
      });

      it('never hands the same item to two concurrent claims', async () => {
        const all = Array.from({ length: 200 }, (_, i) => `c${String(i).padStart(3, '0')}`);
        await queue.enqueue(
          all.map((id) => item(id)),
          T0,
        );
        const claimed: string[] = [];
        async function worker(owner: string): Promise<void> {
          for (;;) {
            const leases = await queue.claim(claimOf({ owner, max: 7 }));
            if (leases.length === 0) return;
            claimed.push(...ids(leases));
          }
        }
        await Promise.all(Array.from({ length: 8 }, (_, i) => worker(`w${i}`)));
        expect(claimed).toHaveLength(200);
        expect([...claimed].sort()).toEqual(all);
      });
    });

    describe('extendLease', () => {
      it('moves the lease end for the holding token only', async () => {
        const lease = await leased('j', {}, { leaseMs: 1_000 });
        expect(await queue.extendLease('j', lease.token, 5_000, T0 + 500)).toBe(true);
        // The old end has passed but the new one has not: nothing to recover.
        expect(await queue.recoverExpired(T0 + 2_000)).toEqual([]);
        const [recovered] = await queue.recoverExpired(T0 + 5_501);
        expect(recovered?.id).toBe('j');
      });

      it('refuses a wrong token, an old token and an item no one holds', async () => {
        const first = await leased('j', {}, { leaseMs: 1_000 });
        expect(await queue.extendLease('j', 'not-the-token', 1_000, T0)).toBe(false);
        expect(await queue.extendLease('missing', first.token, 1_000, T0)).toBe(false);
        await queue.recoverExpired(T0 + 1_001);
        expect(await queue.extendLease('j', first.token, 1_000, T0 + 1_001)).toBe(false);
        const [second] = await queue.claim(claimOf({ now: T0 + 1_001, owner: 'w2' }));
        expect(await queue.extendLease('j', first.token, 1_000, T0 + 1_002)).toBe(false);
        expect(await queue.extendLease('j', second!.token, 1_000, T0 + 1_002)).toBe(true);
      });
    });

    describe('complete', () => {
      it('removes the item once, for the holding token only', async () => {
        const lease = await leased('j');
        expect(await queue.complete('j', 'not-the-token')).toBe(false);
        expect(await queue.has(['j'])).toEqual(new Set(['j']));
        expect(await queue.complete('j', lease.token)).toBe(true);
        expect(await queue.complete('j', lease.token)).toBe(false);
        expect(await queue.has(['j'])).toEqual(new Set());
        expect(await queue.stats(T0)).not.toContainEqual(expect.objectContaining({ topic: 't', leased: 1 }));
      });
      it('settles concurrent completions each by its own token, one winner per lease', async () => {
        await queue.enqueue(
          ['a', 'b', 'c', 'd'].map((id) => item(id)),
          T0,
        );
        const leases = await queue.claim(claimOf());
        const token = (id: string) => leases.find((l) => l.id === id)!.token;
        const results = await Promise.all([
          queue.complete('a', token('a')),
          queue.complete('b', 'not-the-token'),
          queue.complete('c', token('c')),
          queue.complete('c', token('c')),
          queue.complete('d', token('a')),
          queue.complete('missing', token('b')),
        ]);
        expect([results[0], results[1], results[4], results[5]]).toEqual([true, false, false, false]);
        expect([results[2], results[3]].sort()).toEqual([false, true]);
        expect(await queue.has(['a', 'b', 'c', 'd'])).toEqual(new Set(['b', 'd']));
      });
    });

    describe('fail', () => {
      it('with retryAt and attempts left: ready again from retryAt, attempts kept', async () => {
        const lease = await leased('j', { maxAttempts: 3 });
        expect(await queue.fail('j', lease.token, { retryAt: T0 + 2_000, now: T0 + 10 })).toEqual({
          kind: 'retrying',
          availableAt: T0 + 2_000,
        });
        expect(await queue.complete('j', lease.token)).toBe(false);
        expect(await queue.claim(claimOf({ now: T0 + 1_999 }))).toEqual([]);
        const [again] = await queue.claim(claimOf({ now: T0 + 2_000 }));
        expect(again).toMatchObject({ id: 'j', attempts: 2 });
      });

      it('without retryAt: dead, in the dead letters and counted', async () => {
        const lease = await leased('j', { maxAttempts: 5 });
        expect(await queue.fail('j', lease.token, { retryAt: null, now: T0 + 10 })).toEqual({ kind: 'dead' });
        expect(await queue.deadLetters('t', 10)).toEqual([
          { id: 'j', topic: 't', attempts: 1, deadAt: T0 + 10 },
        ]);
        expect(await queue.stats(T0 + 20)).toContainEqual(
          expect.objectContaining({ topic: 't', dead: 1, ready: 0, leased: 0 }),
        );
        expect(await queue.claim(claimOf({ now: T0 + 1_000_000 }))).toEqual([]);
        expect(await queue.has(['j'])).toEqual(new Set(['j']));
      });

      it('with retryAt but attempts exhausted: dead', async () => {
        await queue.enqueue([item('j', { attempts: 1, maxAttempts: 2 })], T0);
        const [lease] = await queue.claim(claimOf());
        expect(lease?.attempts).toBe(2);
        expect(await queue.fail('j', lease!.token, { retryAt: T0 + 5, now: T0 + 1 })).toEqual({
          kind: 'dead',
        });
        expect(await queue.deadLetters('t', 10)).toEqual([
          { id: 'j', topic: 't', attempts: 2, deadAt: T0 + 1 },
        ]);
        expect(await queue.claim(claimOf({ now: T0 + 10 }))).toEqual([]);
      });

      it('with a token that no longer holds the item: lost, nothing changes', async () => {
        const lease = await leased('j');
        expect(await queue.fail('j', 'not-the-token', { retryAt: null, now: T0 })).toEqual({ kind: 'lost' });
        expect(await queue.fail('missing', lease.token, { retryAt: T0, now: T0 })).toEqual({ kind: 'lost' });
        expect(await queue.deadLetters('t', 10)).toEqual([]);
        expect(await queue.complete('j', lease.token)).toBe(true);
        expect(await queue.fail('j', lease.token, { retryAt: T0, now: T0 })).toEqual({ kind: 'lost' });
        expect(await queue.has(['j'])).toEqual(new Set());
      });
    });

    describe('recoverExpired', () => {
      it('requeues expired leases with attempts left, buries the others, leaves live ones', async () => {
        await queue.enqueue([item('a', { maxAttempts: 3 }), item('b', { maxAttempts: 1 })], T0);
        const [a, b] = await queue.claim(claimOf({ owner: 'w1', max: 2, leaseMs: 100 }));
        const live = await leased('c', {}, { owner: 'w2', leaseMs: 500 });

        const recovered = await queue.recoverExpired(T0 + 200);
        expect([...recovered].sort((x, y) => x.id.localeCompare(y.id))).toEqual([
          { id: 'a', topic: 't', owner: 'w1', token: a!.token, attempts: 1, outcome: 'requeued' },
          { id: 'b', topic: 't', owner: 'w1', token: b!.token, attempts: 1, outcome: 'dead' },
        ]);
        expect(await queue.recoverExpired(T0 + 200)).toEqual([]);

        expect(await queue.deadLetters('t', 10)).toEqual([
          { id: 'b', topic: 't', attempts: 1, deadAt: T0 + 200 },
        ]);
        const [again] = await queue.claim(claimOf({ now: T0 + 200 }));
        expect(again).toMatchObject({ id: 'a', attempts: 2 });
        expect(await queue.complete('c', live.token)).toBe(true);
      });

      it('makes a requeued item claimable at once', async () => {
        await leased('j', { availableAt: T0 }, { leaseMs: 100 });
        await queue.recoverExpired(T0 + 1_000);
        expect(await queue.stats(T0 + 1_000)).toContainEqual(
          expect.objectContaining({ topic: 't', ready: 1, readyNow: 1, leased: 0, oldestReadyAgeMs: 0 }),
        );
      });

      it('does at most limit leases per call', async () => {
        await queue.enqueue([item('a'), item('b'), item('c')], T0);
        await queue.claim(claimOf({ leaseMs: 100 }));
        const first = await queue.recoverExpired(T0 + 1_000, 2);
        expect(first).toHaveLength(2);
        const second = await queue.recoverExpired(T0 + 1_000, 2);
        expect([...first, ...second].map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
      });

      it('lets another worker take over a dead worker’s job; only the live token settles it', async () => {
        const dead = await leased('j', {}, { owner: 'w1', leaseMs: 1_000 });
        const [recovered] = await queue.recoverExpired(T0 + 1_001);
        expect(recovered).toMatchObject({ id: 'j', owner: 'w1', token: dead.token, outcome: 'requeued' });

        const [live] = await queue.claim(claimOf({ owner: 'w2', now: T0 + 1_001 }));
        expect(live).toMatchObject({ id: 'j', attempts: 2 });
        expect(live!.token).not.toBe(dead.token);

        expect(await queue.complete('j', dead.token)).toBe(false);
        expect(await queue.fail('j', dead.token, { retryAt: null, now: T0 + 1_002 })).toEqual({
          kind: 'lost',
        });
        expect(await queue.extendLease('j', dead.token, 1_000, T0 + 1_002)).toBe(false);
        expect(await queue.complete('j', live!.token)).toBe(true);
      });
    });

    describe('remove', () => {
      it('removes an item in every state and says whether there was one', async () => {
        await queue.enqueue([item('ready'), item('delayed', { availableAt: T0 + 60_000 })], T0);
        const held = await leased('held');
        const buried = await leased('buried');
        await queue.fail('buried', buried.token, { retryAt: null, now: T0 });

        for (const id of ['ready', 'delayed', 'held', 'buried']) expect(await queue.remove(id)).toBe(true);
        expect(await queue.remove('held')).toBe(false);
        expect(await queue.remove('never-there')).toBe(false);

        expect(await queue.has(['ready', 'delayed', 'held', 'buried'])).toEqual(new Set());
        expect(await queue.complete('held', held.token)).toBe(false);
        expect(await queue.deadLetters('t', 10)).toEqual([]);
        expect(await queue.claim(claimOf({ now: T0 + 60_000 }))).toEqual([]);
      });
    });

    describe('has', () => {
      it('names the ids held in any state, and no others', async () => {
        await queue.enqueue([item('ready'), item('other', { topic: 'u' })], T0);
        await leased('held');
        const buried = await leased('buried');
        await queue.fail('buried', buried.token, { retryAt: null, now: T0 });

        expect(await queue.has(['ready', 'held', 'buried', 'other', 'gone', 'ready'])).toEqual(
          new Set(['ready', 'held', 'buried', 'other']),
        );
        expect(await queue.has([])).toEqual(new Set());
      });

      it('answers for long lists', async () => {
        await queue.enqueue([item('x-present')], T0);
        const asked = Array.from({ length: 12_000 }, (_, i) => `x-${i}`);
        expect(await queue.has([...asked, 'x-present'])).toEqual(new Set(['x-present']));
      });
    });

    describe('stats', () => {
      it('counts ready, ready now, leased and dead per topic, with the oldest ready age', async () => {
        await queue.enqueue(
          [
            item('t-leased', { availableAt: T0 - 9_000 }),
            item('t-dead', { availableAt: T0 - 8_000 }),
            item('t-old', { availableAt: T0 - 5_000 }),
            item('t-new', { availableAt: T0 - 1_000 }),
            item('t-delayed', { availableAt: T0 + 1_000 }),
            item('u-leased', { topic: 'u', availableAt: T0 }),
          ],
          T0 - 10_000,
        );
        await queue.claim(claimOf({ topic: 't', max: 1 }));
        const [dying] = await queue.claim(claimOf({ topic: 't', max: 1 }));
        await queue.fail(dying!.id, dying!.token, { retryAt: null, now: T0 });
        await queue.claim(claimOf({ topic: 'u' }));

        const stats = [...(await queue.stats(T0))].sort((x, y) => x.topic.localeCompare(y.topic));
        expect(stats).toEqual([
          { topic: 't', ready: 3, readyNow: 2, leased: 1, dead: 1, oldestReadyAgeMs: 5_000 },
          { topic: 'u', ready: 0, readyNow: 0, leased: 1, dead: 0, oldestReadyAgeMs: 0 },
        ]);
        expect(await queue.stats(T0 + 1_000)).toContainEqual({
          topic: 't',
          ready: 3,
          readyNow: 3,
          leased: 1,
          dead: 1,
          oldestReadyAgeMs: 6_000,
        });
      });

      it('reports nothing for a topic with nothing in it', async () => {
        expect(await queue.stats(T0)).toEqual([]);
        const lease = await leased('j');
        await queue.complete('j', lease.token);
        const stats = await queue.stats(T0);
        for (const s of stats)
          expect(s).toEqual({ topic: 't', ready: 0, readyNow: 0, leased: 0, dead: 0, oldestReadyAgeMs: 0 });
      });
    });

    describe('deadLetters', () => {
      it('lists a topic’s dead letters newest first, up to limit', async () => {
        await queue.enqueue(['d1', 'd2', 'd3'].map((id) => item(id)).concat(item('u1', { topic: 'u' })), T0);
        const leases = [...(await queue.claim(claimOf())), ...(await queue.claim(claimOf({ topic: 'u' })))];
        for (const [i, id] of ['d1', 'd3', 'd2', 'u1'].entries()) {
          const lease = leases.find((l) => l.id === id)!;
          expect(await queue.fail(id, lease.token, { retryAt: null, now: T0 + i })).toEqual({ kind: 'dead' });
        }
        expect(await queue.deadLetters('t', 2)).toEqual([
          { id: 'd2', topic: 't', attempts: 1, deadAt: T0 + 2 },
          { id: 'd3', topic: 't', attempts: 1, deadAt: T0 + 1 },
        ]);
        expect(ids(await queue.deadLetters('t', 10))).toEqual(['d2', 'd3', 'd1']);
        expect(await queue.deadLetters('u', 10)).toEqual([
          { id: 'u1', topic: 'u', attempts: 1, deadAt: T0 + 3 },
        ]);
        expect(await queue.deadLetters('v', 10)).toEqual([]);
      });
    });

    describe('close', () => {
      it('leaves the queue unusable', async () => {
        await queue.enqueue([item('j')], T0);
        await queue.close();
        await expect(queue.claim(claimOf())).rejects.toThrow();
        await expect(queue.enqueue([item('k')], T0)).rejects.toThrow();
      });
    });
  });
}
