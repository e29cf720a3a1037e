/**
 * The latency a monitor reports for settlement: a low quantile of its up probes' latencies,
 * not their mean. Anything that goes wrong on the monitor's own path (a lost packet and its
 * retransmission, a reconnect, a busy host) can only add time to a probe, never take time
 * away, so the fastest probes are the ones its own impairment left alone. The mean takes in
 * every delay; the 10th percentile moves only once more than 90 % of the probes are slowed.
 * A target that is truly slow is slow in (nearly) every probe, so its low quantile stays high.
 */
export const LATENCY_QUANTILE_PERCENT = 10;

/**
 * The nearest-rank 10th percentile: the ⌈n × 10 / 100⌉-th smallest of `latencies` (n ≥ 1),
 * always one of the measured values, so nothing is interpolated and any implementation
 * picks the same one. Null when there are none.
 */
export function lowQuantileLatency(latencies: readonly number[]): number | null {
  if (latencies.length === 0) return null;
  const sorted = [...latencies].sort((a, b) => a - b);
  // Integer arithmetic: ⌈n·10/100⌉ without a floating-point product.
  const rank = Math.ceil((sorted.length * LATENCY_QUANTILE_PERCENT) / 100);
  return sorted[Math.max(1, rank) - 1] as number;
}
