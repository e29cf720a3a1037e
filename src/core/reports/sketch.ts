import { DDSketch } from '@datadog/sketches-js';
import type { LatencySketch } from './types.ts';

/** 1 %: a p95 of 200 ms reads as 198–202 ms, in about a hundred bins for latencies from 20 to 200 ms. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

/** Below a nanosecond a latency is noise: it counts as 0. */
export const MIN_LATENCY_MS = 1e-6;
/** About 11.6 days: no probe runs that long, so a larger latency is a bug upstream. */
export const MAX_LATENCY_MS = 1e9;

/**
 * The bin keys latencies from MIN_LATENCY_MS to MAX_LATENCY_MS fall in (a bin's key is
 * ⌈log_γ v⌉), one bin of margin each side. Keeping sketches to this range keeps them small
 * (about 1,700 bins at 1 %) and keeps the library's dense store from growing past what it
 * can allocate.
 */
export function sketchKeyRange(relativeAccuracy: number): [low: number, high: number] {
  const log2Gamma = Math.log2((1 + relativeAccuracy) / (1 - relativeAccuracy));
  return [
    Math.floor(Math.log2(MIN_LATENCY_MS) / log2Gamma) - 1,
    Math.ceil(Math.log2(MAX_LATENCY_MS) / log2Gamma) + 1,
  ];
}

function assertAccuracy(relativeAccuracy: number): void {
  if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
    throw new RangeError(`sketch relative accuracy must be between 0 and 1, got ${relativeAccuracy}`);
  }
}

/** The canonical form of bin counts by key: dense, trimmed of empty bins at both ends. */
function fromBins(
  relativeAccuracy: number,
  zeroCount: number,
  bins: ReadonlyMap<number, number>,
): LatencySketch {
  const keys = [...bins.keys()].filter((key) => (bins.get(key) ?? 0) > 0);
  if (keys.length === 0)
    return { relative_accuracy: relativeAccuracy, zero_count: zeroCount, key_offset: 0, counts: [] };
  const low = Math.min(...keys);
  const high = Math.max(...keys);
  const counts = Array.from({ length: high - low + 1 }, (_, i) => bins.get(low + i) ?? 0);
  return { relative_accuracy: relativeAccuracy, zero_count: zeroCount, key_offset: low, counts };
}

/** A sketch holding nothing. */
export function emptySketch(relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY): LatencySketch {
  assertAccuracy(relativeAccuracy);
  return { relative_accuracy: relativeAccuracy, zero_count: 0, key_offset: 0, counts: [] };
}

/**
 * The sketch of some latencies in ms, built by the DDSketch library: from 0 to
 * MAX_LATENCY_MS, anything under MIN_LATENCY_MS counted as 0.
 */
export function sketchOf(
  latencies: readonly number[],
  relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY,
): LatencySketch {
  assertAccuracy(relativeAccuracy);
  const sketch = new DDSketch({ relativeAccuracy });
  for (const latency of latencies) {
    if (!(latency >= 0 && latency <= MAX_LATENCY_MS)) {
      throw new RangeError(`latency must be between 0 and ${MAX_LATENCY_MS} ms, got ${latency}`);
    }
    sketch.accept(latency < MIN_LATENCY_MS ? 0 : latency);
  }
  const { store } = sketch;
  const bins = new Map<number, number>();
  for (let key = store.minKey; key <= store.maxKey; key++) bins.set(key, store.bins[key - store.offset] ?? 0);
  return fromBins(relativeAccuracy, sketch.zeroCount, bins);
}

/** How many latencies the sketch holds. */
export function sketchCount(sketch: LatencySketch): number {
  let count = sketch.zero_count;
  for (const n of sketch.counts) count += n;
  return count;
}

/**
 * The sketch of the union of the inputs' latencies: counts added bin by bin, so merging is
 * exact, associative and commutative. Sketches of different accuracy have different bins
 * and cannot be merged.
 */
export function mergeSketches(first: LatencySketch, ...rest: readonly LatencySketch[]): LatencySketch {
  const bins = new Map<number, number>();
  let zeroCount = 0;
  for (const sketch of [first, ...rest]) {
    if (sketch.relative_accuracy !== first.relative_accuracy) {
      throw new RangeError(
        `cannot merge sketches of relative accuracy ${first.relative_accuracy} and ${sketch.relative_accuracy}`,
      );
    }
    zeroCount += sketch.zero_count;
    sketch.counts.forEach((n, i) => {
      const key = sketch.key_offset + i;
      bins.set(key, (bins.get(key) ?? 0) + n);
    });
  }
  return fromBins(first.relative_accuracy, zeroCount, bins);
}

/**
 * The p-th percentile (0–100) read from the sketch, or null when it is empty. Same rank rule
 * as the library (the ⌊p/100·(n−1)⌋-th smallest value, 0-based), so the answer is within the
 * sketch's relative accuracy of that measured value.
 */
export function sketchPercentile(sketch: LatencySketch, p: number): number | null {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be between 0 and 100, got ${p}`);
  const count = sketchCount(sketch);
  if (count === 0) return null;
  const rank = (p / 100) * (count - 1);
  if (rank < sketch.zero_count) return 0;
  const { mapping } = new DDSketch({ relativeAccuracy: sketch.relative_accuracy });
  let running = sketch.zero_count;
  let i = 0;
  for (; i < sketch.counts.length - 1; i++) {
    running += sketch.counts[i] as number;
    if (running > rank) break;
  }
  return mapping.value(sketch.key_offset + i);
}
