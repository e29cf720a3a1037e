import type { RollupGrain } from '../../core/sla/rollup.ts';
import { floorTo } from '../../core/time.ts';
import type { Tx } from '../capabilities.ts';

/**
 * Turns a recorded success into a failure (a verifier found the work wrong), and moves it from
 * successes to failures in the node's outcome rollups, in both grains, so the completion rate
 * sees it. Only a success is turned, by a conditional update, so doing it twice changes
 * nothing. The duration stays in the rollups and response samples: the work did take that
 * long. Returns whether an outcome was turned.
 */
export async function failRecordedSuccess(trx: Tx, outcomeId: string, grain: RollupGrain): Promise<boolean> {
  const turned = await trx
    .updateTable('job_outcomes')
    .set({ status: 'failure' })
    .where('job_id', '=', outcomeId)
    .where('status', '=', 'success')
    .returning(['node_id', 'finished_at'])
    .executeTakeFirst();
  if (turned === undefined) return false;
  for (const bucketMs of [grain.fineMs, grain.coarseMs]) {
    await trx
      .updateTable('outcome_rollups')
      .set((eb) => ({
        successes: eb('successes', '-', 1),
        failures: eb('failures', '+', 1),
      }))
      .where('node_id', '=', turned.node_id)
      .where('bucket_ms', '=', bucketMs)
      .where('bucket_start', '=', floorTo(turned.finished_at, bucketMs))
      .where('successes', '>', 0)
      .execute();
  }
  return true;
}
