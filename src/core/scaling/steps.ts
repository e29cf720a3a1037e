import type { Behaviour } from './types.ts';

/**
 * The lowest and highest count the behaviour allows now, as HPA computes them: the count at
 * the start of the period (now less what was added, or plus what was removed, within it) plus
 * or minus the larger of the step in replicas and the step as a percentage. Measuring from the
 * period's start, not from the last tick, keeps ticks faster than the period from adding a full
 * step each. The limits never point against their direction: a scale-up is never asked to go
 * below the current count, nor a scale-down above it.
 */
export function stepLimits(
  changes: readonly { at: number; from: number; to: number }[],
  now_ms: number,
  current: number,
  behaviour: Behaviour,
): { lowest: number; highest: number } {
  const up = behaviour.scale_up;
  const down = behaviour.scale_down;
  let added = 0;
  let removed = 0;
  for (const c of changes) {
    if (c.to > c.from && c.at > now_ms - up.period_s * 1000) added += c.to - c.from;
    if (c.to < c.from && c.at > now_ms - down.period_s * 1000) removed += c.from - c.to;
  }
  const up_start = Math.max(0, current - added);
  const highest = Math.max(
    current,
    up_start + up.max_step,
    Math.ceil(up_start * (1 + up.max_step_pct / 100) - 1e-9),
  );
  const down_start = current + removed;
  const lowest = Math.min(
    current,
    Math.max(
      0,
      Math.min(down_start - down.max_step, Math.floor(down_start * (1 - down.max_step_pct / 100) + 1e-9)),
    ),
  );
  return { lowest, highest };
}
