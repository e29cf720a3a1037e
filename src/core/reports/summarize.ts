import { lowQuantileLatency } from './low-latency.ts';
import { DEFAULT_RELATIVE_ACCURACY, MAX_LATENCY_MS, sketchOf } from './sketch.ts';
import type { ProbeSample, Report, TargetSummary } from './types.ts';
import { parseReport } from './validate.ts';

function assertSample(sample: ProbeSample, target: string): void {
  if (!Number.isSafeInteger(sample.at_ms) || sample.at_ms < 0) {
    throw new RangeError(`sample of ${target}: at_ms must be UTC milliseconds, got ${sample.at_ms}`);
  }
  const { latency_ms } = sample;
  if (latency_ms !== null && !(latency_ms >= 0 && latency_ms <= MAX_LATENCY_MS)) {
    throw new RangeError(
      `sample of ${target} at ${sample.at_ms}: latency_ms must be null or 0…${MAX_LATENCY_MS}, got ${latency_ms}`,
    );
  }
}

/** Rounds to whole microseconds: enough for a network probe, and short in the signed JSON. */
function roundToMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * One target's epoch summary (a version 2 entry) from its logged probes. A probe is identified by its time:
 * the same probe logged twice (a restart replaying its log) counts once, and two different
 * verdicts for the same instant are an error, never a silent pick.
 */
export function summarizeTarget(
  target: string,
  samples: readonly ProbeSample[],
  relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY,
): TargetSummary {
  const byTime = new Map<number, ProbeSample>();
  for (const sample of samples) {
    assertSample(sample, target);
    const seen = byTime.get(sample.at_ms);
    if (seen === undefined) byTime.set(sample.at_ms, sample);
    else if (seen.up !== sample.up || seen.latency_ms !== sample.latency_ms) {
      throw new RangeError(`two different samples of ${target} at ${sample.at_ms}`);
    }
  }
  const ordered = [...byTime.values()].sort((a, b) => a.at_ms - b.at_ms);
  let up = 0;
  const latencies: number[] = [];
  for (const sample of ordered) {
    if (!sample.up) continue;
    up++;
    if (sample.latency_ms !== null) latencies.push(sample.latency_ms);
  }
  const sum = latencies.reduce((a, b) => a + b, 0);
  const low = lowQuantileLatency(latencies);
  return {
    target,
    samples: ordered.length,
    up_samples: up,
    downtime_intervals: ordered.length - up,
    mean_latency_ms: latencies.length === 0 ? null : roundToMicros(sum / latencies.length),
    latency_p10_ms: low === null ? null : roundToMicros(low),
    latency_sketch: sketchOf(latencies, relativeAccuracy),
  };
}

/** The version the agent writes: target entries carry `latency_p10_ms`. */
export const REPORT_VERSION = 2;

export interface BuildReportInput {
  epoch: number;
  monitor: string;
  created_at_ms: number;
  probe_interval_s: number;
  /** Logged probes by target; every key becomes an entry, even with no samples. */
  samples: ReadonlyMap<string, readonly ProbeSample[]>;
  relativeAccuracy?: number;
}

/**
 * The monitor's report for an epoch, targets in code-unit order as canonical JSON sorts.
 * Checked before it is returned, so a report the coordinator would refuse is never signed.
 */
export function buildReport({
  epoch,
  monitor,
  created_at_ms,
  probe_interval_s,
  samples,
  relativeAccuracy = DEFAULT_RELATIVE_ACCURACY,
}: BuildReportInput): Report {
  const targets = [...samples.keys()].sort(compareCodeUnits);
  return parseReport({
    version: REPORT_VERSION,
    epoch,
    monitor,
    created_at_ms,
    probe_interval_s,
    targets: targets.map((target) => summarizeTarget(target, samples.get(target) ?? [], relativeAccuracy)),
  });
}

/** Plain `<` order on strings (UTF-16 code units), which is also RFC 8785's member order. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
