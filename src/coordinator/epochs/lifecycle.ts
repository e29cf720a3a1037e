import type { VigilConfig } from '../../config/schema.ts';
import type { EpochSchedule } from '../../core/monitoring/epochs.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../core/monitoring/seed.ts';
import type { Logger } from '../../platform/log.ts';
import type { Tx } from '../../store/capabilities.ts';
import {
  type EpochRow,
  epochsAwaitingMembers,
  epochsDueForSettlement,
  getEpoch,
  insertEpochs,
  markSettled,
  nodesActiveAt,
  recordedRange,
  setSeed,
  storeMembers,
} from '../../store/repositories/epochs.ts';
import type { Store } from '../../store/store.ts';
import { settleAndStore } from './settlement/settle.ts';
import type { CoordinatorKey } from './signing-key.ts';

/** Work one pass does at most, so a coordinator back from a long downtime catches up in bounded steps. */
const EPOCHS_PER_PASS = 500;
const SNAPSHOTS_PER_PASS = 50;
const SETTLEMENTS_PER_PASS = 10;
/** Passes one tick makes at most; the next tick goes on from there. */
const PASSES_PER_TICK = 20;

export interface EpochLifecycleDeps {
  store: Store;
  schedule: EpochSchedule;
  settings: Pick<VigilConfig, 'monitoring' | 'rewards'>;
  key: CoordinatorKey;
  now: () => number;
  log: Logger;
  onSettled?: (epoch: number) => void;
}

export interface TickSummary {
  /** The epoch in progress, null before genesis. */
  current: number | null;
  recorded: number[];
  snapshots: number[];
  settled: number[];
}

/** An epoch's row as first recorded: its bounds from the schedule, everything else still unknown. */
export function boundsRow(schedule: EpochSchedule, epoch: number): EpochRow {
  const { start_ms, end_ms, report_window_end_ms } = schedule.epochBounds(epoch);
  return {
    epoch,
    start_ms,
    end_ms,
    report_window_end_ms,
    group_size: null,
    previous_settlement_hash: null,
    seed: null,
    members_taken_at: null,
    settled_at: null,
    settlement_hash: null,
  };
}

/**
 * Records the epochs from the first this coordinator sees up to the current one. The first
 * ever is seeded from the genesis hash at once; every later one when its predecessor settles.
 */
async function recordEpochs(trx: Tx, deps: EpochLifecycleDeps, current: number, out: TickSummary) {
  const range = await recordedRange(trx);
  const from = range === null ? current : range.last + 1;
  const to = Math.min(current, from + EPOCHS_PER_PASS - 1);
  if (from > to) return false;
  const rows: EpochRow[] = [];
  for (let n = from; n <= to; n++) rows.push(boundsRow(deps.schedule, n));
  const first = rows[0] as EpochRow;
  if (range === null) {
    first.previous_settlement_hash = GENESIS_SETTLEMENT_HASH;
    first.seed = epochSeed(first.epoch, GENESIS_SETTLEMENT_HASH);
  } else {
    const previous = await getEpoch(trx, range.last);
    if (previous?.settlement_hash != null) {
      first.previous_settlement_hash = previous.settlement_hash;
      first.seed = epochSeed(first.epoch, previous.settlement_hash);
    }
  }
  await insertEpochs(trx, rows, deps.store.capabilities);
  out.recorded.push(...rows.map((r) => r.epoch));
  return to < current;
}

/**
 * Takes the member snapshot of every started epoch that has none. The rule looks at the
 * registry as it was at the epoch's start, so a snapshot taken late gives the same members.
 */
async function snapshotMembers(trx: Tx, deps: EpochLifecycleDeps, t: number, out: TickSummary) {
  const due = await epochsAwaitingMembers(trx, t, SNAPSHOTS_PER_PASS);
  for (const row of due) {
    const members = await nodesActiveAt(trx, row.start_ms);
    await storeMembers(trx, row.epoch, members, {
      groupSize: deps.settings.monitoring.group_size,
      takenAt: t,
      caps: deps.store.capabilities,
    });
    out.snapshots.push(row.epoch);
  }
  return due.length === SNAPSHOTS_PER_PASS;
}

/** Settles, in order, the epochs whose report window has closed; each seeds the next. */
async function settleDue(trx: Tx, deps: EpochLifecycleDeps, t: number, out: TickSummary) {
  const due = await epochsDueForSettlement(trx, t, SETTLEMENTS_PER_PASS);
  for (const { epoch } of due) {
    // Read afresh: settling the previous epoch in this loop has just set this one's seed.
    const row = await getEpoch(trx, epoch);
    if (row === undefined) break;
    const stored = await settleAndStore(trx, row, { settings: deps.settings, key: deps.key, now: t });
    if (stored === null) {
      deps.log.warn({ epoch }, 'epoch cannot settle yet: its seed or member snapshot is missing');
      return false;
    }
    await markSettled(trx, epoch, stored.hash, stored.settled_at);
    await setSeed(trx, epoch + 1, stored.hash, epochSeed(epoch + 1, stored.hash));
    out.settled.push(epoch);
  }
  return due.length === SETTLEMENTS_PER_PASS;
}

/**
 * One look at the epoch clock: record new epochs, snapshot members, settle closed epochs.
 * Each pass runs under the `epochs` lock, so coordinators sharing a database never act
 * twice, and report submissions (which take the same lock) never race a settlement.
 */
export async function advanceEpochs(deps: EpochLifecycleDeps): Promise<TickSummary> {
  const summary: TickSummary = { current: null, recorded: [], snapshots: [], settled: [] };
  for (let pass = 0; pass < PASSES_PER_TICK; pass++) {
    const more = await deps.store.exclusive('epochs', async (trx) => {
      const t = deps.now();
      const current = deps.schedule.epochAt(t);
      summary.current = current;
      if (current === null) return false;
      const moreEpochs = await recordEpochs(trx, deps, current, summary);
      const moreSnapshots = await snapshotMembers(trx, deps, t, summary);
      const moreSettlements = await settleDue(trx, deps, t, summary);
      return moreEpochs || moreSnapshots || moreSettlements;
    });
    if (!more) break;
  }
  for (const epoch of summary.settled) deps.onSettled?.(epoch);
  if (summary.settled.length > 0) deps.log.info({ epochs: summary.settled }, 'epochs settled');
  return summary;
}
