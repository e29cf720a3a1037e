import type { TopicInput } from '../config/topic-schema.ts';

/**
 * The topics `vigil up` declares: one per adapter kind, each computing something small for
 * real. The reference adapters name the example scripts; simulated nodes run their own copies
 * of the same adapters (a node chooses what it runs, see docs/worker.md).
 */
export const SIMULATED_TOPICS: TopicInput[] = [
  {
    name: 'sha256',
    description: 'a chain of SHA-256 rounds (command adapter)',
    adapter: { kind: 'command', command: 'node', args: ['examples/adapters/sha256-chain.mjs'] },
    timeout_ms: 10_000,
    max_attempts: 3,
    backoff: { kind: 'exponential', initial_ms: 500, max_ms: 5000 },
    deadline_ms: 300_000,
    price_per_unit: '0.0004',
    // Low enough for 50 workers benchmarking at once on two cores; a starved node still fails it.
    min_benchmark_score: 0.25,
    benchmark: { payload: { data: 'benchmark', rounds: 2000 }, runs: 3 },
    verification: {
      adapter: { kind: 'command', command: 'node', args: ['examples/adapters/verify-sha256.mjs'] },
      sample_rate: 0.2,
    },
  },
  {
    name: 'primes',
    description: 'count the primes below n (module adapter)',
    adapter: { kind: 'module', path: 'examples/adapters/primes.mjs' },
    timeout_ms: 5000,
    max_attempts: 3,
    price_per_unit: '0.0002',
    verification: {
      adapter: { kind: 'module', path: 'examples/adapters/verify-primes.mjs' },
      sample_rate: 0.1,
      max_loss: 0,
    },
  },
  {
    name: 'wordfreq',
    description: 'word frequencies of a text (HTTP adapter, each node its own service)',
    timeout_ms: 3000,
    max_attempts: 4,
    backoff: { kind: 'uniform', initial_ms: 250, max_ms: 250 },
    price_per_unit: '0.0001',
  },
];

/** Which two of the three topics the node at `index` serves: each topic is served by two thirds of the fleet. */
export function servedTopics(index: number): string[] {
  return [
    ['sha256', 'primes'],
    ['primes', 'wordfreq'],
    ['wordfreq', 'sha256'],
  ][index % 3] as string[];
}
