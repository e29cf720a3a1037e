import type { Insertable, Selectable } from 'kysely';
import { uuidv7 } from '../../core/ids.ts';
import type { MetricReading } from '../../core/sla/evaluate.ts';
import type { OpenViolation, Transition } from '../../core/sla/violations.ts';
import { chunkForBinds } from '../batching.ts';
import type { Db, StoreCapabilities, Tx } from '../capabilities.ts';
import type { CapacitySnapshotsTable, MetricType, SlaMetricsTable, SlaViolationsTable } from '../schema.ts';

export type MetricRow = Selectable<SlaMetricsTable>;
export type ViolationRow = Selectable<SlaViolationsTable>;
export type CapacitySnapshotRow = Selectable<CapacitySnapshotsTable>;

/** The `sla_metrics` rows for one collection's readings. */
export function metricRowsFor(readings: readonly MetricReading[], at: number): Insertable<SlaMetricsTable>[] {
  return readings.map((r) => ({
    id: uuidv7(at),
    node_id: r.evaluation.nodeId,
    metric_type: r.evaluation.metric,
    metric_value: r.evaluation.value,
    threshold: r.evaluation.threshold,
    severity: r.evaluation.severity,
    timestamp: at,
    metadata: JSON.stringify(r.metadata),
  }));
}

export async function insertMetrics(
  trx: Tx,
  rows: readonly Insertable<SlaMetricsTable>[],
  caps: StoreCapabilities,
): Promise<void> {
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx.insertInto('sla_metrics').values(chunk).execute();
  }
}

export async function insertCapacitySnapshot(
  trx: Tx,
  row: Insertable<CapacitySnapshotsTable>,
): Promise<void> {
  await trx.insertInto('capacity_snapshots').values(row).execute();
}

export async function readOpenViolations(db: Db | Tx): Promise<OpenViolation[]> {
  const rows = await db
    .selectFrom('sla_violations')
    .select([
      'id',
      'subject',
      'node_id',
      'violation_type',
      'severity',
      'worst_value',
      'threshold',
      'created_at',
    ])
    .where('resolved_at', 'is', null)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    subject: r.subject,
    nodeId: r.node_id,
    metric: r.violation_type,
    severity: r.severity,
    worstValue: r.worst_value,
    threshold: r.threshold,
    createdAt: r.created_at,
  }));
}

/** A transition as stored, with the id of the violation row it touched. */
export interface AppliedTransition {
  transition: Transition;
  violationId: string;
}

/**
 * Writes the state machine's decisions. Opening inserts the one open row the unique index
 * allows; a continued violation is written only when its worst value moved, so a long
 * breach over a large fleet does not rewrite every row on every collection.
 */
export async function applyTransitions(
  trx: Tx,
  transitions: readonly Transition[],
  now: number,
): Promise<AppliedTransition[]> {
  const applied: AppliedTransition[] = [];
  for (const t of transitions) {
    switch (t.kind) {
      case 'opened': {
        const id = uuidv7(now);
        const e = t.evaluation;
        const value = e.value as number;
        await trx
          .insertInto('sla_violations')
          .values({
            id,
            node_id: e.nodeId,
            subject: e.subject,
            violation_type: e.metric,
            severity: t.severity,
            metric_value: value,
            worst_value: value,
            threshold: e.threshold,
            created_at: now,
            updated_at: now,
            resolved_at: null,
            violation_duration_ms: null,
            metadata: '{}',
          })
          .execute();
        applied.push({ transition: t, violationId: id });
        break;
      }
      case 'escalated': {
        const value = t.evaluation.value as number;
        await trx
          .updateTable('sla_violations')
          .set({ severity: t.to, metric_value: value, worst_value: value, updated_at: now })
          .where('id', '=', t.violation.id)
          .execute();
        applied.push({ transition: t, violationId: t.violation.id });
        break;
      }
      case 'continued': {
        if (t.worstValue !== t.violation.worstValue) {
          await trx
            .updateTable('sla_violations')
            .set({ metric_value: t.evaluation.value as number, worst_value: t.worstValue, updated_at: now })
            .where('id', '=', t.violation.id)
            .execute();
        }
        applied.push({ transition: t, violationId: t.violation.id });
        break;
      }
      case 'resolved': {
        await trx
          .updateTable('sla_violations')
          .set({
            resolved_at: now,
            updated_at: now,
            violation_duration_ms: t.durationMs,
            ...(t.evaluation?.value == null ? {} : { metric_value: t.evaluation.value }),
            metadata: JSON.stringify({ resolution: t.reason }),
          })
          .where('id', '=', t.violation.id)
          .where('resolved_at', 'is', null)
          .execute();
        applied.push({ transition: t, violationId: t.violation.id });
        break;
      }
    }
  }
  return applied;
}

export interface MetricsQuery {
  since: number;
  nodeId?: string;
  metricType?: MetricType;
  /** Keyset pagination on the time-ordered id. */
  after?: string;
  limit: number;
}

export async function listMetrics(db: Db, q: MetricsQuery): Promise<MetricRow[]> {
  let query = db
    .selectFrom('sla_metrics')
    .selectAll()
    .where('timestamp', '>=', q.since)
    .orderBy('id')
    .limit(q.limit);
  if (q.nodeId !== undefined) query = query.where('node_id', '=', q.nodeId);
  if (q.metricType !== undefined) query = query.where('metric_type', '=', q.metricType);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  return query.execute();
}

export interface ViolationsQuery {
  resolved?: boolean;
  nodeId?: string;
  metricType?: MetricType;
  severity?: string;
  /** Opened at or after this instant (epoch ms). */
  createdSince?: number;
  /** Opened before this instant (epoch ms). */
  createdUntil?: number;
  after?: string;
  limit: number;
}

export async function listViolations(db: Db, q: ViolationsQuery): Promise<ViolationRow[]> {
  let query = db.selectFrom('sla_violations').selectAll().orderBy('id', 'desc').limit(q.limit);
  if (q.resolved === true) query = query.where('resolved_at', 'is not', null);
  if (q.resolved === false) query = query.where('resolved_at', 'is', null);
  if (q.nodeId !== undefined) query = query.where('node_id', '=', q.nodeId);
  if (q.metricType !== undefined) query = query.where('violation_type', '=', q.metricType);
  if (q.severity !== undefined) query = query.where('severity', '=', q.severity as 'high' | 'critical');
  if (q.createdSince !== undefined) query = query.where('created_at', '>=', q.createdSince);
  if (q.createdUntil !== undefined) query = query.where('created_at', '<', q.createdUntil);
  if (q.after !== undefined) query = query.where('id', '<', q.after);
  return query.execute();
}

export async function listCapacitySnapshots(
  db: Db,
  since: number,
  limit: number,
): Promise<CapacitySnapshotRow[]> {
  return db
    .selectFrom('capacity_snapshots')
    .selectAll()
    .where('timestamp', '>=', since)
    .orderBy('timestamp', 'desc')
    .limit(limit)
    .execute();
}

export interface SlaStatusCounts {
  openBySeverity: Record<string, number>;
  recentMetrics: number;
  lastCollectionAt: number | null;
}

export async function readStatusCounts(db: Db, since: number): Promise<SlaStatusCounts> {
  const open = await db
    .selectFrom('sla_violations')
    .select((eb) => ['severity', eb.fn.countAll<number>().as('n')])
    .where('resolved_at', 'is', null)
    .groupBy('severity')
    .execute();
  const recent = await db
    .selectFrom('sla_metrics')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('timestamp', '>=', since)
    .executeTakeFirstOrThrow();
  return {
    openBySeverity: Object.fromEntries(open.map((r) => [r.severity, Number(r.n)])),
    recentMetrics: Number(recent.n),
    lastCollectionAt: await lastCollectionAt(db),
  };
}

/** When the latest collection ran (its capacity snapshot's time), or null before the first. */
export async function lastCollectionAt(db: Db): Promise<number | null> {
  const last = await db
    .selectFrom('capacity_snapshots')
    .select('timestamp')
    .orderBy('timestamp', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last?.timestamp ?? null;
}
