import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { echo, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('the worker outbox', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('keeps results across a stop and restart, and sends each once', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const config = t.config({ topics: [{ topic: 'hash', concurrency: 2, adapter: testModuleAdapter }] });
    t.fake.failNext('results', 1_000_000, 500);
    const first = await t.start(config);
    const jobs = [t.fake.submit('hash', { n: 1 }), t.fake.submit('hash', { n: 2 })];
    // The fake counts a call before it answers; the worker counts the error once it has the answer.
    await eventually(
      'two refused deliveries counted',
      async () =>
        (metricValue(
          await first.registry.metrics(),
          'vigil_worker_submission_errors_total',
          'kind="results"',
        ) ?? 0) >= 2,
    );
    expect(t.fake.countOf('results')).toBeGreaterThanOrEqual(2);
    expect(first.status().outbox.results).toBe(2);
    expect(
      metricValue(await first.registry.metrics(), 'vigil_worker_submission_errors_total', 'kind="results"'),
    ).toBeGreaterThanOrEqual(2);
    await first.stop('restart');
    expect(jobs.every((j) => j.status === 'running' && j.received.length === 0)).toBe(true);

    t.fake.clearFailures();
    const second = await t.start(config);
    await eventually('both recorded', () => jobs.every((j) => j.status === 'succeeded'));
    for (const job of jobs) expect(job.received.map((r) => r.disposition)).toEqual(['recorded']);
    await eventually('outbox empty', () => second.status().outbox.results === 0);
    await second.stop('restart again');

    const third = await t.start(config);
    const syncs = t.fake.countOf('sync');
    await eventually('a few heartbeats', () => t.fake.countOf('sync') >= syncs + 3);
    expect(third.status().outbox.results).toBe(0);
    for (const job of jobs) expect(job.received).toHaveLength(1);
  });

  it('drops only the item the coordinator refuses for good, after splitting the batch', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    // The first batch is refused whole (400), then halves: the first half's call is refused
    // again, the rest accepted, so exactly one item is left alone and dropped.
    t.fake.failNext('results', 1_000_000, 500);
    const host = await t.start(
      t.config({ topics: [{ topic: 'hash', concurrency: 4, adapter: testModuleAdapter }] }),
    );
    const jobs = Array.from({ length: 4 }, (_, i) => t.fake.submit('hash', { n: i }));
    await eventually('four results queued', () => host.status().outbox.results === 4);
    // A delivery sent before the fourth result came may still be on its way (the fake reads
    // its body before it decides the answer): once one carrying all four has arrived, every
    // later delivery carries all four, so the refusals below meet [a b c d], not [a b].
    await eventually('a delivery carrying all four', () =>
      t.fake.requests.some(
        (r) => r.route === 'results' && (r.body as { results: unknown[] }).results.length === 4,
      ),
    );
    t.fake.clearFailures();
    // [a b c d] 400 → [a b] 400 → [a] 400 dropped → [b] ok → [c d] ok
    t.fake.failNext('results', 3, 400);
    await eventually('outbox empty', () => host.status().outbox.results === 0);
    const recorded = jobs.filter((j) => j.status === 'succeeded');
    expect(recorded).toHaveLength(3);
    expect(jobs.filter((j) => j.received.length === 0)).toHaveLength(1);
    const text = await host.registry.metrics();
    expect(metricValue(text, 'vigil_worker_outbox_dropped_total', 'kind="results"')).toBe(1);
    expect(t.log.entries.some((e) => e.level === 'error' && e.msg.includes('dropped'))).toBe(true);
  });

  it('reports a result the coordinator refuses as too large (413) as a result-too-large failure', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    t.fake.failNext('results', 1_000_000, 500);
    const host = await t.start(
      t.config({ topics: [{ topic: 'hash', concurrency: 1, adapter: testModuleAdapter }] }),
    );
    const job = t.fake.submit('hash', { n: 1 });
    await eventually('the result queued', () => host.status().outbox.results === 1);
    t.fake.clearFailures();
    t.fake.failNext('results', 1, 413);
    await eventually('the outbox empty', () => host.status().outbox.results === 0);
    expect(job.received).toHaveLength(1);
    expect(job.received[0]?.item).toMatchObject({
      status: 'failure',
      error: { code: 'result-too-large', retryable: false },
    });
    expect(job.received[0]?.item).not.toHaveProperty('result');
    const text = await host.registry.metrics();
    expect(metricValue(text, 'vigil_worker_outbox_dropped_total', 'kind="results"')).toBe(0);
  });
});
