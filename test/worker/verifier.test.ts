import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('a worker that verifies a topic', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('claims other nodes’ samples, judges them and delivers the verdicts', async () => {
    // The judge: a result must echo its payload.
    setJobBehaviour(async (input) => {
      const { payload, result } = input as { payload: unknown; result: { echo?: unknown } };
      return { pass: JSON.stringify(result.echo) === JSON.stringify(payload) };
    });
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const good = t.fake.submit('hash', { n: 1 });
    const bad = t.fake.submit('hash', { n: 2 });
    for (const [job, result] of [
      [good, { echo: { n: 1 } }],
      [bad, { echo: { n: 3 } }],
    ] as const) {
      job.status = 'succeeded';
      job.result = result;
      t.fake.sample(job.job_id, 'node-other');
    }
    const host = await t.start(t.config({ verify: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    await eventually('both judged', () => [...t.fake.samples.values()].every((s) => s.verdict !== null));
    expect(t.fake.samples.get(good.job_id)!.verdict).toMatchObject({
      worker_id: `${t.nodeId}/main`,
      pass: true,
      loss: null,
    });
    expect(t.fake.samples.get(bad.job_id)!.verdict).toMatchObject({ pass: false });
    await eventually('outbox empty', () => host.status().outbox.verdicts === 0);
    const text = await host.registry.metrics();
    expect(metricValue(text, 'vigil_worker_submissions_total', 'kind="verdicts"')).toBeGreaterThanOrEqual(1);
    // Verifying only: the worker never claims jobs.
    expect(t.fake.countOf('claim')).toBe(0);
    expect(t.fake.workers.get(`${t.nodeId}/main`)!.verify_topics).toEqual(['hash']);
  });

  it('sends no verdict when the judge itself fails', async () => {
    let judged = 0;
    setJobBehaviour(async () => {
      judged++;
      return { neither: true };
    });
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const job = t.fake.submit('hash', {});
    job.status = 'succeeded';
    job.result = {};
    t.fake.sample(job.job_id, 'node-other');
    const host = await t.start(t.config({ verify: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    await eventually('judged', () => judged === 1);
    // The judge runs on a thread: its answer reaches the verifier a moment after it counts.
    await eventually('the judge’s failure logged', () =>
      t.log.entries.some((e) => e.msg === 'no verdict: the judge failed'),
    );
    const syncs = t.fake.countOf('sync');
    await eventually('a few more heartbeats', () => t.fake.countOf('sync') >= syncs + 2);
    expect(t.fake.countOf('verdicts')).toBe(0);
    expect(host.status().outbox.verdicts).toBe(0);
  });
});
