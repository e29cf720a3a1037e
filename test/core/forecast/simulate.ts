/** A seeded uniform generator on (0, 1) (Park–Miller), so every simulated series is the same on every run. */
export function uniform(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** A seeded standard normal generator (Box–Muller). */
export function normal(seed: number): () => number {
  const u = uniform(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** An hourly demand pattern: a base level, a trend, a daily and a weekly cycle (no noise). */
export function hourlyPattern(t: number): number {
  const daily = 20 * Math.sin((2 * Math.PI * t) / 24) + 8 * Math.cos((4 * Math.PI * t) / 24);
  const weekly = 12 * Math.sin((2 * Math.PI * t) / 168);
  return 100 + 0.02 * t + daily + weekly;
}

/** `length` values of `pattern` plus normal noise of `sd`, from time `from`. */
export function noisy(pattern: (t: number) => number, length: number, sd: number, seed: number, from = 0) {
  const noise = normal(seed);
  return Array.from({ length }, (_, i) => pattern(from + i) + sd * noise());
}
