/**
 * A mergeable latency sketch (DDSketch, logarithmic mapping) in a deterministic JSON form.
 * Bin `key` counts the latencies in (γ^(key-1), γ^key] with γ = (1+α)/(1-α); `counts[i]`
 * is the count of bin `key_offset + i`. Counts are dense from the lowest to the highest
 * non-empty bin (both ends non-zero; an empty sketch is `key_offset` 0 and no counts), so
 * the same values always encode identically, and a flat array of integers is several times
 * cheaper to encode, hash and check than one pair per bin. Latencies too small to tell
 * from 0 are counted in `zero_count`.
 */
export interface LatencySketch {
  /** α: every percentile read from the sketch is within α of a measured value, relatively. */
  relative_accuracy: number;
  zero_count: number;
  key_offset: number;
  counts: number[];
}

/** One probe as the agent logged it; discarded probes (the prober itself was unhealthy) never get here. */
export interface ProbeSample {
  at_ms: number;
  up: boolean;
  /** Measured latency of the probe, when it has one. */
  latency_ms: number | null;
}

/** What one monitor measured about one target over the epoch. */
export interface TargetSummary {
  target: string;
  /** Probes that count (each stands for one probe interval). */
  samples: number;
  up_samples: number;
  /** Down probes, each one probe interval of downtime; always samples − up_samples. */
  downtime_intervals: number;
  /** Mean latency of up probes that measured one, in whole microseconds (at most 3 decimals); null when none did. */
  mean_latency_ms: number | null;
  /**
   * Version 2 only: the nearest-rank 10th percentile of the same latencies, in whole
   * microseconds; null exactly when the mean is. Settlement uses it instead of the mean,
   * because a monitor's own losses only ever add time (`lowQuantileLatency`).
   */
  latency_p10_ms?: number | null;
  /** The latencies behind the mean. */
  latency_sketch: LatencySketch;
}

/** A monitor's per-epoch report covering all its targets; signed once, as RFC 8785 JSON. */
export interface Report {
  /** 2 since target entries carry `latency_p10_ms`; version 1 reports (without it) stay readable. */
  version: 1 | 2;
  epoch: number;
  /** Node id of the monitor that measured and signs. */
  monitor: string;
  created_at_ms: number;
  probe_interval_s: number;
  /** Sorted by target, one entry per target. */
  targets: TargetSummary[];
}

/** A report with the monitor's ed25519 signature over `encodeReport(report)`, base64url. */
export interface SignedReport {
  report: Report;
  signature: string;
}
