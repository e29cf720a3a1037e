import type { VigilConfig } from '../../config/schema.ts';
import type { EpochSchedule } from '../../core/monitoring/epochs.ts';
import type { Logger } from '../../platform/log.ts';
import { recordedSpans } from '../../store/repositories/epochs.ts';
import { epochReportCount } from '../../store/repositories/monitor-reports.ts';
import { latestSettlement } from '../../store/repositories/settlements.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';
import { createGroupCache, type GroupCache } from './assignments.ts';
import { advanceEpochs, type TickSummary } from './lifecycle.ts';
import type { EpochMetrics } from './metrics.ts';
import { scheduleFromConfig, tickIntervalMs } from './schedule.ts';
import { checkScheduleAgainst } from './schedule-check.ts';
import type { CoordinatorKey } from './signing-key.ts';

/** What the epoch routes and the scheduler share: the clock's layout, the key, the groups. */
export interface EpochService {
  readonly schedule: EpochSchedule;
  readonly key: CoordinatorKey;
  readonly groupsOf: GroupCache;
  /** How often the scheduler should call `tick`. */
  readonly tickIntervalMs: number;
  /** Records, snapshots and settles whatever is due now. */
  tick(): Promise<TickSummary>;
  /** Warns when the latest settlement was signed by another key than this coordinator's. */
  checkKeyContinuity(): Promise<void>;
  /** Throws ScheduleChangedError when the configured schedule would move recorded epochs. */
  checkSchedule(): Promise<void>;
}

export function createEpochService({
  store,
  config,
  key,
  metrics,
  log,
  now,
}: {
  store: Store;
  config: VigilConfig;
  key: CoordinatorKey;
  metrics: EpochMetrics;
  log: Logger;
  now: () => number;
}): EpochService {
  const schedule = scheduleFromConfig(config.epochs);
  const settings = { monitoring: config.monitoring, rewards: config.rewards };

  async function tick(): Promise<TickSummary> {
    const summary = await advanceEpochs({ store, schedule, settings, key, now, log });
    if (summary.current === null) metrics.epochCurrent.reset();
    else metrics.epochCurrent.set(summary.current);
    for (const epoch of summary.settled) {
      metrics.settlements.inc();
      metrics.lastSettledEpoch.set(epoch);
      // Keep the per-epoch gauge to the epochs still of interest: the last settled and later.
      metrics.epochReportsAccepted.remove({ epoch: String(epoch - 1) });
      metrics.epochReportsAccepted.set({ epoch: String(epoch) }, await epochReportCount(store.db, epoch));
    }
    return summary;
  }

  return {
    schedule,
    key,
    groupsOf: createGroupCache(),
    tickIntervalMs: tickIntervalMs(config.epochs),
    tick,
    async checkSchedule() {
      checkScheduleAgainst(schedule, await recordedSpans(store.db));
    },
    async checkKeyContinuity() {
      const latest = await latestSettlement(store.db);
      if (latest !== undefined && latest.public_key !== key.publicKey) {
        log.warn(
          { epoch: latest.epoch, signed_by: latest.public_key, key: key.publicKey, path: key.path },
          'the coordinator key differs from the one that signed the latest settlement: restore the backed-up key, or verifiers will see a changed identity',
        );
      }
    },
  };
}

/** Records, snapshots and settles epochs as they fall due; at start too. */
export function epochSchedule(epochs: EpochService): Schedule {
  return { name: 'epochs', intervalMs: epochs.tickIntervalMs, runAtStart: true, task: () => epochs.tick() };
}
