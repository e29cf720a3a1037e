import type { VigilConfig } from '../../config/schema.ts';
import { toIso } from '../../core/time.ts';
import type { Db } from '../../store/capabilities.ts';
import { type EpochRow, epochMemberCount, getEpoch, recordedRange } from '../../store/repositories/epochs.ts';
import { Conflict, type DomainError, notFound } from '../errors.ts';
import { boundsRow } from './lifecycle.ts';
import type { EpochService } from './service.ts';

export type EpochState = 'open' | 'reporting' | 'settling' | 'settled';

export function epochState(row: EpochRow, now: number): EpochState {
  if (row.settled_at !== null) return 'settled';
  if (now < row.end_ms) return 'open';
  if (now < row.report_window_end_ms) return 'reporting';
  return 'settling';
}

/** A recorded epoch, or the current one before the coordinator has recorded it (all unknowns null). */
export interface FoundEpoch {
  row: EpochRow;
  recorded: boolean;
}

/** The current epoch's number; a 404 naming genesis before it. */
export function currentEpoch(epochs: EpochService, now: number): number {
  const current = epochs.schedule.epochAt(now);
  if (current === null) {
    throw notFound(
      `there is no current epoch: epoch ${epochs.schedule.config.first_epoch ?? 0} starts at genesis, ${toIso(epochs.schedule.config.genesis_ms)} (epochs.genesis)`,
    );
  }
  return current;
}

/**
 * Epoch n as this coordinator knows it. A future epoch is a 404, and so is one before the
 * first it recorded. An epoch that has begun but that the epoch ticker has not recorded yet
 * (for a few seconds after it starts) is shown with its unknowns null, so agents poll it.
 */
export async function findEpoch(
  db: Db,
  epochs: EpochService,
  epoch: number,
  now: number,
): Promise<FoundEpoch> {
  const current = epochs.schedule.epochAt(now);
  if (current === null || epoch > current) {
    throw notFound(
      current === null
        ? `epoch ${epoch} has not started: epoch ${epochs.schedule.config.first_epoch ?? 0} starts at ${toIso(epochs.schedule.config.genesis_ms)}`
        : `epoch ${epoch} has not started; the current epoch is ${current}`,
    );
  }
  const row = await getEpoch(db, epoch);
  if (row !== undefined) return { row, recorded: true };
  const range = await recordedRange(db);
  if ((range === null && epoch === current) || (range !== null && epoch > range.last)) {
    return { row: boundsRow(epochs.schedule, epoch), recorded: false };
  }
  throw notFound(
    `epoch ${epoch} is before the first epoch this coordinator recorded${range === null ? '' : ` (${range.first})`}`,
  );
}

/** Seconds until something an agent waits for (a seed, a settlement) may exist: at least one tick. */
export function retryAfterSeconds(epochs: EpochService, dueMs: number | null, now: number): number {
  const tickMs = epochs.tickIntervalMs;
  const waitMs = dueMs === null ? tickMs : Math.max(0, dueMs - now) + tickMs;
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/** 409 `epoch-not-ready`: the seed (or the member snapshot) of the epoch is not known yet. */
export function epochNotReady(epochs: EpochService, row: EpochRow, now: number): DomainError {
  // The epoch before a schedule's first was laid out by the schedule before: its window is not ours to compute.
  const previousWindowEnd =
    row.epoch <= (epochs.schedule.config.first_epoch ?? 0)
      ? null
      : epochs.schedule.epochBounds(row.epoch - 1).report_window_end_ms;
  const due = previousWindowEnd !== null && previousWindowEnd > now ? previousWindowEnd : null;
  return new Conflict(
    'epoch-not-ready',
    'Epoch not ready',
    row.epoch === 0 || row.seed !== null
      ? `epoch ${row.epoch}'s members are not taken yet; try again shortly`
      : `epoch ${row.epoch}'s seed is not known until epoch ${row.epoch - 1} settles${due === null ? '' : ` at ${toIso(due)}`}; try again then`,
    { retryAfterS: retryAfterSeconds(epochs, due, now) },
  );
}

/** The epoch as GET /epochs/{n} shows it (docs/design/peer-monitoring-contract.md). */
export async function epochView(
  db: Db,
  { row, recorded }: FoundEpoch,
  monitoring: VigilConfig['monitoring'],
  now: number,
) {
  const members = recorded && row.members_taken_at !== null ? await epochMemberCount(db, row.epoch) : null;
  const requested = row.group_size ?? monitoring.group_size;
  return {
    epoch: row.epoch,
    start: toIso(row.start_ms),
    start_ms: row.start_ms,
    end: toIso(row.end_ms),
    end_ms: row.end_ms,
    report_window_end: toIso(row.report_window_end_ms),
    report_window_end_ms: row.report_window_end_ms,
    state: epochState(row, now),
    seed: row.seed,
    previous_settlement_hash: row.previous_settlement_hash,
    members,
    group_size: members === null ? null : members < 2 ? 0 : Math.min(requested, members - 1),
    settlement_hash: row.settlement_hash,
    monitoring: {
      probe_interval_s: monitoring.probe_interval_s,
      probe_timeout_ms: monitoring.probe_timeout_ms,
      interim_period_s: monitoring.interim_period_s,
    },
  };
}
