import { describe, expect, it } from 'vitest';
import { claimOf, describeQueueConformance, ids, item, T0 } from './conformance-support.ts';

describeQueueConformance('dispatch', (queue, leased) => {
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
});
