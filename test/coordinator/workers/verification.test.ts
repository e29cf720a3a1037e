import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, expectProblem, get, useApi } from '../api/support.ts';
import { declared, hostsWithTopics, signedPost, succeededJob, syncOk, type TestNode } from './support.ts';

interface SampleJson {
  job_id: string;
  node_id: string;
  payload: unknown;
  result: unknown;
  finished_at_ms: number;
}

const verifyOnly = { topics: [], verify_topics: ['hash'] };

describeEachBackend('workers: verification', (backend) => {
  const api = useApi(backend);
  let runner: TestNode;
  let v1: TestNode;
  let v2: TestNode;
  const verifier = (node: TestNode) => `${node.id}/verify`;

  beforeEach(async () => {
    [runner, v1, v2] = (await hostsWithTopics(api(), 3, [{ name: 'hash' }, { name: 'other' }])) as [
      TestNode,
      TestNode,
      TestNode,
    ];
    for (const node of [runner, v1, v2]) {
      await syncOk(api(), node, [declared(verifier(node), { declared: verifyOnly })]);
    }
  });

  async function claim(node: TestNode, max?: number, topic = 'hash'): Promise<SampleJson[]> {
    const res = await signedPost(api(), node, `/topics/${topic}/verifications/claim`, {
      worker_id: verifier(node),
      ...(max === undefined ? {} : { max }),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { samples: SampleJson[] }).samples;
  }

  async function verdicts(
    node: TestNode,
    items: Array<{ job_id: string; pass: boolean; worker_id?: string }>,
  ) {
    const res = await signedPost(api(), node, '/verdicts', {
      verdicts: items.map((i) => ({
        job_id: i.job_id,
        worker_id: i.worker_id ?? verifier(node),
        pass: i.pass,
        loss: i.pass ? 0.01 : 0.9,
        detail: i.pass ? null : 'digest differs',
      })),
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { verdicts: Array<{ job_id: string; disposition: string }> }).verdicts.map(
      (v) => v.disposition,
    );
  }

  it('hands each sample to one verifier, oldest first, and again once the claim expired', async () => {
    const t = api().clock.now;
    for (let i = 0; i < 3; i++)
      await succeededJob(api(), { jobId: `j${i}`, nodeId: runner.id, finishedAt: t - 10_000 + i });
    await succeededJob(api(), { jobId: 'unsampled', nodeId: runner.id, verification: null });

    const first = await claim(v1, 2);
    expect(first.map((s) => s.job_id)).toEqual(['j0', 'j1']);
    expect(first[0]).toEqual({
      job_id: 'j0',
      node_id: runner.id,
      payload: { n: 'j0' },
      result: { digest: 'd-j0' },
      finished_at_ms: t - 10_000,
    });
    expect((await claim(v2)).map((s) => s.job_id)).toEqual(['j2']);
    expect(await claim(v1)).toEqual([]);

    api().clock.now += api().config.queue.lease_ms;
    expect((await claim(v2)).map((s) => s.job_id)).toEqual(['j0', 'j1', 'j2']);
  });

  it('never gives two verifiers claiming at once the same sample', async () => {
    for (let i = 0; i < 12; i++) await succeededJob(api(), { jobId: `c${i}`, nodeId: runner.id });
    const [x, y] = await Promise.all([claim(v1, 8), claim(v2, 8)]);
    const ids = [...x, ...y].map((s) => s.job_id);
    expect(new Set(ids).size).toBe(ids.length);
    // Whatever either missed in the race is still there for the next claim.
    const rest = await claim(v1, 50);
    expect([...ids, ...rest.map((s) => s.job_id)].sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `c${i}`).sort(),
    );
  });

  it('never gives a verifier its own node’s work', async () => {
    await succeededJob(api(), { jobId: 'mine', nodeId: v1.id });
    await succeededJob(api(), { jobId: 'theirs', nodeId: runner.id });
    expect((await claim(v1)).map((s) => s.job_id)).toEqual(['theirs']);
    expect((await claim(v2)).map((s) => s.job_id)).toEqual(['mine']);
  });

  it('refuses an unknown topic, a topic the worker does not verify, and another node’s worker', async () => {
    expectProblem(
      await signedPost(api(), v1, '/topics/nope/verifications/claim', { worker_id: verifier(v1) }),
      404,
      'unknown-topic',
    );
    expectProblem(
      await signedPost(api(), v1, '/topics/other/verifications/claim', { worker_id: verifier(v1) }),
      409,
      'topic-not-assigned',
    );
    expectProblem(
      await signedPost(api(), v1, '/topics/hash/verifications/claim', { worker_id: verifier(v2) }),
      404,
      'unknown-worker',
    );
    expectProblem(
      await signedPost(api(), v1, '/topics/hash/verifications/claim', { worker_id: verifier(v1), max: 51 }),
      400,
      'invalid-request',
    );
  });

  it('takes the first verdict only from the claiming worker; resent ones are duplicates', async () => {
    await succeededJob(api(), { jobId: 'p', nodeId: runner.id });
    await succeededJob(api(), { jobId: 'q', nodeId: runner.id });
    expect(await verdicts(v1, [{ job_id: 'p', pass: true }])).toEqual(['not-claimed']);
    await claim(v1);
    expect(
      await verdicts(v1, [
        { job_id: 'p', pass: true },
        { job_id: 'p', pass: false },
        { job_id: 'ghost', pass: true },
        // A worker id of another node holds no claim this node may settle.
        { job_id: 'q', pass: true, worker_id: verifier(v2) },
      ]),
    ).toEqual(['recorded', 'duplicate', 'unknown-job', 'not-claimed']);
    expect(await verdicts(v2, [{ job_id: 'p', pass: false }])).toEqual(['not-claimed']);
    expect(await verdicts(v1, [{ job_id: 'p', pass: false }])).toEqual(['duplicate']);
    const job = await api()
      .store.db.selectFrom('jobs')
      .select(['status', 'verification_state', 'verdict'])
      .where('job_id', '=', 'p')
      .executeTakeFirstOrThrow();
    expect(job.status).toBe('succeeded');
    expect(job.verification_state).toBe('passed');
    expect(JSON.parse(job.verdict!)).toEqual({
      pass: true,
      loss: 0.01,
      detail: null,
      worker_id: verifier(v1),
      node_id: v1.id,
      at: api().clock.now,
    });
  });

  it('turns a failed verdict into failed_verification, a failed outcome and a lower completion rate', async () => {
    for (let i = 0; i < 4; i++) await succeededJob(api(), { jobId: `f${i}`, nodeId: runner.id, attempt: 2 });
    expect((await collect(api())).statusCode).toBe(200);
    expect((await get(api(), '/metrics')).body).toMatch(
      new RegExp(`^vigil_sla_completion_rate_pct\\{node_id="${runner.id}"\\} 100$`, 'm'),
    );

    await claim(v1, 4);
    const sent = [
      { job_id: 'f0', pass: false },
      { job_id: 'f1', pass: true },
      { job_id: 'f2', pass: true },
    ];
    expect(await verdicts(v1, sent)).toEqual(['recorded', 'recorded', 'recorded']);
    // The outbox resends the batch (a lost answer): nothing counts twice.
    expect(await verdicts(v1, sent)).toEqual(['duplicate', 'duplicate', 'duplicate']);

    const failed = await api()
      .store.db.selectFrom('jobs')
      .select(['status', 'verification_state'])
      .where('job_id', '=', 'f0')
      .executeTakeFirstOrThrow();
    expect(failed).toEqual({ status: 'failed_verification', verification_state: 'failed' });
    const outcomes = await api()
      .store.db.selectFrom('job_outcomes')
      .select(['job_id', 'status'])
      .where('node_id', '=', runner.id)
      .orderBy('job_id')
      .execute();
    expect(outcomes).toEqual([
      { job_id: 'f0:2', status: 'failure' },
      { job_id: 'f1:2', status: 'success' },
      { job_id: 'f2:2', status: 'success' },
      { job_id: 'f3:2', status: 'success' },
    ]);
    const rollups = await api()
      .store.db.selectFrom('outcome_rollups')
      .select(['bucket_ms', 'successes', 'failures'])
      .where('node_id', '=', runner.id)
      .orderBy('bucket_ms')
      .execute();
    expect(rollups.map((r) => [r.successes, r.failures])).toEqual([
      [3, 1],
      [3, 1],
    ]);

    expect((await collect(api())).statusCode).toBe(200);
    const metrics = (await get(api(), '/metrics')).body;
    expect(metrics).toMatch(
      new RegExp(`^vigil_sla_completion_rate_pct\\{node_id="${runner.id}"\\} 75$`, 'm'),
    );
    expect(metrics).toMatch(/^vigil_verifications_total\{topic="hash",verdict="fail"\} 1$/m);
    expect(metrics).toMatch(/^vigil_verifications_total\{topic="hash",verdict="pass"\} 2$/m);

    const node = (await get(api(), `/nodes/${runner.id}`)).json() as { quality: unknown };
    expect(node.quality).toEqual({ verified: 3, failed: 1, score: (3 - 1 + 1) / (3 + 2) });
    const verifierNode = (await get(api(), `/nodes/${v1.id}`)).json() as { quality: unknown };
    expect(verifierNode.quality).toEqual({ verified: 0, failed: 0, score: null });
  });

  it('refuses a malformed verdict batch whole, and an unsigned one', async () => {
    expectProblem(await signedPost(api(), v1, '/verdicts', { verdicts: [] }), 400, 'invalid-request');
    expectProblem(
      await signedPost(api(), v1, '/verdicts', {
        verdicts: [{ job_id: 'x', worker_id: verifier(v1), pass: 'yes' }],
      }),
      400,
      'invalid-request',
    );
    const unsigned = await api().app.inject({
      method: 'POST',
      url: '/verdicts',
      headers: api().as('operator'),
      payload: { verdicts: [{ job_id: 'x', worker_id: verifier(v1), pass: true, loss: null, detail: null }] },
    });
    expectProblem(unsigned, 401, 'signature-required');
  });
});
