/**
 * HPA's stabilization windows. A scale-down goes only as low as the highest recommendation
 * within the scale-down window, so a brief dip does not remove replicas that the next tick
 * needs again; a scale-up goes only as high as the lowest recommendation within the scale-up
 * window (0 s by default: scale up at once). Between the two the count holds.
 */
export function stabilize(
  history: readonly { at: number; replicas: number }[],
  now_ms: number,
  current: number,
  recommendation: number,
  up_window_s: number,
  down_window_s: number,
): number {
  let up = recommendation;
  let down = recommendation;
  const up_cutoff = now_ms - up_window_s * 1000;
  const down_cutoff = now_ms - down_window_s * 1000;
  for (const r of history) {
    if (r.at > up_cutoff) up = Math.min(up, r.replicas);
    if (r.at > down_cutoff) down = Math.max(down, r.replicas);
  }
  if (current < up) return up;
  if (current > down) return down;
  return current;
}
