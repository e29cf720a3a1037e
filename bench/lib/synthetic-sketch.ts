import { DEFAULT_RELATIVE_ACCURACY } from '../../src/core/reports/sketch.ts';
import type { LatencySketch } from '../../src/core/reports/types.ts';

/**
 * The latency sketch an epoch of probes would produce, built without drawing the probes.
 * A real epoch has 8,640 probes per target (300 s over 30 days); drawing and sketching
 * 8,640 latencies for each of 240,000 monitor–target pairs would take minutes, so each
 * pair's bins are filled from the distribution itself: the probability of every bin
 * (γ^(k−1), γ^k] under a log-normal body with a slower log-normal tail, times the number
 * of latencies, rounded stochastically so counts are whole and vary like sampled ones.
 * `bench/settle.ts` prints a sketch of 8,640 real draws through `summarizeTarget` beside
 * these, so their size (bins, bytes) can be compared.
 */
export interface LatencyShape {
  /** Median latency of the path, ms. */
  medianMs: number;
  /** σ of ln(latency) of the body. */
  sigma: number;
  /** Share of probes in the tail (retransmits, GC pauses, busy peers). */
  tailShare: number;
  /** The tail's median as a multiple of the body's. */
  tailFactor: number;
  tailSigma: number;
}

/** Φ(x), from erfc (Numerical Recipes' Chebyshev fit, error below 1.2e-7 everywhere). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function mixtureCdf(shape: LatencyShape, logMs: number): number {
  const body = normalCdf((logMs - Math.log(shape.medianMs)) / shape.sigma);
  const tail = normalCdf((logMs - Math.log(shape.medianMs * shape.tailFactor)) / shape.tailSigma);
  return (1 - shape.tailShare) * body + shape.tailShare * tail;
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Binomial(n, p): by inversion when few successes are expected, else the normal approximation. */
function binomial(n: number, p: number, random: () => number): number {
  const mean = n * p;
  if (mean < 30) {
    // Poisson(mean) by inversion: close to binomial when p is small, which it is here.
    let k = 0;
    let term = Math.exp(-mean);
    let cumulative = term;
    const u = random();
    while (u > cumulative && k < n) {
      k++;
      term *= mean / k;
      cumulative += term;
    }
    return k;
  }
  const draw = Math.round(mean + Math.sqrt(mean * (1 - p)) * gaussian(random));
  return Math.min(n, Math.max(0, draw));
}

/** One latency of this shape, for comparing with a real sketch. */
export function drawLatency(shape: LatencyShape, random: () => number): number {
  const tail = random() < shape.tailShare;
  const median = tail ? shape.medianMs * shape.tailFactor : shape.medianMs;
  return median * Math.exp((tail ? shape.tailSigma : shape.sigma) * gaussian(random));
}

/** Stops filling bins once this little probability is left beyond them. */
const NEGLIGIBLE = 1e-9;

/**
 * `latencies` latencies of this shape as a sketch, with their mean as `summarizeTarget`
 * would round it (from the bins' representative values, which are within the sketch's
 * accuracy of what was measured).
 */
export function syntheticSketch(
  shape: LatencyShape,
  latencies: number,
  random: () => number,
  relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY,
): { sketch: LatencySketch; meanMs: number | null } {
  if (latencies === 0) {
    return {
      sketch: { relative_accuracy: relativeAccuracy, zero_count: 0, key_offset: 0, counts: [] },
      meanMs: null,
    };
  }
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  const logGamma = Math.log(gamma);
  // Start 6σ below the body or the tail, whichever is lower; walk up until almost nothing is left.
  const lowestLog = Math.min(
    Math.log(shape.medianMs) - 6 * shape.sigma,
    Math.log(shape.medianMs * shape.tailFactor) - 6 * shape.tailSigma,
  );
  let key = Math.floor(lowestLog / logGamma);
  const firstKey = key;
  const counts: number[] = [];
  let below = mixtureCdf(shape, (key - 1) * logGamma);
  let left = latencies;
  // Bin by bin, each count drawn given what is left (a multinomial as a chain of binomials),
  // so counts vary as sampled ones do.
  while (left > 0 && 1 - below > NEGLIGIBLE) {
    const upTo = mixtureCdf(shape, key * logGamma);
    const n = binomial(left, Math.min(1, (upTo - below) / (1 - below)), random);
    counts.push(n);
    left -= n;
    below = upTo;
    key++;
  }
  if (left > 0) counts.push(left);
  let low = 0;
  while (counts[low] === 0) low++;
  let high = counts.length - 1;
  while (counts[high] === 0) high--;
  const trimmed = counts.slice(low, high + 1);
  const offset = firstKey + low;
  let sum = 0;
  for (let i = 0; i < trimmed.length; i++) {
    sum += (trimmed[i] as number) * ((2 * gamma ** (offset + i)) / (gamma + 1));
  }
  return {
    sketch: { relative_accuracy: relativeAccuracy, zero_count: 0, key_offset: offset, counts: trimmed },
    meanMs: Math.round((sum / latencies) * 1000) / 1000,
  };
}
