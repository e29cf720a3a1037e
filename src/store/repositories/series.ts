import { sql } from 'kysely';
import type { Sample } from '../../core/series/downsample.ts';
import type { OpenChanges } from '../../core/series/open-count.ts';
import { MINUTE_MS, type MinuteCount } from '../../core/series/rates.ts';
import type { CapacityReading } from '../../core/sla/capacity.ts';
import type { Db } from '../capabilities.ts';
import type { MetricType } from '../schema.ts';
import type { JobStatus } from '../schema-work.ts';

// The reads behind GET /series: each returns the raw readings of one series in a range, for
// core/series to summarise. Ranges include both ends unless said otherwise.

/** A node's SLA metric at each collection that measured it (no-data readings left out), oldest first. */
export async function readNodeMetricSamples(
  db: Db,
  nodeId: string,
  metric: MetricType,
  from: number,
  to: number,
): Promise<Sample[]> {
  const rows = await db
    .selectFrom('sla_metrics')
    .select(['timestamp', 'metric_value'])
    .where('node_id', '=', nodeId)
    .where('timestamp', '>=', from)
    .where('timestamp', '<=', to)
    .where('metric_type', '=', metric)
    .where('metric_value', 'is not', null)
    .orderBy('timestamp')
    .execute();
  return rows.map((r) => ({ t: Number(r.timestamp), value: Number(r.metric_value) }));
}

/** A capacity snapshot figure that a series can be drawn from. */
export type SnapshotColumn = keyof CapacityReading;

/** One figure of every capacity snapshot (one per collection), oldest first; null readings left out. */
export async function readSnapshotSamples(
  db: Db,
  column: SnapshotColumn,
  from: number,
  to: number,
): Promise<Sample[]> {
  const rows = await db
    .selectFrom('capacity_snapshots')
    .select((eb) => ['timestamp', eb.ref(column).as('value')])
    .where('timestamp', '>=', from)
    .where('timestamp', '<=', to)
    .orderBy('timestamp')
    .execute();
  return rows
    .filter((r) => r.value !== null)
    .map((r) => ({ t: Number(r.timestamp), value: Number(r.value) }));
}

/**
 * How many violations were open just before `from`, and when violations opened and resolved
 * in [from, to]: enough to count the open ones at any instant of the range. Four index range
 * scans; resolved rows that retention removed had opened and resolved before any range it keeps.
 */
export async function readViolationChanges(db: Db, from: number, to: number): Promise<OpenChanges> {
  const count = async (column: 'created_at' | 'resolved_at') => {
    const row = await db
      .selectFrom('sla_violations')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where(column, '<', from)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  const times = async (column: 'created_at' | 'resolved_at') => {
    const rows = await db
      .selectFrom('sla_violations')
      .select(`${column} as t`)
      .where(column, '>=', from)
      .where(column, '<=', to)
      .execute();
    return rows.map((r) => Number(r.t));
  };
  const openedBefore = await count('created_at');
  const resolvedBefore = await count('resolved_at');
  return {
    openBefore: openedBefore - resolvedBefore,
    opened: await times('created_at'),
    resolved: await times('resolved_at'),
  };
}

export interface JobMinuteQuery {
  /** The instant a job is counted at: its submission or its end. */
  at: 'created_at' | 'finished_at';
  /** Whole minutes (UTC ms, multiples of a minute): [from, to). */
  from: number;
  to: number;
  statuses?: readonly JobStatus[];
  topic?: string;
  tenantId?: string;
}

/**
 * Jobs per minute of [from, to), minutes without any left out. Two index seeks find the first
 * and last minute with any job; then each minute between is counted by its own index range
 * (a recursive CTE with a correlated count), which streams the index instead of sorting every
 * job by minute, as a GROUP BY on the minute would (several times faster on both stores at
 * 700,000 jobs a day; docs/benchmarks.md). The filters are in the index (migration 0010).
 */
export async function countJobsPerMinute(db: Db, q: JobMinuteQuery): Promise<MinuteCount[]> {
  if (!Number.isSafeInteger(q.from) || q.from % MINUTE_MS !== 0) throw new RangeError('from: whole minutes');
  const at = sql.ref(q.at);
  const filters = [
    ...(q.statuses === undefined ? [] : [sql`status in (${sql.join(q.statuses)})`]),
    ...(q.topic === undefined ? [] : [sql`topic = ${q.topic}`]),
    ...(q.tenantId === undefined ? [] : [sql`tenant_id = ${q.tenantId}`]),
  ];
  const where = (from: unknown, to: unknown) =>
    sql.join([sql`${at} >= ${from}`, sql`${at} < ${to}`, ...filters], sql` and `);
  // The first and last job of the range, whoever's: one index seek each.
  const bound = async (fn: 'min' | 'max') => {
    const row = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn[fn](q.at).as('t'))
      .where(q.at, '>=', q.from)
      .where(q.at, '<', q.to)
      .executeTakeFirst();
    return row?.t == null ? null : Number(row.t);
  };
  const first = await bound('min');
  const last = await bound('max');
  if (first === null || last === null) return [];
  const start = Math.floor(first / MINUTE_MS) * MINUTE_MS;
  const end = Math.floor(last / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const minute = sql.lit(MINUTE_MS);
  const result = await sql<{ m: number | string; n: number | string }>`
    with recursive minutes(m) as (
      select cast(${start} as bigint)
      union all
      select m + ${minute} from minutes where m + ${minute} < ${end}
    )
    select m, (select count(*) from jobs where ${where(sql.ref('minutes.m'), sql`minutes.m + ${minute}`)}) as n
    from minutes`.execute(db);
  return result.rows.map((r) => ({ minute: Number(r.m), n: Number(r.n) })).filter((r) => r.n > 0);
}
