import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem } from '../api/support.ts';
import {
  claim,
  claimRequest,
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

describeEachBackend('jobs: claim, extend, results', (backend) => {
  const api = useWorkApi(backend, {
    adjust: (c) => {
      c.jobs.max_result_bytes = 200;
    },
  });

  it('hands a job to a worker and records its success once, however often it is resent', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash', { n: 1 });
    const claimedAt = api().clock.now;
    const [job] = await claim(api(), w, 'hash');
    expect(job).toEqual({
      job_id: id,
      lease_token: expect.any(String),
      attempt: 1,
      max_attempts: 3,
      lease_expires_at_ms: claimedAt + LEASE_MS,
      timeout_ms: 30_000,
      deadline_at_ms: null,
      tenant_id: 'test tenant',
      payload: { n: 1 },
    });
    expect(await jobOf(api(), id)).toMatchObject({
      status: 'running',
      attempts: 1,
      node_id: w.node.id,
      worker_id: w.workerId,
      started_at_ms: claimedAt,
    });
    expect(await claim(api(), w, 'hash')).toEqual([]);

    api().clock.now += 1000;
    const result = resultOf(job!, w.workerId, claimedAt, { result: { digest: 'ab12' } }, 400);
    expect(await sendResults(api(), w.node, [result, result])).toEqual(['recorded', 'duplicate']);
    expect(await sendResults(api(), w.node, [result])).toEqual(['duplicate']);

    const view = await jobOf(api(), id);
    expect(view).toMatchObject({
      status: 'succeeded',
      result: { digest: 'ab12' },
      error: null,
      finished_at_ms: claimedAt + 400,
      duration_ms: 400,
      verification: null,
    });
    const outcomes = await outcomesOf(api(), id);
    expect(outcomes).toEqual([
      {
        job_id: `${id}:1`,
        node_id: w.node.id,
        status: 'success',
        started_at: claimedAt,
        finished_at: claimedAt + 400,
        duration_ms: 400,
      },
    ]);
    expect(await rollupOf(api(), w.node.id)).toEqual({ successes: 1, failures: 0 });
    expect((await api().work.queue.has([id])).size).toBe(0);
  });

  it('records a mixed batch item by item: successes, a retry, a release, a stranger and a resend', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const ids = [];
    for (let n = 0; n < 6; n++) ids.push(await submitted(api(), 'hash', { n }));
    const claimedAt = api().clock.now;
    const jobs = await claim(api(), w, 'hash', { max: 6 });
    expect(jobs.map((j) => j.job_id).sort()).toEqual([...ids].sort());
    api().clock.now += 500;
    const [a, b, c, d, e, f] = jobs.map((j) => resultOf(j, w.workerId, claimedAt));
    const batch = [
      a!,
      {
        ...b!,
        status: 'failure' as const,
        result: undefined,
        error: { code: 'x', message: 'try again', retryable: true },
      },
      c!,
      { ...d!, status: 'released' as const, result: undefined },
      { ...e!, lease_token: 'not-the-lease' },
      a!,
      f!,
    ];
    expect(await sendResults(api(), w.node, batch)).toEqual([
      'recorded',
      'retrying',
      'recorded',
      'released',
      'lost',
      'duplicate',
      'recorded',
    ]);
    expect((await jobOf(api(), jobs[0]!.job_id)).status).toBe('succeeded');
    expect((await jobOf(api(), jobs[1]!.job_id)).status).toBe('queued');
    expect((await jobOf(api(), jobs[3]!.job_id)).status).toBe('queued');
    expect((await jobOf(api(), jobs[4]!.job_id)).status).toBe('running');
    // Three successes and one failed attempt; the release and the stranger count nothing.
    expect(await rollupOf(api(), w.node.id)).toEqual({ successes: 3, failures: 1 });
  });

  it('keeps the worker’s times within claim and receipt', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash');
    const claimedAt = api().clock.now;
    const [job] = await claim(api(), w, 'hash');
    api().clock.now += 2000;
    const skewed = resultOf(job!, w.workerId, claimedAt - 60_000, { finished_at_ms: claimedAt + 90_000 });
    expect(await sendResults(api(), w.node, [skewed])).toEqual(['recorded']);
    const [outcome] = await outcomesOf(api(), id);
    expect(outcome).toMatchObject({
      started_at: claimedAt,
      finished_at: claimedAt + 2000,
      duration_ms: 2000,
    });
  });

  it('retries a retryable failure after the topic’s backoff, and ends dead after max_attempts', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash');
    const crash = { code: 'crash', message: 'exit 1', retryable: true };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [job] = await claim(api(), w, 'hash');
      expect(job).toMatchObject({ job_id: id, attempt });
      const disposition = await sendResults(api(), w.node, [
        resultOf(job!, w.workerId, api().clock.now, { status: 'failure', error: crash }),
      ]);
      expect(disposition).toEqual([attempt < 3 ? 'retrying' : 'dead']);
      if (attempt < 3) {
        expect(await jobOf(api(), id)).toMatchObject({ status: 'queued', attempts: attempt, error: crash });
        // uniform backoff of 1000 ms: not claimable before it has passed.
        api().clock.now += 999;
        expect(await claim(api(), w, 'hash')).toEqual([]);
        api().clock.now += 1;
      }
    }
    expect(await jobOf(api(), id)).toMatchObject({ status: 'dead', attempts: 3, error: crash });
    expect((await outcomesOf(api(), id)).map((o) => [o.job_id, o.status])).toEqual([
      [`${id}:1`, 'failure'],
      [`${id}:2`, 'failure'],
      [`${id}:3`, 'failure'],
    ]);
    expect(await rollupOf(api(), w.node.id)).toEqual({ successes: 0, failures: 3 });
    expect((await api().work.queue.deadLetters('hash', 10)).map((d) => d.id)).toEqual([id]);
  });

  it('ends a job dead at a non-retryable failure, and turns a result above max_result_bytes into one', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const bad = await submitted(api(), 'hash', 'bad');
    const big = await submitted(api(), 'hash', 'big');
    const jobs = await claim(api(), w, 'hash', { max: 2 });
    expect(jobs.map((j) => j.job_id).sort()).toEqual([bad, big].sort());
    const badJob = jobs.find((j) => j.job_id === bad)!;
    const bigJob = jobs.find((j) => j.job_id === big)!;
    const at = api().clock.now;
    const error = { code: 'bad-input', message: 'exit 64', retryable: false };
    expect(
      await sendResults(api(), w.node, [
        resultOf(badJob, w.workerId, at, { status: 'failure', error }),
        resultOf(bigJob, w.workerId, at, { result: 'x'.repeat(300) }),
      ]),
    ).toEqual(['dead', 'dead']);
    expect(await jobOf(api(), bad)).toMatchObject({ status: 'dead', attempts: 1, error });
    const tooLarge = await jobOf(api(), big);
    expect(tooLarge).toMatchObject({
      status: 'dead',
      result: null,
      error: { code: 'result-too-large', retryable: false },
    });
    expect(tooLarge.error?.message).toMatch(/302 bytes.*max_result_bytes \(200\)/);
    expect(await rollupOf(api(), w.node.id)).toEqual({ successes: 0, failures: 2 });
  });

  it('queues a released job again at once, without an outcome or a counted attempt', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash');
    const [job] = await claim(api(), w, 'hash');
    const released = resultOf(job!, w.workerId, api().clock.now, { status: 'released' });
    expect(await sendResults(api(), w.node, [released])).toEqual(['released']);
    expect(await jobOf(api(), id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await outcomesOf(api(), id)).toEqual([]);
    const [again] = await claim(api(), w, 'hash');
    expect(again).toMatchObject({ job_id: id, attempt: 1 });
    expect(again!.lease_token).not.toBe(job!.lease_token);
    expect(await sendResults(api(), w.node, [released])).toEqual(['duplicate']);
    expect(await sendResults(api(), w.node, [resultOf(again!, w.workerId, api().clock.now)])).toEqual([
      'recorded',
    ]);
    expect((await outcomesOf(api(), id)).map((o) => o.job_id)).toEqual([`${id}:1`]);
  });

  it('extends a held lease; a cancelled job tells its worker to stop and discards its result', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const id = await submitted(api(), 'hash');
    const [job] = await claim(api(), w, 'hash');
    api().clock.now += 10_000;
    const lease = { job_id: id, lease_token: job!.lease_token };
    expect(await extend(api(), w, [lease, { job_id: id, lease_token: 'forged' }])).toEqual([
      { job_id: id, status: 'extended', lease_expires_at_ms: api().clock.now + LEASE_MS },
      { job_id: id, status: 'lost', lease_expires_at_ms: null },
    ]);
    const other = await nodeWithWorker(api(), 'node-b');
    expect((await extend(api(), other, [lease]))[0]?.status).toBe('lost');

    const cancel = await api().app.inject({
      method: 'POST',
      url: `/jobs/${id}/cancel`,
      headers: api().as('tenant'),
    });
    expect(cancel.json()).toEqual({ job_id: id, status: 'cancelled' });
    expect((await extend(api(), w, [lease]))[0]?.status).toBe('cancelled');
    expect(await sendResults(api(), w.node, [resultOf(job!, w.workerId, api().clock.now)])).toEqual([
      'cancelled',
    ]);
    expect(await jobOf(api(), id)).toMatchObject({ status: 'cancelled', result: null });
    expect(await outcomesOf(api(), id)).toEqual([]);
  });

  it('answers lost for a result of another worker or node, or of no job', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const other = await nodeWithWorker(api(), 'node-b');
    const id = await submitted(api(), 'hash');
    const [job] = await claim(api(), w, 'hash');
    const at = api().clock.now;
    expect(
      await sendResults(api(), other.node, [
        resultOf(job!, other.workerId, at),
        resultOf(job!, w.workerId, at),
        resultOf({ ...job!, job_id: 'nope' }, w.workerId, at),
      ]),
    ).toEqual(['lost', 'lost', 'lost']);
    expect(await jobOf(api(), id)).toMatchObject({ status: 'running' });
  });

  it('refuses claims for an unknown topic or worker, another node’s worker, or an unassigned topic', async () => {
    const w = await nodeWithWorker(api(), 'node-a', ['hash']);
    const other = await nodeWithWorker(api(), 'node-b');
    expectProblem(await claimRequest(api(), w.node, 'nope', { worker_id: w.workerId }), 404, 'unknown-topic');
    expectProblem(await claimRequest(api(), w.node, 'hash', { worker_id: 'ghost' }), 404, 'unknown-worker');
    expectProblem(
      await claimRequest(api(), w.node, 'hash', { worker_id: other.workerId }),
      404,
      'unknown-worker',
    );
    expectProblem(
      await claimRequest(api(), w.node, 'once', { worker_id: w.workerId }),
      409,
      'topic-not-assigned',
    );
    expectProblem(
      await claimRequest(api(), w.node, 'hash', { worker_id: w.workerId, wait_ms: 60_001 }),
      400,
      'invalid-request',
      /wait_ms/,
    );
    const unsigned = await api().app.inject({
      method: 'POST',
      url: '/topics/hash/claim',
      payload: { worker_id: w.workerId },
    });
    expect(unsigned.statusCode).toBe(401);
  });
});
