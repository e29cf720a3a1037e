/** The standard-normal quantile exceeded with probability one in a million. */
export const Z_ONE_IN_A_MILLION = 4.753;

/** Upper critical value of χ² with `df` degrees of freedom at normal quantile `z` (Wilson–Hilferty). */
export function chiSquareCritical(df: number, z: number): number {
  const c = 2 / (9 * df);
  return df * (1 - c + z * Math.sqrt(c)) ** 3;
}

/**
 * Pearson's statistic of counts that should all equal `expected`. `variance` is each count's
 * variance under the null: `expected` for multinomial cells, N·p·(1 − p) for binomial counts.
 */
export function pearson(observed: Iterable<number>, expected: number, variance: number = expected): number {
  let x = 0;
  for (const o of observed) x += (o - expected) ** 2 / variance;
  return x;
}
