import type { Db } from '../capabilities.ts';

export interface RetentionCutoffs {
  /**
   * Raw data (heartbeat slices, peer verdict slices, outcomes, finished jobs, dead queue
   * items, worker state history, metrics, snapshots, alert deliveries) older than this goes.
   */
  rawBefore: number;
  /** Coarse rollups, resolved violations and the audit log are kept until this. */
  rollupBefore: number;
  /** The fine rollup grain: those buckets only serve the edge of the completion window and go with raw data. */
  fineRollupMs: number;
}

/**
 * Deletes what has outlived its retention; returns rows deleted per table. Runs on a
 * schedule, so each pass removes about one interval's worth of rows.
 */
export async function pruneExpired(
  db: Db,
  { rawBefore, rollupBefore, fineRollupMs }: RetentionCutoffs,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const record = (table: string, r: { numDeletedRows: bigint }) => {
    counts[table] = Number(r.numDeletedRows);
  };
  record(
    'heartbeat_slices',
    await db.deleteFrom('heartbeat_slices').where('row_start', '<', rawBefore).executeTakeFirst(),
  );
  // A row goes once it starts before the cut-off, as heartbeat rows do. Each monitor's votes
  // and the majority derived from them go together, so no verdict outlives its votes.
  record(
    'peer_slices',
    await db.deleteFrom('peer_slices').where('row_start', '<', rawBefore).executeTakeFirst(),
  );
  record(
    'peer_verdict_slices',
    await db.deleteFrom('peer_verdict_slices').where('row_start', '<', rawBefore).executeTakeFirst(),
  );
  record(
    'job_outcomes',
    await db.deleteFrom('job_outcomes').where('finished_at', '<', rawBefore).executeTakeFirst(),
  );
  // Finished jobs go with raw data (their payloads and results can be large); unfinished
  // ones stay whatever their age, since a worker or the reconciler may still need them.
  record(
    'jobs',
    await db
      .deleteFrom('jobs')
      .where('status', 'in', ['succeeded', 'failed_verification', 'dead', 'cancelled'])
      .where('updated_at', '<', rawBefore)
      .executeTakeFirst(),
  );
  // The in-database queue's dead letters: their jobs' records say how they ended.
  record(
    'queue_items',
    await db
      .deleteFrom('queue_items')
      .where('state', '=', 'dead')
      .where('dead_at', '<', rawBefore)
      .executeTakeFirst(),
  );
  record(
    'worker_states',
    await db.deleteFrom('worker_states').where('at', '<', rawBefore).executeTakeFirst(),
  );
  record(
    'sla_metrics',
    await db.deleteFrom('sla_metrics').where('timestamp', '<', rawBefore).executeTakeFirst(),
  );
  record(
    'capacity_snapshots',
    await db.deleteFrom('capacity_snapshots').where('timestamp', '<', rawBefore).executeTakeFirst(),
  );
  record(
    'alert_deliveries',
    await db
      .deleteFrom('alert_deliveries')
      .where('state', '!=', 'pending')
      .where('created_at', '<', rawBefore)
      .executeTakeFirst(),
  );
  record(
    'outcome_rollups_fine',
    await db
      .deleteFrom('outcome_rollups')
      .where('bucket_ms', '=', fineRollupMs)
      .where('bucket_start', '<', rawBefore)
      .executeTakeFirst(),
  );
  record(
    'outcome_rollups',
    await db.deleteFrom('outcome_rollups').where('bucket_start', '<', rollupBefore).executeTakeFirst(),
  );
  record(
    'sla_violations',
    await db
      .deleteFrom('sla_violations')
      .where('resolved_at', 'is not', null)
      .where('resolved_at', '<', rollupBefore)
      .executeTakeFirst(),
  );
  record('audit_log', await db.deleteFrom('audit_log').where('at', '<', rollupBefore).executeTakeFirst());
  return counts;
}
