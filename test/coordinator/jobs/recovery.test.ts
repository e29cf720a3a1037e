import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  claim,
  extend,
  jobOf,
  LEASE_MS,
  nodeWithWorker,
  outcomesOf,
  resultOf,
  rollupOf,
  sendResults,
  submitted,
  useWorkApi,
} from './support.ts';

describeEachBackend('jobs: lease expiry, deadlines, reconciliation', (backend) => {
  const api = useWorkApi(backend);

  it('re-runs a job whose lease expired on another worker; the old worker’s late result is lost', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const b = await nodeWithWorker(api(), 'node-b');
    const id = await submitted(api(), 'hash');
    const [first] = await claim(api(), a, 'hash');
    api().clock.now += LEASE_MS + 1;
    expect(await api().work.jobs.recoverExpired()).toEqual({ recovered: 1 });
    expect(await api().work.jobs.recoverExpired()).toEqual({ recovered: 0 });
    expect(await jobOf(api(), id)).toMatchObject({
      status: 'queued',
      attempts: 1,
      error: { code: 'lease-expired', retryable: true },
    });

    const [second] = await claim(api(), b, 'hash');
    expect(second).toMatchObject({ job_id: id, attempt: 2 });
    const late = resultOf(first!, a.workerId, api().clock.now - 1000);
    expect(await sendResults(api(), a.node, [late])).toEqual(['lost']);
    expect((await extend(api(), a, [{ job_id: id, lease_token: first!.lease_token }]))[0]?.status).toBe(
      'lost',
    );
    expect(await sendResults(api(), b.node, [resultOf(second!, b.workerId, api().clock.now)])).toEqual([
      'recorded',
    ]);
    expect(await sendResults(api(), a.node, [late])).toEqual(['lost']);

    expect((await outcomesOf(api(), id)).map((o) => [o.job_id, o.node_id, o.status])).toEqual([
      [`${id}:1`, a.node.id, 'failure'],
      [`${id}:2`, b.node.id, 'success'],
    ]);
    expect(await rollupOf(api(), a.node.id)).toEqual({ successes: 0, failures: 1 });
    expect(await rollupOf(api(), b.node.id)).toEqual({ successes: 1, failures: 0 });
    expect(await jobOf(api(), id)).toMatchObject({ status: 'succeeded', node_id: b.node.id, attempts: 2 });
  });

  it('settles an expired attempt at the next claim when the recovery step after the queue’s was lost', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const b = await nodeWithWorker(api(), 'node-b');
    const id = await submitted(api(), 'hash');
    await claim(api(), a, 'hash');
    api().clock.now += LEASE_MS + 1;
    // The queue re-offered the job but the coordinator died before recording the expiry.
    expect(await api().work.queue.recoverExpired(api().clock.now)).toHaveLength(1);
    const [second] = await claim(api(), b, 'hash');
    expect(second).toMatchObject({ job_id: id, attempt: 2 });
    expect((await outcomesOf(api(), id)).map((o) => [o.job_id, o.node_id, o.status])).toEqual([
      [`${id}:1`, a.node.id, 'failure'],
    ]);
    expect(await jobOf(api(), id)).toMatchObject({ status: 'running', worker_id: b.workerId });
  });

  it('ends a job dead when its last attempt’s lease expires', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'once');
    await claim(api(), a, 'once');
    api().clock.now += LEASE_MS + 1;
    await api().work.jobs.recoverExpired();
    expect(await jobOf(api(), id)).toMatchObject({ status: 'dead', error: { code: 'lease-expired' } });
    expect((await api().work.queue.deadLetters('once', 10)).map((d) => d.id)).toEqual([id]);
    expect(await claim(api(), a, 'once')).toEqual([]);
  });

  it('ends a job dead at its deadline: unclaimed, failed late, or expired late', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const start = api().clock.now;
    const unclaimed = await submitted(api(), 'timed');
    const failing = await submitted(api(), 'timed');
    const both = await claim(api(), a, 'timed', { max: 2 });
    expect(both.map((j) => j.deadline_at_ms)).toEqual([start + 60_000, start + 60_000]);
    const other = both.find((j) => j.job_id === failing);

    api().clock.now = start + 60_000;
    const crash = { code: 'crash', message: 'exit 1', retryable: true };
    expect(
      await sendResults(api(), a.node, [
        resultOf(other!, a.workerId, start, { status: 'failure', error: crash }),
      ]),
    ).toEqual(['dead']);
    const failed = await jobOf(api(), failing);
    expect(failed).toMatchObject({ status: 'dead', error: { code: 'deadline-exceeded', retryable: false } });
    expect(failed.error?.message).toMatch(/crash: exit 1/);

    await api().work.jobs.recoverExpired(); // the lease of `unclaimed` has not run out yet
    api().clock.now = start + LEASE_MS + 60_001;
    await api().work.jobs.recoverExpired();
    expect(await jobOf(api(), unclaimed)).toMatchObject({
      status: 'dead',
      error: { code: 'deadline-exceeded' },
    });
    expect((await outcomesOf(api(), unclaimed)).map((o) => o.status)).toEqual(['failure']);

    // Queued past the deadline: a claim dead-letters it instead of handing it out.
    const late = await submitted(api(), 'timed');
    api().clock.now += 60_000;
    expect(await claim(api(), a, 'timed')).toEqual([]);
    expect(await jobOf(api(), late)).toMatchObject({
      status: 'dead',
      attempts: 0,
      error: { code: 'deadline-exceeded' },
    });
    expect((await api().work.queue.deadLetters('timed', 10)).map((d) => d.id)).toContain(late);
  });

  it('has the reconciler expire queued jobs nobody claimed before their deadline', async () => {
    const id = await submitted(api(), 'timed');
    api().clock.now += 60_000;
    expect(await api().work.jobs.reconcile()).toMatchObject({ expired: 1 });
    expect(await jobOf(api(), id)).toMatchObject({ status: 'dead', error: { code: 'deadline-exceeded' } });
    expect((await api().work.queue.has([id])).size).toBe(0);
  });

  it('re-offers jobs the queue lost: queued ones as they were, running ones without the lost attempt', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const running = await submitted(api(), 'hash');
    const [job] = await claim(api(), a, 'hash');
    const queued = await submitted(api(), 'hash');
    const kept = await submitted(api(), 'once');
    for (const id of [running, queued]) expect(await api().work.queue.remove(id)).toBe(true);

    // Jobs touched within two leases are left to the writes in flight for them.
    api().clock.now += 2 * LEASE_MS - 1;
    expect(await api().work.jobs.reconcile()).toEqual({ checked: 0, reoffered: 0, expired: 0 });
    api().clock.now += 1;
    expect(await api().work.jobs.reconcile()).toEqual({ checked: 3, reoffered: 2, expired: 0 });
    expect(await api().work.queue.has([running, queued, kept])).toEqual(new Set([running, queued, kept]));
    expect(await jobOf(api(), running)).toMatchObject({ status: 'queued', attempts: 0 });

    const again = await claim(api(), a, 'hash', { max: 2 });
    expect(again.map((j) => [j.job_id, j.attempt]).sort()).toEqual(
      [
        [running, 1],
        [queued, 1],
      ].sort(),
    );
    expect(await sendResults(api(), a.node, [resultOf(job!, a.workerId, api().clock.now)])).toEqual(['lost']);
    expect(await outcomesOf(api(), running)).toEqual([]);
  });

  it('checks every unfinished job at once when the queue says it lost its contents', async () => {
    const id = await submitted(api(), 'hash');
    await api().work.queue.remove(id);
    expect(await api().work.jobs.reconcile()).toMatchObject({ reoffered: 0 });
    expect(await api().work.jobs.reconcile({ everything: true })).toMatchObject({ checked: 1, reoffered: 1 });
    expect(await api().work.queue.has([id])).toEqual(new Set([id]));
  });
});
