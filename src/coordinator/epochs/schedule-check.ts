import type { EpochSchedule } from '../../core/monitoring/epochs.ts';
import { toIso } from '../../core/time.ts';

/** The configured epoch schedule disagrees with the epochs already recorded. */
export class ScheduleChangedError extends Error {
  override name = 'ScheduleChangedError';
}

/**
 * Whether the configured schedule agrees with the recorded epochs; throws ScheduleChangedError
 * saying how to change the schedule safely when it does not. Recorded epochs are the network's
 * history: their spans are in the reports and settlements that name them, so a changed
 * `epochs.genesis` or `epochs.length_s` must not move them. A new schedule may only start after
 * the last recorded epoch, at its end, with `epochs.first_epoch` its number + 1.
 */
export function checkScheduleAgainst(
  schedule: EpochSchedule,
  recorded: ReadonlyArray<{ epoch: number; start_ms: number; end_ms: number }>,
): void {
  const last = recorded.at(-1);
  if (last === undefined) return;
  const first = schedule.config.first_epoch ?? 0;
  const howTo =
    `to change the schedule from the next epoch on, set epochs.first_epoch to ${last.epoch + 1} and ` +
    `epochs.genesis to ${toIso(last.end_ms)} (the end of epoch ${last.epoch}); see docs/operations.md, "Changing the epoch schedule"`;
  if (first > 0) {
    const before = recorded.find((r) => r.epoch === first - 1);
    if (before === undefined || before.end_ms !== schedule.config.genesis_ms) {
      throw new ScheduleChangedError(
        `epochs.first_epoch ${first} must follow a recorded epoch ${first - 1} and start at its end (epochs.genesis); ${howTo}`,
      );
    }
  }
  for (const row of recorded) {
    if (row.epoch < first) continue;
    const planned = schedule.epochBounds(row.epoch);
    if (planned.start_ms !== row.start_ms || planned.end_ms !== row.end_ms) {
      throw new ScheduleChangedError(
        `epoch ${row.epoch} was recorded as [${toIso(row.start_ms)}, ${toIso(row.end_ms)}) but epochs.genesis and epochs.length_s now put it at [${toIso(planned.start_ms)}, ${toIso(planned.end_ms)}); ` +
          `recorded epochs never move: keep the schedule, or ${howTo}`,
      );
    }
  }
}
