import type { Report } from '../../../src/core/reports/types.ts';

/** A small fixed report: two targets, one fully up, one partly down with no latency for one up probe. */
export function fixedReport(): Report {
  return {
    version: 1,
    epoch: 7,
    monitor: 'node-a',
    created_at_ms: 1_700_003_600_000,
    probe_interval_s: 300,
    targets: [
      {
        target: 'node-b',
        samples: 3,
        up_samples: 3,
        downtime_intervals: 0,
        mean_latency_ms: 12.5,
        latency_sketch: { relative_accuracy: 0.01, zero_count: 0, key_offset: 125, counts: [1, 0, 0, 2] },
      },
      {
        target: 'node-c',
        samples: 4,
        up_samples: 2,
        downtime_intervals: 2,
        mean_latency_ms: 80,
        latency_sketch: { relative_accuracy: 0.01, zero_count: 0, key_offset: 220, counts: [1] },
      },
    ],
  };
}
