import { type Selectable, sql } from 'kysely';
import { mergeRecentSamples, type ResponseSample } from '../../core/sla/percentile.ts';
import type { RollupGrain } from '../../core/sla/rollup.ts';
import { floorTo } from '../../core/time.ts';
import { chunkForBinds, chunkKeys } from '../batching.ts';
import type { Db, StoreCapabilities, Tx } from '../capabilities.ts';
import type { JobOutcomesTable, OutcomeRollupsTable } from '../schema.ts';
import { activeNodeIds } from './nodes.ts';
import { decodeSamples, encodeSamples } from './response-samples.ts';

/** An outcome as reported; the duration and receipt time are derived when it is stored. */
export type Outcome = Omit<JobOutcomesTable, 'duration_ms' | 'received_at'>;

export type RecordOutcomesResult =
  | { kind: 'recorded'; accepted: number; duplicates: number }
  | { kind: 'unknown_nodes'; nodeIds: string[] };

/**
 * Records outcomes idempotently by job id (the first report of a job wins; repeats are
 * counted as duplicates and change nothing). In the same transaction it maintains what the
 * SLA engine reads, so a collection never scans raw outcomes: per-node counters in buckets (see core/sla/rollup.ts), and
 * each node's most recent durations for the response-time percentile.
 * A batch naming an unregistered node is refused whole.
 */
export async function recordOutcomes(
  trx: Tx,
  outcomes: readonly Outcome[],
  {
    now,
    sampleSize,
    grain,
    caps,
  }: { now: number; sampleSize: number; grain: RollupGrain; caps: StoreCapabilities },
): Promise<RecordOutcomesResult> {
  const nodeIds = [...new Set(outcomes.map((o) => o.node_id))];
  const known = new Set<string>();
  for (const chunk of chunkKeys(nodeIds)) for (const id of await activeNodeIds(trx, chunk)) known.add(id);
  const unknown = nodeIds.filter((id) => !known.has(id));
  if (unknown.length > 0) return { kind: 'unknown_nodes', nodeIds: unknown };

  const byJob = new Map<string, Outcome>();
  for (const o of outcomes) if (!byJob.has(o.job_id)) byJob.set(o.job_id, o);
  const rows = [...byJob.values()].map((o) => ({
    ...o,
    duration_ms: o.finished_at - o.started_at,
    received_at: now,
  }));

  const inserted = new Set<string>();
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    const returned = await trx
      .insertInto('job_outcomes')
      .values(chunk)
      .onConflict((oc) => oc.column('job_id').doNothing())
      .returning('job_id')
      .execute();
    for (const r of returned) inserted.add(r.job_id);
  }
  const fresh = rows.filter((r) => inserted.has(r.job_id));

  await addToRollups(trx, fresh, grain, caps);
  await addToRecentSamples(trx, fresh, { now, sampleSize, caps });
  return { kind: 'recorded', accepted: fresh.length, duplicates: outcomes.length - fresh.length };
}

/** The recorded outcomes among `jobIds` (at most a few hundred), in no particular order. */
export async function outcomesByIds(
  db: Db | Tx,
  jobIds: readonly string[],
): Promise<Array<Selectable<JobOutcomesTable>>> {
  if (jobIds.length === 0) return [];
  return db
    .selectFrom('job_outcomes')
    .selectAll()
    .where('job_id', 'in', [...jobIds])
    .execute();
}

type FreshOutcome = Outcome & { duration_ms: number };

async function addToRollups(
  trx: Tx,
  fresh: readonly FreshOutcome[],
  grain: RollupGrain,
  caps: StoreCapabilities,
): Promise<void> {
  type Bucket = OutcomeRollupsTable;
  const buckets = new Map<string, Bucket>();
  for (const o of fresh) {
    // Each outcome counts once in each grain.
    for (const bucket_ms of [grain.fineMs, grain.coarseMs]) {
      const bucket_start = floorTo(o.finished_at, bucket_ms);
      const key = `${o.node_id}\u0000${bucket_ms}\u0000${bucket_start}`;
      const b = buckets.get(key) ?? {
        node_id: o.node_id,
        bucket_ms,
        bucket_start,
        successes: 0,
        failures: 0,
        duration_sum_ms: 0,
      };
      if (o.status === 'success') b.successes++;
      else b.failures++;
      b.duration_sum_ms += o.duration_ms;
      buckets.set(key, b);
    }
  }
  for (const chunk of chunkForBinds([...buckets.values()], caps.maxBindParameters)) {
    await trx
      .insertInto('outcome_rollups')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['node_id', 'bucket_ms', 'bucket_start']).doUpdateSet({
          successes: sql`outcome_rollups.successes + excluded.successes`,
          failures: sql`outcome_rollups.failures + excluded.failures`,
          duration_sum_ms: sql`outcome_rollups.duration_sum_ms + excluded.duration_sum_ms`,
        }),
      )
      .execute();
  }
}

async function addToRecentSamples(
  trx: Tx,
  fresh: readonly FreshOutcome[],
  { now, sampleSize, caps }: { now: number; sampleSize: number; caps: StoreCapabilities },
): Promise<void> {
  const added = new Map<string, ResponseSample[]>();
  for (const o of fresh) {
    const list = added.get(o.node_id) ?? [];
    list.push([o.finished_at, o.duration_ms]);
    added.set(o.node_id, list);
  }
  if (added.size === 0) return;
  const existing = new Map<string, ResponseSample[]>();
  for (const chunk of chunkKeys([...added.keys()])) {
    let query = trx
      .selectFrom('node_response_samples')
      .select(['node_id', 'samples'])
      .where('node_id', 'in', chunk);
    // Two coordinators merging into one node's samples must take turns; SQLite has one writer anyway.
    if (caps.supportsRowLocks) query = query.forUpdate();
    for (const row of await query.execute()) existing.set(row.node_id, decodeSamples(row.samples));
  }
  const rows = [...added].map(([node_id, samples]) => ({
    node_id,
    samples: encodeSamples(mergeRecentSamples(existing.get(node_id) ?? [], samples, sampleSize)),
    updated_at: now,
  }));
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('node_response_samples')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('node_id').doUpdateSet((eb) => ({
          samples: eb.ref('excluded.samples'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}
