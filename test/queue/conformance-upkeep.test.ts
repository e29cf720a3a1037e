import { describe, expect, it } from 'vitest';
import { claimOf, describeQueueConformance, ids, item, T0 } from './conformance-support.ts';

describeQueueConformance('upkeep', (queue, leased) => {
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
