import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { aborted, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('stopping a worker host', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('abandons its long polls, lets a job in flight finish, sends its result and ends stopped', async () => {
    let finish: (() => void) | null = null;
    setJobBehaviour(
      (payload) =>
        new Promise((resolve) => {
          finish = () => resolve({ done: payload });
        }),
    );
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const host = await t.start(
      t.config({
        claim_wait_ms: 60_000,
        drain_timeout_ms: 20_000,
        topics: [{ topic: 'hash', concurrency: 2, adapter: testModuleAdapter }],
      }),
    );
    const job = t.fake.submit('hash', { n: 1 });
    await eventually('job in its adapter', () => finish !== null);
    const stopping = host.stop('SIGTERM');
    const worker = t.fake.workers.get(`${t.nodeId}/main`)!;
    await eventually('draining reported', () => worker.transitions.some((s) => s.state === 'draining'));
    expect(job.status).toBe('running');
    finish!();
    await stopping;
    expect(job.status).toBe('succeeded');
    expect(job.received.map((r) => r.item.status)).toEqual(['success']);
    const states = worker.transitions.map((s) => s.state);
    expect(states.slice(-2)).toEqual(['draining', 'stopped']);
    expect(worker.transitions.at(-1)!.reason).toBe('SIGTERM');
    expect(worker.reports.at(-1)!.state).toBe('stopped');
  });

  it('aborts a job still running after drain_timeout_ms and releases it', async () => {
    let abortedRuns = 0;
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const host = await t.start(
      t.config({ drain_timeout_ms: 200, topics: [{ topic: 'hash', adapter: testModuleAdapter }] }),
    );
    let started = false;
    setJobBehaviour(async (_payload, signal) => {
      started = true;
      await aborted(signal);
      abortedRuns++;
      return null;
    });
    const job = t.fake.submit('hash', {});
    await eventually('job in its adapter', () => started);
    await host.stop('SIGTERM');
    // The module hears of the abort from its thread a moment later.
    await eventually('the module saw the abort', () => abortedRuns === 1);
    expect(job.received.map((r) => [r.item.status, r.disposition])).toEqual([['released', 'released']]);
    expect(job.status).toBe('queued');
    expect(t.fake.workers.get(`${t.nodeId}/main`)!.transitions.at(-1)!.state).toBe('stopped');
  });
});
