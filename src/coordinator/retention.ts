import type { VigilConfig } from '../config/schema.ts';
import { rollupGrain } from '../core/sla/rollup.ts';
import type { Logger } from '../platform/log.ts';
import { pruneExpired } from '../store/repositories/retention.ts';
import type { Store } from '../store/store.ts';
import type { Schedule } from './scheduler.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes what has outlived `retention.raw_days` and `retention.rollup_days` (docs/operations.md),
 * then lets the store reclaim the space. At start too, so a coordinator that was down a long
 * time catches up at once.
 */
export function retentionSchedule({
  store,
  retention,
  completionWindowS,
  log,
  now,
}: {
  store: Store;
  retention: VigilConfig['retention'];
  completionWindowS: number;
  log: Logger;
  now: () => number;
}): Schedule {
  return {
    name: 'retention',
    intervalMs: retention.prune_interval_s * 1000,
    runAtStart: true,
    task: async () => {
      const deleted = await pruneExpired(store.db, {
        rawBefore: now() - retention.raw_days * DAY_MS,
        rollupBefore: now() - retention.rollup_days * DAY_MS,
        fineRollupMs: rollupGrain(completionWindowS).fineMs,
      });
      await store.maintain();
      const total = Object.values(deleted).reduce((a, b) => a + b, 0);
      if (total > 0) log.info({ deleted }, 'retention pruned expired rows');
    },
  };
}
