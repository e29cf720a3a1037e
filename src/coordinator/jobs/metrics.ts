import { Counter, Gauge, type Registry } from 'prom-client';
import type { TopicQueueStats } from '../../queue/queue.ts';

/** How long one scrape's queue figures are reused by the three queue gauges. */
const STATS_REUSE_MS = 1000;

type QueueStatsReader = () => Promise<TopicQueueStats[] | null>;

/**
 * The coordinator's job and queue metrics (docs/design/work-contract.md), on the
 * coordinator's registry. The queue gauges are read from the queue when Prometheus scrapes,
 * so they are never older than the scrape and cost nothing between scrapes.
 */
export function createJobMetrics(
  registry: Registry,
  {
    queueStats,
    onError = () => {},
  }: { queueStats: () => Promise<TopicQueueStats[]>; onError?: (err: unknown) => void },
) {
  return { ...jobCounters(registry), ...queueGauges(registry, sharedQueueStats(queueStats, onError)) };
}

export type JobMetrics = ReturnType<typeof createJobMetrics>;

function jobCounters(registry: Registry) {
  return {
    submitted: new Counter({
      name: 'vigil_jobs_submitted_total',
      help: 'Jobs submitted by tenants (repeated idempotent submissions not counted), by topic',
      labelNames: ['topic'],
      registers: [registry],
    }),
    claimed: new Counter({
      name: 'vigil_jobs_claimed_total',
      help: 'Attempts started: jobs handed to a worker, by topic and node',
      labelNames: ['topic', 'node'],
      registers: [registry],
    }),
    completed: new Counter({
      name: 'vigil_jobs_completed_total',
      help: 'Attempts that succeeded, by topic and node',
      labelNames: ['topic', 'node'],
      registers: [registry],
    }),
    failed: new Counter({
      name: 'vigil_jobs_failed_total',
      help: 'Attempts that failed (lease expiries included), by topic and node',
      labelNames: ['topic', 'node'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'vigil_jobs_dead_lettered_total',
      help: 'Jobs that ended dead: attempts exhausted, a non-retryable failure or the deadline passed',
      labelNames: ['topic'],
      registers: [registry],
    }),
    leaseExpiries: new Counter({
      name: 'vigil_job_lease_expiries_total',
      help: 'Attempts whose lease ran out without a result (the worker died or stalled), by topic and node',
      labelNames: ['topic', 'node'],
      registers: [registry],
    }),
    results: new Counter({
      name: 'vigil_job_results_total',
      help: 'Results workers sent, by disposition (recorded, retrying, dead, released, duplicate, cancelled, lost)',
      labelNames: ['disposition'],
      registers: [registry],
    }),
  };
}

function queueGauges(registry: Registry, stats: QueueStatsReader) {
  const queueGauge = (name: string, help: string, value: (s: TopicQueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['topic'],
      registers: [registry],
      async collect() {
        const current = await stats();
        // A failed read keeps the previous figures rather than showing an empty queue.
        if (current === null) return;
        this.reset();
        for (const s of current) this.set({ topic: s.topic }, value(s));
      },
    });
  return {
    queueDepth: queueGauge('vigil_queue_depth', 'Jobs ready to be claimed now, by topic', (s) => s.readyNow),
    queueOldestAge: queueGauge(
      'vigil_queue_oldest_age_seconds',
      'How long the oldest job ready now has waited, by topic',
      (s) => s.oldestReadyAgeMs / 1000,
    ),
    queueLeased: queueGauge('vigil_queue_leased', 'Jobs held by a worker’s lease, by topic', (s) => s.leased),
  };
}

/**
 * The three gauges are collected one after another for one scrape: one read serves them all.
 * A failed read is reported to `onError` and answers null.
 */
function sharedQueueStats(
  queueStats: () => Promise<TopicQueueStats[]>,
  onError: (err: unknown) => void,
): QueueStatsReader {
  let last: { at: number; stats: Promise<TopicQueueStats[] | null> } | null = null;
  return () => {
    const at = performance.now();
    if (last === null || at - last.at > STATS_REUSE_MS) {
      last = {
        at,
        stats: queueStats().catch((err: unknown) => {
          onError(err);
          return null;
        }),
      };
    }
    return last.stats;
  };
}
