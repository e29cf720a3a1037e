import { describe, expect, it } from 'vitest';
import type { Adapter, AdapterOutcome, RunOptions } from '../../src/worker/adapters/adapter.ts';
import { createAdapter } from '../../src/worker/adapters/index.ts';
import { runBenchmark } from '../../src/worker/benchmark.ts';

/** An adapter that answers from a script of outcomes and advances a fake clock per run. */
function scripted(outcomes: AdapterOutcome[], clock: { ms: number }, msPerRun: number) {
  const calls: { input: unknown; options: RunOptions }[] = [];
  const adapter: Adapter = {
    kind: 'module',
    async run(input, options) {
      calls.push({ input, options });
      clock.ms += msPerRun;
      return outcomes.shift() ?? { ok: true, result: 'ok' };
    },
    async close() {},
  };
  return { adapter, calls };
}

const ok: AdapterOutcome = { ok: true, result: 1 };

describe('runBenchmark', () => {
  it('scores successful timed runs per second, after one untimed warm-up', async () => {
    const clock = { ms: 0 };
    const { adapter, calls } = scripted([], clock, 250);
    const result = await runBenchmark(adapter, { payload: { n: 1 }, runs: 4 }, 1500, { now: () => clock.ms });
    // Four runs of 250 ms: 4 per second. The warm-up's 250 ms are not in it.
    expect(result).toEqual({ score: 4, runs: 4, failures: 0, reason: null });
    expect(calls).toHaveLength(5);
    expect(calls.every((c) => JSON.stringify(c.input) === '{"n":1}' && c.options.timeoutMs === 1500)).toBe(
      true,
    );
  });

  it('scores 0 with the failing run and its error as the reason, and stops there', async () => {
    const clock = { ms: 0 };
    const failure: AdapterOutcome = {
      ok: false,
      error: { code: 'timeout', message: 'too slow', retryable: true },
    };
    const { adapter, calls } = scripted([ok, ok, failure], clock, 10);
    const result = await runBenchmark(adapter, { payload: null, runs: 5 }, 1000, { now: () => clock.ms });
    expect(result).toEqual({
      score: 0,
      runs: 2,
      failures: 1,
      reason: 'run 2 of 5 failed: timeout: too slow',
    });
    expect(calls).toHaveLength(3);
  });

  it('scores 0 when the warm-up fails, without timed runs', async () => {
    const clock = { ms: 0 };
    const failure: AdapterOutcome = {
      ok: false,
      error: { code: 'load-failed', message: 'no file', retryable: false },
    };
    const { adapter, calls } = scripted([failure], clock, 10);
    expect(await runBenchmark(adapter, { payload: null, runs: 5 }, 1000)).toEqual({
      score: 0,
      runs: 0,
      failures: 1,
      reason: 'warm-up run failed: load-failed: no file',
    });
    expect(calls).toHaveLength(1);
  });

  it('never scores infinity when the clock does not move', async () => {
    const { adapter } = scripted([], { ms: 0 }, 0);
    const result = await runBenchmark(adapter, { payload: null, runs: 3 }, 1000, { now: () => 7 });
    expect(Number.isFinite(result.score)).toBe(true);
    expect(result.score).toBeGreaterThan(0);
  });

  it('passes its signal on, so a drain stops the benchmark', async () => {
    const controller = new AbortController();
    controller.abort();
    const adapter = createAdapter(
      { kind: 'module', path: 'unused.mjs', export: 'default' },
      { baseDir: '/nonexistent' },
    );
    const result = await runBenchmark(adapter, { payload: null, runs: 3 }, 1000, {
      signal: controller.signal,
    });
    expect(result.score).toBe(0);
    expect(result.reason).toContain('cancelled');
  });

  it('benchmarks a real adapter to a positive score', async () => {
    const adapter = createAdapter(
      { kind: 'module', path: 'examples/adapters/primes.mjs', export: 'default' },
      { baseDir: new URL('../../', import.meta.url).pathname },
    );
    const result = await runBenchmark(adapter, { payload: { below: 10_000 }, runs: 3 }, 5000);
    expect(result).toMatchObject({ runs: 3, failures: 0, reason: null });
    expect(result.score).toBeGreaterThan(0);
  });
});
