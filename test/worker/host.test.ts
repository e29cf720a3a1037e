import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { aborted, echo, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

// Long enough that a slow start of the adapter's threads on a loaded machine never times a job out.
const hash = { name: 'hash', timeout_ms: 10_000 };

describe('worker host against a fake coordinator', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('syncs its declared worker, claims jobs, runs them and submits the results in batches', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [hash] });
    const host = await t.start(
      t.config({ topics: [{ topic: 'hash', concurrency: 4, adapter: testModuleAdapter }] }),
    );
    const jobs = Array.from({ length: 12 }, (_, i) => t.fake.submit('hash', { n: i }));
    await eventually('all jobs succeeded', () => jobs.every((j) => j.status === 'succeeded'));
    expect(jobs.map((j) => j.result)).toEqual(jobs.map((_, i) => ({ echo: { n: i } })));
    expect(t.fake.refusals).toEqual([]);
    // Results go in batches: fewer calls than results.
    const calls = t.fake.requests.filter((r) => r.route === 'results');
    const sent = calls.reduce((n, r) => n + (r.body as { results: unknown[] }).results.length, 0);
    expect(sent).toBe(12);
    const worker = t.fake.workers.get(`${t.nodeId}/main`)!;
    expect(worker.source).toBe('config');
    expect(worker.topics).toEqual([{ topic: 'hash', concurrency: 4 }]);
    await eventually('transitions reported', () => worker.transitions.length >= 3);
    expect(worker.transitions.map((s) => s.state).slice(0, 3)).toEqual(['starting', 'ready', 'working']);
    await eventually('outbox empty', () => host.status().outbox.results === 0);
    const text = await host.registry.metrics();
    expect(metricValue(text, 'vigil_worker_jobs_claimed_total', 'topic="hash"')).toBe(12);
    expect(metricValue(text, 'vigil_worker_results_built_total', 'topic="hash"')).toBe(12);
    expect(metricValue(text, 'vigil_worker_adapter_requests_total', 'topic="hash",kind="module"')).toBe(12);
  });

  it('retries a retryable adapter failure up to max_retries, then reports the failure', async () => {
    let calls = 0;
    setJobBehaviour(async () => {
      calls++;
      throw new Error('flaky backend');
    });
    const t = await h.make({ topics: [hash] });
    const host = await t.start(
      t.config({ max_retries: 2, topics: [{ topic: 'hash', concurrency: 1, adapter: testModuleAdapter }] }),
    );
    const job = t.fake.submit('hash', {}, 1);
    await eventually('job dead', () => job.status === 'dead');
    expect(calls).toBe(3);
    expect(job.received).toHaveLength(1);
    expect(job.received[0]!.item.status).toBe('failure');
    expect(job.received[0]!.item.error).toMatchObject({
      message: expect.stringContaining('flaky backend'),
      retryable: true,
    });
    expect(metricValue(await host.registry.metrics(), 'vigil_worker_retries_total', 'topic="hash"')).toBe(2);
  });

  it('does not retry a failure marked not retryable', async () => {
    let calls = 0;
    setJobBehaviour(async () => {
      calls++;
      throw Object.assign(new Error('bad payload'), { retryable: false, code: 'bad-input' });
    });
    const t = await h.make({ topics: [hash] });
    await t.start(t.config({ max_retries: 5, topics: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    const job = t.fake.submit('hash', {});
    await eventually('job dead', () => job.status === 'dead');
    expect(calls).toBe(1);
    expect(job.received[0]!.item.error).toMatchObject({ retryable: false });
  });

  it('goes to error and claims nothing when its benchmark scores below the minimum', async () => {
    setJobBehaviour(echo);
    const t = await h.make({
      topics: [{ ...hash, benchmark: { payload: { n: 1 }, runs: 2 }, min_benchmark_score: 1e12 }],
    });
    const host = await t.start(t.config({ topics: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    t.fake.submit('hash', {});
    const worker = await eventually('worker reported error', () => {
      const w = t.fake.workers.get(`${t.nodeId}/main`);
      return w?.reports.at(-1)?.state === 'error' ? w : undefined;
    });
    expect(worker.transitions.map((s) => s.state)).toEqual(['starting', 'benchmarking', 'error']);
    expect(worker.reports.at(-1)!.reason).toMatch(/benchmark score .* below the minimum 1000000000000/);
    expect(worker.reports.at(-1)!.benchmark['hash']).toBeGreaterThan(0);
    // A few heartbeats later, still not one claim.
    const syncs = t.fake.countOf('sync');
    await eventually('more heartbeats', () => t.fake.countOf('sync') >= syncs + 3);
    expect(t.fake.countOf('claim')).toBe(0);
    expect(host.status().workers[0]!.state).toBe('error');
  });

  it('claims only once a sync carried a passing benchmark score', async () => {
    setJobBehaviour(echo);
    const t = await h.make({
      topics: [{ ...hash, benchmark: { payload: { n: 1 }, runs: 2 }, min_benchmark_score: 0.001 }],
    });
    await t.start(t.config({ topics: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    const job = t.fake.submit('hash', { x: 1 });
    await eventually('job succeeded', () => job.status === 'succeeded');
    expect(t.fake.refusals).toEqual([]);
    expect(t.fake.requests.filter((r) => r.route === 'claim').length).toBeGreaterThan(0);
    const worker = t.fake.workers.get(`${t.nodeId}/main`)!;
    // The scores went with `ready` in a sync before the first claim.
    expect(worker.transitions.map((s) => s.state).slice(0, 3)).toEqual(['starting', 'benchmarking', 'ready']);
  });

  it('extends leases of running jobs, and a cancelled job’s adapter is aborted with nothing sent', async () => {
    const started: string[] = [];
    let abortedRuns = 0;
    setJobBehaviour(async (payload, signal) => {
      started.push((payload as { id: string }).id);
      await aborted(signal);
      abortedRuns++;
      return null;
    });
    const t = await h.make({ topics: [hash], leaseMs: 1000 });
    await t.start(t.config({ topics: [{ topic: 'hash', adapter: testModuleAdapter }] }));
    const job = t.fake.submit('hash', { id: 'a' });
    await eventually('job started', () => started.length === 1);
    // Four extensions, a third of a lease apart: past the first lease, and the job is still ours.
    await eventually('four extensions', () => t.fake.countOf('extend') >= 4);
    expect(job.status).toBe('running');
    t.fake.cancel(job.job_id);
    await eventually('adapter aborted', () => abortedRuns === 1);
    // The slot is free again and takes the next job; the cancelled one sent nothing.
    setJobBehaviour(echo);
    const next = t.fake.submit('hash', { id: 'b' });
    await eventually('next job done', () => next.status === 'succeeded');
    expect(job.received).toEqual([]);
  });
});
