import { getJobs } from '../../store/repositories/jobs.ts';
import type { WorkContext } from './context.ts';

export interface LeaseStanding {
  job_id: string;
  status: 'extended' | 'cancelled' | 'lost';
  lease_expires_at_ms: number | null;
}

/**
 * Extends a worker's leases by `queue.lease_ms`. `cancelled` and `lost` tell the worker to
 * stop the adapter and send nothing: the job was cancelled, or the lease is no longer its
 * own (it expired and the job went back to the queue, or to another worker).
 */
export async function extendLeases(
  ctx: WorkContext,
  {
    nodeId,
    workerId,
    leases,
  }: { nodeId: string; workerId: string; leases: ReadonlyArray<{ job_id: string; lease_token: string }> },
): Promise<LeaseStanding[]> {
  const rows = await getJobs(
    ctx.store.db,
    leases.map((l) => l.job_id),
  );
  const leaseMs = ctx.config.queue.lease_ms;
  const answers: LeaseStanding[] = [];
  for (const { job_id, lease_token } of leases) {
    const row = rows.get(job_id);
    if (row?.status === 'cancelled') {
      answers.push({ job_id, status: 'cancelled', lease_expires_at_ms: null });
      continue;
    }
    const held =
      row !== undefined &&
      row.status === 'running' &&
      row.lease_token === lease_token &&
      row.node_id === nodeId &&
      row.worker_id === workerId;
    const now = ctx.now();
    if (held && (await ctx.queue.extendLease(job_id, lease_token, leaseMs, now))) {
      answers.push({ job_id, status: 'extended', lease_expires_at_ms: now + leaseMs });
    } else {
      answers.push({ job_id, status: 'lost', lease_expires_at_ms: null });
    }
  }
  return answers;
}
