/** When violations opened and resolved (UTC ms), and how many were open before the first of them. */
export interface OpenChanges {
  /** Open just before the range: opened before it and not resolved before it. */
  openBefore: number;
  opened: readonly number[];
  resolved: readonly number[];
}

/**
 * How many violations were open at each of `times`, counting what opened or resolved at that
 * very instant (a collection opens and resolves at its own time, and its capacity snapshot
 * carries the same time). Times and changes in any order; the answer follows `times`.
 */
export function openCounts(
  { openBefore, opened, resolved }: OpenChanges,
  times: readonly number[],
): number[] {
  const up = [...opened].sort((a, b) => a - b);
  const down = [...resolved].sort((a, b) => a - b);
  const order = times.map((t, i) => [t, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(times.length);
  let u = 0;
  let d = 0;
  for (const [t, i] of order) {
    while (u < up.length && (up[u] as number) <= t) u++;
    while (d < down.length && (down[d] as number) <= t) d++;
    out[i] = openBefore + u - d;
  }
  return out;
}
