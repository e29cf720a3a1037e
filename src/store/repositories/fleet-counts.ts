import type { Db } from '../capabilities.ts';
import type { MetricType, Severity } from '../schema.ts';
import type { JobStatus } from '../schema-work.ts';

/** Open violations, counted by severity and metric together (from the partial index of open ones). */
export async function countOpenViolations(
  db: Db,
): Promise<Array<{ severity: Severity; metric: MetricType; n: number }>> {
  const rows = await db
    .selectFrom('sla_violations')
    .select((eb) => ['severity', 'violation_type', eb.fn.countAll<number | string>().as('n')])
    .where('resolved_at', 'is', null)
    .groupBy(['severity', 'violation_type'])
    .execute();
  return rows.map((r) => ({ severity: r.severity, metric: r.violation_type, n: Number(r.n) }));
}

export interface RecentJobCounts {
  submitted: number;
  /** Jobs that finished in the window, by the status they ended in. */
  finished: Partial<Record<JobStatus, number>>;
}

/** Jobs submitted, and jobs finished by status, in [since, until]; a tenant's only when named. */
export async function countRecentJobs(
  db: Db,
  { since, until, tenantId }: { since: number; until: number; tenantId: string | null },
): Promise<RecentJobCounts> {
  let submitted = db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('created_at', '>=', since)
    .where('created_at', '<=', until);
  let finished = db
    .selectFrom('jobs')
    .select((eb) => ['status', eb.fn.countAll<number | string>().as('n')])
    .where('finished_at', '>=', since)
    .where('finished_at', '<=', until)
    .groupBy('status');
  if (tenantId !== null) {
    submitted = submitted.where('tenant_id', '=', tenantId);
    finished = finished.where('tenant_id', '=', tenantId);
  }
  const [s, f] = [await submitted.executeTakeFirstOrThrow(), await finished.execute()];
  return {
    submitted: Number(s.n),
    finished: Object.fromEntries(f.map((r) => [r.status, Number(r.n)])),
  };
}
