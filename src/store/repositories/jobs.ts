import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { JobStatus, JobsTable } from '../schema-work.ts';

export type JobRow = Selectable<JobsTable>;
/** New values for some of a job's columns. */
export type JobPatch = Updateable<JobsTable>;

/** Statuses a job never leaves (but for a failed verification of a success, which is the verifier's). */
export const FINISHED_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed_verification',
  'dead',
  'cancelled',
];
export const UNFINISHED_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export function isFinished(status: JobStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/**
 * Inserts a new job; false when the tenant already has a job with this idempotency key (the
 * unique index decides, so two concurrent submissions with one key make one job).
 */
export async function insertJob(db: Db | Tx, job: Insertable<JobsTable>): Promise<boolean> {
  const result = await db
    .insertInto('jobs')
    .values(job)
    .onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function getJob(db: Db | Tx, jobId: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
}

/** The named jobs that exist, by id. */
export async function getJobs(db: Db | Tx, jobIds: readonly string[]): Promise<Map<string, JobRow>> {
  const found = new Map<string, JobRow>();
  if (jobIds.length === 0) return found;
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where('job_id', 'in', [...new Set(jobIds)])
    .execute();
  for (const row of rows) found.set(row.job_id, row);
  return found;
}

export async function findByIdempotencyKey(
  db: Db | Tx,
  tenantId: string,
  key: string,
): Promise<JobRow | undefined> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export interface JobFilter {
  topic?: string;
  status?: JobStatus;
  tenantId?: string;
  /** Only jobs created before this instant (the next page of a newest-first walk). */
  beforeMs?: number;
  limit: number;
}

/** Jobs newest first. */
export async function listJobs(db: Db, filter: JobFilter): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll();
  if (filter.topic !== undefined) query = query.where('topic', '=', filter.topic);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
  if (filter.beforeMs !== undefined) query = query.where('created_at', '<', filter.beforeMs);
  return query.orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(filter.limit).execute();
}

/** What a status change expects the row to hold; a lease token of null means "none". */
export interface JobExpectation {
  status: JobStatus | readonly JobStatus[];
  /** Omitted: not compared. */
  leaseToken?: string | null;
}

/**
 * The only way a job's status changes: a conditional update on (job_id, status, lease_token).
 * Of two writers that read the same row, exactly one changes it; the other gets false and
 * reads the row again. That is what records each attempt's outcome once.
 */
export async function transitionJob(
  db: Db | Tx,
  jobId: string,
  expected: JobExpectation,
  values: Updateable<JobsTable>,
): Promise<boolean> {
  let query = db.updateTable('jobs').set(values).where('job_id', '=', jobId);
  query =
    typeof expected.status === 'string'
      ? query.where('status', '=', expected.status)
      : query.where('status', 'in', [...expected.status]);
  if (expected.leaseToken === null) query = query.where('lease_token', 'is', null);
  else if (expected.leaseToken !== undefined) query = query.where('lease_token', '=', expected.leaseToken);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Unfinished jobs not touched since `updatedBefore`, in (updated_at, job_id) order after the
 * cursor: the reconciler's walk.
 */
export async function staleUnfinishedJobs(
  db: Db,
  {
    updatedBefore,
    after,
    limit,
  }: { updatedBefore: number; after: { updatedAt: number; jobId: string } | null; limit: number },
): Promise<JobRow[]> {
  let query = db
    .selectFrom('jobs')
    .selectAll()
    .where('status', 'in', [...UNFINISHED_STATUSES])
    .where('updated_at', '<', updatedBefore);
  if (after !== null) {
    query = query.where((eb) =>
      eb.or([
        eb('updated_at', '>', after.updatedAt),
        eb.and([eb('updated_at', '=', after.updatedAt), eb('job_id', '>', after.jobId)]),
      ]),
    );
  }
  return query.orderBy('updated_at').orderBy('job_id').limit(limit).execute();
}

/** Queued jobs whose deadline has passed: nobody claimed them in time. */
export async function overdueQueuedJobs(db: Db, now: number, limit: number): Promise<JobRow[]> {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('status', '=', 'queued')
    .where('deadline_at', 'is not', null)
    .where('deadline_at', '<=', now)
    .limit(limit)
    .execute();
}
