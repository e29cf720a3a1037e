import { expect, it } from 'vitest';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, type OutcomeBody, postOutcomes, registerAll, useApi } from './support.ts';

const T = Date.UTC(2026, 9, 31, 23, 0, 0);

function outcome(job_id: string, overrides: Partial<OutcomeBody> = {}): OutcomeBody {
  return {
    job_id,
    node_id: 'n1',
    topic: 'inference',
    status: 'success',
    started_at: T,
    finished_at: T + 1_500,
    ...overrides,
  };
}

async function storedOutcomes(api: TestApi) {
  return api.store.db
    .selectFrom('job_outcomes')
    .select(['job_id', 'node_id', 'topic', 'tenant_id', 'status', 'started_at', 'finished_at', 'duration_ms'])
    .orderBy('job_id')
    .execute();
}

describeEachBackend('API: job outcomes', (backend) => {
  const api = useApi(backend, (c) => {
    c.api.max_batch_size = 3;
  });
  const ready = () =>
    registerAll(api(), { node_id: 'n1', max_parallel: 4 }, { node_id: 'n2', max_parallel: 4 });

  it('records one outcome and derives its duration', async () => {
    await ready();
    const res = await postOutcomes(api(), outcome('job-1', { tenant_id: 't-9' }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(await storedOutcomes(api())).toEqual([
      {
        job_id: 'job-1',
        node_id: 'n1',
        topic: 'inference',
        tenant_id: 't-9',
        status: 'success',
        started_at: T,
        finished_at: T + 1_500,
        duration_ms: 1_500,
      },
    ]);
  });

  it('records a batch with RFC 3339 and epoch-millisecond times alike', async () => {
    await ready();
    const res = await postOutcomes(api(), [
      outcome('job-a', { started_at: '2026-10-31T23:00:00Z', finished_at: '2026-10-31T23:00:02.250Z' }),
      // The same instants with an offset: 2026-11-01T01:00:00+02:00 is 23:00 UTC.
      outcome('job-b', {
        node_id: 'n2',
        status: 'failure',
        started_at: '2026-11-01T01:00:00+02:00',
        finished_at: T + 40,
      }),
      outcome('job-c', { started_at: T, finished_at: T }),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ accepted: 3, duplicates: 0 });
    const rows = await storedOutcomes(api());
    expect(rows.map((r) => [r.job_id, r.node_id, r.status, r.started_at, r.duration_ms])).toEqual([
      ['job-a', 'n1', 'success', T, 2_250],
      ['job-b', 'n2', 'failure', T, 40],
      ['job-c', 'n1', 'success', T, 0],
    ]);
  });

  it('is idempotent by job_id: a resend is counted as duplicates and the first report wins', async () => {
    await ready();
    const first = await postOutcomes(api(), [outcome('job-1'), outcome('job-2')]);
    expect(first.json()).toEqual({ accepted: 2, duplicates: 0 });
    const resend = await postOutcomes(api(), [
      outcome('job-1', { status: 'failure', finished_at: T + 9_000 }),
      outcome('job-2'),
      outcome('job-3'),
    ]);
    expect(resend.statusCode).toBe(200);
    expect(resend.json()).toEqual({ accepted: 1, duplicates: 2 });
    const single = await postOutcomes(api(), outcome('job-3'));
    expect(single.json()).toEqual({ accepted: 0, duplicates: 1 });
    const rows = await storedOutcomes(api());
    expect(rows.map((r) => [r.job_id, r.status, r.duration_ms])).toEqual([
      ['job-1', 'success', 1_500],
      ['job-2', 'success', 1_500],
      ['job-3', 'success', 1_500],
    ]);
  });

  it('counts a job repeated inside one batch once', async () => {
    await ready();
    const res = await postOutcomes(api(), [outcome('job-1'), outcome('job-1', { status: 'failure' })]);
    expect(res.json()).toEqual({ accepted: 1, duplicates: 1 });
    expect((await storedOutcomes(api())).map((r) => r.status)).toEqual(['success']);
  });

  it('counts concurrent resends of the same job once', async () => {
    await ready();
    const results = await Promise.all(Array.from({ length: 6 }, () => postOutcomes(api(), outcome('job-1'))));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const totals = results.map((r) => r.json() as { accepted: number; duplicates: number });
    expect(totals.reduce((sum, t) => sum + t.accepted, 0)).toBe(1);
    expect(totals.reduce((sum, t) => sum + t.duplicates, 0)).toBe(5);
    // Counted once in each rollup grain (fine and coarse buckets).
    const rollups = await api()
      .store.db.selectFrom('outcome_rollups')
      .select(['successes', 'failures'])
      .execute();
    expect(rollups).toEqual([
      { successes: 1, failures: 0 },
      { successes: 1, failures: 0 },
    ]);
  });

  it('refuses a whole batch with 422 when one outcome names an unknown node, and stores nothing', async () => {
    await ready();
    const res = await postOutcomes(api(), [
      outcome('job-1'),
      outcome('job-2', { node_id: 'ghost' }),
      outcome('job-3'),
    ]);
    const problem = expectProblem(res, 422, 'unknown-node', /ghost.*nothing was stored/);
    expect(problem['node_ids']).toEqual(['ghost']);
    expect(await storedOutcomes(api())).toEqual([]);
    expect(await api().store.db.selectFrom('outcome_rollups').selectAll().execute()).toEqual([]);
  });

  it('refuses outcomes of a deregistered node with 422', async () => {
    await ready();
    await api().app.inject({ method: 'DELETE', url: '/nodes/n2', headers: api().as('operator') });
    expectProblem(await postOutcomes(api(), outcome('job-1', { node_id: 'n2' })), 422, 'unknown-node', /n2/);
    expect(await storedOutcomes(api())).toEqual([]);
  });

  it('refuses an outcome that finished before it started with 400, naming the job and its place', async () => {
    await ready();
    expectProblem(
      await postOutcomes(api(), outcome('job-1', { started_at: T + 10, finished_at: T })),
      400,
      'invalid-request',
      /^finished_at is before started_at for job job-1$/,
    );
    expectProblem(
      await postOutcomes(api(), [
        outcome('job-1'),
        outcome('job-2', { started_at: '2026-10-31T23:00:01Z', finished_at: T }),
      ]),
      400,
      'invalid-request',
      /^outcomes\[1\]\.finished_at is before started_at for job job-2$/,
    );
    expect(await storedOutcomes(api())).toEqual([]);
  });

  it('refuses times that are neither RFC 3339 nor epoch milliseconds', async () => {
    await ready();
    for (const started_at of ['yesterday', '2026-10-31', -5, 1.5]) {
      const res = await postOutcomes(api(), outcome('job-1', { started_at }));
      expectProblem(res, 400, 'invalid-request', /started_at/);
    }
    expect(await storedOutcomes(api())).toEqual([]);
  });

  it('refuses a batch larger than max_batch_size, and an empty one, with 400', async () => {
    await ready();
    const tooMany = await postOutcomes(
      api(),
      ['a', 'b', 'c', 'd'].map((id) => outcome(id)),
    );
    expectProblem(tooMany, 400, 'invalid-request', /must NOT have more than 3 items/);
    expectProblem(await postOutcomes(api(), []), 400, 'invalid-request', /must NOT have fewer than 1 items/);
    const justRight = await postOutcomes(
      api(),
      ['a', 'b', 'c'].map((id) => outcome(id)),
    );
    expect(justRight.json()).toEqual({ accepted: 3, duplicates: 0 });
  });
});
