import { expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem } from '../api/support.ts';
import { claim, nodeWithWorker, resultOf, sendResults, submitted, useWorkApi } from './support.ts';

describeEachBackend('jobs: GET /jobs/{job_id}/attempts', (backend) => {
  const api = useWorkApi(backend);
  const attemptsOf = (jobId: string, headers: { authorization: string }) =>
    api().app.inject({ method: 'GET', url: `/jobs/${jobId}/attempts`, headers });

  it('lists each ended attempt with its node and times, first attempt first; a running one is not listed', async () => {
    const a = await nodeWithWorker(api(), 'node-a');
    const b = await nodeWithWorker(api(), 'node-b');
    const id = await submitted(api(), 'hash');
    expect((await attemptsOf(id, api().as('read'))).json()).toEqual({ job_id: id, attempts: [] });

    const firstAt = api().clock.now;
    const [first] = await claim(api(), a, 'hash');
    const crash = { code: 'crash', message: 'exit 1', retryable: true };
    api().clock.now += 300;
    await sendResults(api(), a.node, [
      resultOf(first!, a.workerId, firstAt, { status: 'failure', error: crash }, 250),
    ]);
    api().clock.now += 1000; // the topic's uniform backoff
    const secondAt = api().clock.now;
    const [second] = await claim(api(), b, 'hash');
    expect(second?.attempt).toBe(2);
    const running = (await attemptsOf(id, api().as('read'))).json() as { attempts: unknown[] };
    expect(running.attempts).toHaveLength(1);

    api().clock.now += 500;
    await sendResults(api(), b.node, [resultOf(second!, b.workerId, secondAt, {}, 400)]);
    const res = await attemptsOf(id, api().as('tenant'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      job_id: id,
      attempts: [
        {
          attempt: 1,
          node_id: a.node.id,
          status: 'failure',
          started_at_ms: firstAt,
          finished_at_ms: firstAt + 250,
          duration_ms: 250,
        },
        {
          attempt: 2,
          node_id: b.node.id,
          status: 'success',
          started_at_ms: secondAt,
          finished_at_ms: secondAt + 400,
          duration_ms: 400,
        },
      ],
    });
  });

  it('answers another tenant, and a job that does not exist, with 404', async () => {
    const id = await submitted(api(), 'hash');
    const { key } = await createApiKey(api().store.db, 'tenant', 'acme');
    expectProblem(await attemptsOf(id, { authorization: `Bearer ${key}` }), 404, 'not-found');
    expectProblem(await attemptsOf('no-such-job', api().as('read')), 404, 'not-found');
    expect((await attemptsOf(id, api().as('operator'))).statusCode).toBe(200);
  });
});
