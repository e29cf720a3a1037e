import { type BulkWriter, type ColumnTypes, columns, push } from './bulk.ts';
import type { HistorySpec } from './dashboard-setup.ts';
import { type FleetSpec, type NodeProfile, prng } from './fleet.ts';

/** Jobs are spread over this many tenants (tenant-00 …). */
export const TENANTS = 20;
const DAY = 86_400_000;

const JOB_TYPES: ColumnTypes = {
  job_id: 'text',
  topic: 'text',
  tenant_id: 'text',
  payload: 'text',
  status: 'text',
  attempts: 'int8',
  max_attempts: 'int8',
  created_at: 'int8',
  updated_at: 'int8',
  node_id: 'text',
  started_at: 'int8',
  finished_at: 'int8',
};
const QUEUE_TYPES: ColumnTypes = {
  id: 'text',
  topic: 'text',
  payload: 'text',
  state: 'text',
  attempts: 'int8',
  max_attempts: 'int8',
  enqueued_at: 'int8',
  available_at: 'int8',
  lease_owner: 'text',
  lease_token: 'text',
  lease_expires_at: 'int8',
};

/**
 * Finished jobs at the fleet's outcome rate (outcomes over 7 days), in the order they finish,
 * and 7,000 unfinished ones (5,000 queued, 2,000 running) with their in-database queue items.
 */
export async function jobs(
  w: BulkWriter,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  h: HistorySpec,
): Promise<number> {
  const perMs = spec.outcomes / (7 * DAY);
  const count = Math.round(perMs * h.jobDays * DAY);
  const rnd = prng(11);
  const finished = Float64Array.from(
    { length: count },
    () => spec.now - 1 - Math.floor(rnd() * h.jobDays * DAY),
  );
  finished.sort();
  const CHUNK = 50_000;
  for (let c = 0; c < count; c += CHUNK) {
    const cols = columns(JOB_TYPES);
    for (let i = c; i < Math.min(count, c + CHUNK); i++) {
      const p = profiles[Math.floor(rnd() * profiles.length)] as NodeProfile;
      const end = finished[i] as number;
      const r = rnd();
      const status =
        r < 0.96 ? 'succeeded' : r < 0.98 ? 'dead' : r < 0.99 ? 'cancelled' : 'failed_verification';
      const started = end - Math.floor(rnd() * 30_000);
      push(cols, {
        job_id: `job-${String(i).padStart(9, '0')}`,
        topic: p.topic,
        tenant_id: `tenant-${String(i % TENANTS).padStart(2, '0')}`,
        payload: '{"n":1}',
        status,
        attempts: 1,
        max_attempts: 3,
        created_at: started - Math.floor(rnd() * 90_000),
        updated_at: end,
        node_id: p.node_id,
        started_at: started,
        finished_at: end,
      });
    }
    await w.insert('jobs', JOB_TYPES, cols);
  }
  const jobCols = columns(JOB_TYPES);
  const queueCols = columns(QUEUE_TYPES);
  for (let i = 0; i < 7_000; i++) {
    const p = profiles[i % profiles.length] as NodeProfile;
    const running = i < 2_000;
    const created = spec.now - Math.floor(rnd() * 600_000);
    const id = `open-${String(i).padStart(6, '0')}`;
    push(jobCols, {
      job_id: id,
      topic: p.topic,
      tenant_id: `tenant-${String(i % TENANTS).padStart(2, '0')}`,
      payload: '{"n":1}',
      status: running ? 'running' : 'queued',
      attempts: running ? 1 : 0,
      max_attempts: 3,
      created_at: created,
      updated_at: created,
      node_id: running ? p.node_id : null,
      started_at: running ? created : null,
      finished_at: null,
    });
    push(queueCols, {
      id,
      topic: p.topic,
      payload: '{"n":1}',
      state: running ? 'leased' : 'ready',
      attempts: running ? 1 : 0,
      max_attempts: 3,
      enqueued_at: created,
      available_at: created,
      lease_owner: running ? `${p.node_id}/main` : null,
      lease_token: running ? `t-${i}` : null,
      lease_expires_at: running ? spec.now + 30_000 : null,
    });
  }
  await w.insert('jobs', JOB_TYPES, jobCols);
  await w.insert('queue_items', QUEUE_TYPES, queueCols);
  return count + 7_000;
}
