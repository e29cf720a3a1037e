import type { ComparisonOperatorExpression, Kysely } from 'kysely';
import type { Db } from '../capabilities.ts';
import type { Database } from '../schema.ts';

export interface RetentionCutoffs {
  /**
   * Raw data (heartbeat slices, peer verdict slices, outcomes, finished jobs, dead queue
   * items, worker state history, metrics, snapshots, topic samples, settled outbox rows) older
   * than this goes.
   */
  rawBefore: number;
  /** Coarse rollups, resolved violations, the audit log and monitors' reports are kept until this. */
  rollupBefore: number;
  /** The fine rollup grain: those buckets only serve the edge of the completion window and go with raw data. */
  fineRollupMs: number;
}

/** A condition a row must also meet to go: `[column, operator, value]`. */
type Condition = readonly [column: string, op: ComparisonOperatorExpression, value: unknown];

/** How long one kind of row is kept: by the age in one column, against one of the two horizons. */
interface RetentionRule {
  /** The key in the counts pruneExpired returns (the table's name unless one table has two rules). */
  name: string;
  table: keyof Database;
  /** The time (UTC ms) a row's age is measured from. */
  ageColumn: string;
  horizon: 'raw' | 'rollup';
  /** Only rows that also meet these go (for example: only finished jobs). */
  only?: (cutoffs: RetentionCutoffs) => readonly Condition[];
}

/**
 * Every table that grows without bound, and how long its rows are kept (docs/operations.md,
 * Retention). A new such table gets a rule here; the retention test checks each rule against
 * a real store of both kinds.
 */
export const RETENTION_RULES: readonly RetentionRule[] = [
  { name: 'heartbeat_slices', table: 'heartbeat_slices', ageColumn: 'row_start', horizon: 'raw' },
  // A row goes once it starts before the cut-off, as heartbeat rows do. Each monitor's votes
  // and the majority derived from them go together, so no verdict outlives its votes.
  { name: 'peer_slices', table: 'peer_slices', ageColumn: 'row_start', horizon: 'raw' },
  { name: 'peer_verdict_slices', table: 'peer_verdict_slices', ageColumn: 'row_start', horizon: 'raw' },
  { name: 'job_outcomes', table: 'job_outcomes', ageColumn: 'finished_at', horizon: 'raw' },
  // Every autoscaler decision with its inputs: kept as long as the raw readings it explains.
  { name: 'autoscaler_decisions', table: 'autoscaler_decisions', ageColumn: 'at', horizon: 'raw' },
  // Finished jobs go with raw data (their payloads and results can be large); unfinished
  // ones stay whatever their age, since a worker or the reconciler may still need them.
  {
    name: 'jobs',
    table: 'jobs',
    ageColumn: 'updated_at',
    horizon: 'raw',
    only: () => [['status', 'in', ['succeeded', 'failed_verification', 'dead', 'cancelled']]],
  },
  // The in-database queue's dead letters: their jobs' records say how they ended.
  {
    name: 'queue_items',
    table: 'queue_items',
    ageColumn: 'dead_at',
    horizon: 'raw',
    only: () => [['state', '=', 'dead']],
  },
  { name: 'worker_states', table: 'worker_states', ageColumn: 'at', horizon: 'raw' },
  { name: 'sla_metrics', table: 'sla_metrics', ageColumn: 'timestamp', horizon: 'raw' },
  { name: 'capacity_snapshots', table: 'capacity_snapshots', ageColumn: 'timestamp', horizon: 'raw' },
  // Queue depth history (decision 0072): sampled like the snapshots, kept like them.
  { name: 'topic_samples', table: 'topic_samples', ageColumn: 'sampled_at', horizon: 'raw' },
  // Resolved capacity alerts, like resolved violations; open ones stay whatever their age.
  {
    name: 'capacity_alerts',
    table: 'capacity_alerts',
    ageColumn: 'resolved_at',
    horizon: 'rollup',
    only: () => [['resolved_at', 'is not', null]],
  },
  // Capacity planning's history (decision 0086) is a rollup: one row per scope and interval.
  { name: 'capacity_series', table: 'capacity_series', ageColumn: 'bucket_start', horizon: 'rollup' },
  // Kept forecasts (decision 0090) are overwritten each interval; a scope gone quiet leaves one.
  { name: 'capacity_forecasts', table: 'capacity_forecasts', ageColumn: 'computed_at', horizon: 'raw' },
  // Pending deliveries stay whatever their age: they have not been sent yet.
  {
    name: 'outbox',
    table: 'outbox',
    ageColumn: 'created_at',
    horizon: 'raw',
    only: () => [['state', '!=', 'pending']],
  },
  {
    name: 'outcome_rollups_fine',
    table: 'outcome_rollups',
    ageColumn: 'bucket_start',
    horizon: 'raw',
    only: ({ fineRollupMs }) => [['bucket_ms', '=', fineRollupMs]],
  },
  { name: 'outcome_rollups', table: 'outcome_rollups', ageColumn: 'bucket_start', horizon: 'rollup' },
  {
    name: 'sla_violations',
    table: 'sla_violations',
    ageColumn: 'resolved_at',
    horizon: 'rollup',
    only: () => [['resolved_at', 'is not', null]],
  },
  { name: 'audit_log', table: 'audit_log', ageColumn: 'at', horizon: 'rollup' },
  // Dashboard sign-ins long past their expiry: they no longer let anyone in.
  { name: 'web_sessions', table: 'web_sessions', ageColumn: 'expires_at', horizon: 'raw' },
  // Monitors' signed reports, the evidence behind each settlement: kept as long as rollups, so
  // anyone can re-verify an epoch for that long; the signed settlements themselves stay.
  { name: 'monitor_reports', table: 'monitor_reports', ageColumn: 'received_at', horizon: 'rollup' },
];

/**
 * Deletes what has outlived its retention, rule by rule in order; returns rows deleted per
 * rule. Runs on a schedule, so each pass removes about one interval's worth of rows.
 */
export async function pruneExpired(db: Db, cutoffs: RetentionCutoffs): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const rule of RETENTION_RULES) {
    const before = rule.horizon === 'raw' ? cutoffs.rawBefore : cutoffs.rollupBefore;
    // The rules name their columns as strings; the table's own column types cannot follow a
    // rule through a list, so the builder is addressed untyped here and checked by the tests.
    let query = (db as unknown as Kysely<RetentionAny>)
      .deleteFrom(rule.table)
      .where(rule.ageColumn, '<', before);
    for (const [column, op, value] of rule.only?.(cutoffs) ?? []) query = query.where(column, op, value);
    const result = await query.executeTakeFirst();
    counts[rule.name] = Number(result.numDeletedRows);
  }
  return counts;
}

/** Any table with any columns: what the rules address (see pruneExpired). */
type RetentionAny = Record<string, Record<string, unknown>>;
