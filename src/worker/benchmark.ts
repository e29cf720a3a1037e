import type { TopicDefinition } from '../core/work/topic.ts';
import type { Adapter } from './adapters/adapter.ts';

export type BenchmarkSpec = NonNullable<TopicDefinition['benchmark']>;

export interface BenchmarkResult {
  /** Successful runs per second over the timed runs; 0 when any run failed. */
  score: number;
  /** Timed runs attempted (the warm-up is not counted). */
  runs: number;
  failures: number;
  /** Why the score is 0; null when every run succeeded. */
  reason: string | null;
}

export interface BenchmarkOptions {
  /** Stops the benchmark (drain); the remaining runs are not attempted. */
  signal?: AbortSignal;
  /** Milliseconds from any origin; injectable so tests get exact scores. */
  now?: () => number;
}

/**
 * Runs the topic's benchmark payload through the adapter: one warm-up run (module import,
 * first connection, JIT), then `runs` timed runs one after another. A worker that cannot run its
 * own benchmark cannot be trusted with the topic, so the first failure ends it with score 0.
 */
export async function runBenchmark(
  adapter: Adapter,
  benchmark: BenchmarkSpec,
  timeoutMs: number,
  { signal = new AbortController().signal, now = () => performance.now() }: BenchmarkOptions = {},
): Promise<BenchmarkResult> {
  const warmUp = await adapter.run(benchmark.payload, { signal, timeoutMs });
  if (!warmUp.ok)
    return {
      score: 0,
      runs: 0,
      failures: 1,
      reason: `warm-up run failed: ${warmUp.error.code}: ${warmUp.error.message}`,
    };
  const started = now();
  for (let run = 1; run <= benchmark.runs; run++) {
    const outcome = await adapter.run(benchmark.payload, { signal, timeoutMs });
    if (!outcome.ok)
      return {
        score: 0,
        runs: run,
        failures: 1,
        reason: `run ${run} of ${benchmark.runs} failed: ${outcome.error.code}: ${outcome.error.message}`,
      };
  }
  // A clock that did not move (coarse timers, trivial work) must not give an infinite score.
  const elapsedMs = Math.max(now() - started, 0.001);
  const score = Math.round((benchmark.runs / (elapsedMs / 1000)) * 1000) / 1000;
  return { score, runs: benchmark.runs, failures: 0, reason: null };
}
