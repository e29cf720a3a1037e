import { describe, expect, it, vi } from 'vitest';
import { createClaimWaiters } from '../../../src/coordinator/jobs/waiters.ts';
import { getTopic } from '../../../src/store/repositories/topics.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { claim, jobOf, nodeWithWorker, submitted, useWorkApi } from './support.ts';

describe('claim waiters', () => {
  it('wakes a topic’s waiters on notify, and only that topic’s', async () => {
    const waiters = createClaimWaiters();
    const hash = waiters.wait('hash', 60_000, waiters.generation('hash'));
    const other = waiters.wait('other', 60_000, waiters.generation('other'));
    expect(waiters.waiting).toBe(2);
    waiters.notify('hash');
    expect(await hash).toBe('woken');
    expect(waiters.waiting).toBe(1);
    waiters.close();
    expect(await other).toBe('closed');
    expect(await waiters.wait('hash', 60_000, waiters.generation('hash'))).toBe('closed');
  });

  it('does not sleep through work announced between looking and waiting', async () => {
    const waiters = createClaimWaiters();
    const seen = waiters.generation('hash');
    waiters.notify('hash');
    expect(await waiters.wait('hash', 60_000, seen)).toBe('woken');
  });

  it('ends on abort or timeout, and refuses to park more than its bound', async () => {
    const waiters = createClaimWaiters({ max: 1 });
    const aborter = new AbortController();
    const parked = waiters.wait('hash', 60_000, 0, aborter.signal);
    expect(await waiters.wait('hash', 60_000, 0)).toBe('full');
    aborter.abort();
    expect(await parked).toBe('aborted');
    expect(await waiters.wait('hash', 1, 0)).toBe('timeout');
    expect(waiters.waiting).toBe(0);
  });
});

describeEachBackend('jobs: long-polling claims', (backend) => {
  // Polls so rarely, and waits so long, that only a wake-up answers a waiting claim before
  // the test's own timeout.
  const api = useWorkApi(backend, {
    claimPollMs: 600_000,
    adjust: (c) => {
      c.queue.claim_max_wait_ms = 60_000;
    },
  });

  it('answers a waiting claim as soon as a job is submitted to its topic', { timeout: 10_000 }, async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const waiting = claim(api(), w, 'hash', { wait_ms: 60_000 });
    await vi.waitFor(() => expect(api().work.jobs.waiters.waiting).toBe(1), { timeout: 5000 });
    await submitted(api(), 'once');
    expect(api().work.jobs.waiters.waiting).toBe(1);
    const id = await submitted(api(), 'hash');
    const jobs = await waiting;
    expect(jobs.map((j) => j.job_id)).toEqual([id]);
  });

  it('answers waiting claims empty at shutdown, and an expired wait empty', { timeout: 10_000 }, async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    expect(await claim(api(), w, 'hash', { wait_ms: 50 })).toEqual([]);
    const waiting = claim(api(), w, 'hash', { wait_ms: 60_000 });
    await vi.waitFor(() => expect(api().work.jobs.waiters.waiting).toBe(1), { timeout: 5000 });
    api().work.jobs.close();
    expect(await waiting).toEqual([]);
  });
});

describeEachBackend('jobs: a claim asking to wait longer than the coordinator allows', (backend) => {
  const api = useWorkApi(backend, {
    claimPollMs: 600_000,
    adjust: (c) => {
      c.queue.claim_max_wait_ms = 50;
    },
  });

  it('waits the coordinator’s maximum and answers empty instead of refusing', {
    timeout: 10_000,
  }, async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    expect(await claim(api(), w, 'hash', { wait_ms: 60_000 })).toEqual([]);
  });
});

describeEachBackend('jobs: a claim whose worker hung up', (backend) => {
  const api = useWorkApi(backend);

  it('gives back at once the jobs it took, without counting an attempt', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash');
    const topic = await getTopic(api().store.db, 'hash');
    const taken = await api().work.jobs.claim({
      topic: topic!.definition,
      nodeId: w.node.id,
      workerId: w.workerId,
      max: 5,
      waitMs: 0,
      signal: AbortSignal.abort(),
    });
    expect(taken).toEqual([]);
    expect(await jobOf(api(), id)).toMatchObject({ status: 'queued', attempts: 0 });
    // Claimable again now, not a lease later.
    const [job] = await claim(api(), w, 'hash');
    expect(job).toMatchObject({ job_id: id, attempt: 1 });
  });
});
