import { type Selectable, sql } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { CapacitySeriesTable } from '../schema-capacity.ts';

export type CapacitySeriesRow = Selectable<CapacitySeriesTable>;

/** One scope's readings at one sampling. */
export interface CapacityReadingOfScope {
  scope: string;
  busy: number;
  queued: number;
  supply: number;
  live_nodes: number;
}

/**
 * Adds one sampling's readings to their scopes' buckets (`bucket_start` = `at` floored to the
 * interval): every sum grows and `samples` counts the sampling, so means stay sum ÷ samples.
 */
export async function addCapacitySamples(
  trx: Tx,
  intervalS: number,
  at: number,
  readings: readonly CapacityReadingOfScope[],
): Promise<void> {
  if (readings.length === 0) return;
  const bucketStart = Math.floor(at / (intervalS * 1000)) * intervalS * 1000;
  await trx
    .insertInto('capacity_series')
    .values(
      readings.map((r) => ({
        scope: r.scope,
        interval_s: intervalS,
        bucket_start: bucketStart,
        samples: 1,
        busy_sum: r.busy,
        queued_sum: r.queued,
        supply_sum: r.supply,
        live_nodes_sum: r.live_nodes,
        arrivals: 0,
        work_slot_s: 0,
        last_sample_at: at,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['scope', 'interval_s', 'bucket_start']).doUpdateSet((eb) => ({
        samples: eb('capacity_series.samples', '+', 1),
        busy_sum: eb('capacity_series.busy_sum', '+', eb.ref('excluded.busy_sum')),
        queued_sum: eb('capacity_series.queued_sum', '+', eb.ref('excluded.queued_sum')),
        supply_sum: eb('capacity_series.supply_sum', '+', eb.ref('excluded.supply_sum')),
        live_nodes_sum: eb('capacity_series.live_nodes_sum', '+', eb.ref('excluded.live_nodes_sum')),
        last_sample_at: eb.ref('excluded.last_sample_at'),
      })),
    )
    .execute();
}

/** Arrivals and attempt durations of one topic in one interval, as the job records say now. */
export interface TopicWorkInBucket {
  topic: string;
  bucket_start: number;
  arrivals: number;
  /** Attempts that ended in the bucket, and their total duration. */
  attempts: number;
  attempt_ms: number;
}

/**
 * Jobs submitted and attempts ended per topic and interval over [from, to): two grouped
 * index range scans (ix_jobs_created, ix_job_outcomes_finished), whatever the traffic.
 */
export async function readTopicWork(
  db: Db | Tx,
  intervalS: number,
  from: number,
  to: number,
): Promise<TopicWorkInBucket[]> {
  const ms = intervalS * 1000;
  // Integer division floors in both dialects: the columns are integers and times are positive.
  const createdBucket = sql<number | string>`(${sql.ref('created_at')} / ${sql.lit(ms)}) * ${sql.lit(ms)}`;
  const finishedBucket = sql<number | string>`(${sql.ref('finished_at')} / ${sql.lit(ms)}) * ${sql.lit(ms)}`;
  const arrived = await db
    .selectFrom('jobs')
    .select((eb) => ['topic', createdBucket.as('bucket'), eb.fn.countAll<number | string>().as('n')])
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy(['topic', createdBucket])
    .execute();
  const ended = await db
    .selectFrom('job_outcomes')
    .select((eb) => [
      'topic',
      finishedBucket.as('bucket'),
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.sum<number | string | null>('duration_ms').as('total'),
    ])
    .where('finished_at', '>=', from)
    .where('finished_at', '<', to)
    .where('topic', 'is not', null)
    .groupBy(['topic', finishedBucket])
    .execute();
  const byKey = new Map<string, TopicWorkInBucket>();
  const entry = (topic: string, bucket: number) => {
    const key = `${bucket} ${topic}`;
    let found = byKey.get(key);
    if (found === undefined) {
      found = { topic, bucket_start: bucket, arrivals: 0, attempts: 0, attempt_ms: 0 };
      byKey.set(key, found);
    }
    return found;
  };
  for (const r of arrived) entry(r.topic, Number(r.bucket)).arrivals = Number(r.n);
  for (const r of ended) {
    if (r.topic === null) continue;
    const e = entry(r.topic, Number(r.bucket));
    e.attempts = Number(r.n);
    e.attempt_ms = Number(r.total ?? 0);
  }
  return [...byKey.values()];
}

/** Overwrites the arrivals and work of the given buckets (creating a bucket not yet sampled). */
export async function setCapacityArrivals(
  trx: Tx,
  intervalS: number,
  rows: ReadonlyArray<{ scope: string; bucket_start: number; arrivals: number; work_slot_s: number }>,
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('capacity_series')
    .values(
      rows.map((r) => ({
        ...r,
        interval_s: intervalS,
        samples: 0,
        busy_sum: 0,
        queued_sum: 0,
        supply_sum: 0,
        live_nodes_sum: 0,
        last_sample_at: null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['scope', 'interval_s', 'bucket_start']).doUpdateSet((eb) => ({
        arrivals: eb.ref('excluded.arrivals'),
        work_slot_s: eb.ref('excluded.work_slot_s'),
      })),
    )
    .execute();
}

/** A scope's buckets in [from, to), oldest first. */
export function readCapacitySeries(
  db: Db,
  scope: string,
  intervalS: number,
  from: number,
  to: number,
): Promise<CapacitySeriesRow[]> {
  return db
    .selectFrom('capacity_series')
    .selectAll()
    .where('scope', '=', scope)
    .where('interval_s', '=', intervalS)
    .where('bucket_start', '>=', from)
    .where('bucket_start', '<', to)
    .orderBy('bucket_start')
    .execute()
    .then((rows) => rows.map((r) => ({ ...r, bucket_start: Number(r.bucket_start) })));
}

/** Scopes with a bucket at or after `since`. */
export async function listCapacityScopes(db: Db, intervalS: number, since: number): Promise<string[]> {
  const rows = await db
    .selectFrom('capacity_series')
    .select('scope')
    .distinct()
    .where('interval_s', '=', intervalS)
    .where('bucket_start', '>=', since)
    .orderBy('scope')
    .execute();
  return rows.map((r) => r.scope);
}

/** When the fleet was last sampled, or null before the first sampling. */
export async function latestCapacitySampleAt(db: Db | Tx, intervalS: number): Promise<number | null> {
  const row = await db
    .selectFrom('capacity_series')
    .select((eb) => eb.fn.max('last_sample_at').as('at'))
    .where('scope', '=', 'fleet')
    .where('interval_s', '=', intervalS)
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

/** Each topic's slots on live nodes, from the enabled workers that can take work. */
export interface TopicSupply {
  topic: string;
  slots: number;
  nodes: number;
}

/**
 * Slots per topic of enabled `ready` or `working` workers on active nodes whose last heartbeat
 * is at or after `liveSince`: one query; the workers' topic lists are JSON, summed here.
 */
export async function readTopicSupply(db: Db, liveSince: number): Promise<TopicSupply[]> {
  const rows = await db
    .selectFrom('workers')
    .innerJoin('nodes', 'nodes.node_id', 'workers.node_id')
    .innerJoin('node_status', 'node_status.node_id', 'workers.node_id')
    .select(['workers.node_id', 'workers.topics'])
    .where('nodes.state', '=', 'active')
    .where('workers.enabled', '=', 1)
    .where('workers.state', 'in', ['ready', 'working'])
    .where('node_status.last_heartbeat_at', '>=', liveSince)
    .execute();
  const slots = new Map<string, number>();
  const nodes = new Map<string, Set<string>>();
  for (const row of rows) {
    let topics: Array<{ topic?: unknown; concurrency?: unknown }>;
    try {
      topics = JSON.parse(row.topics) as typeof topics;
    } catch {
      continue;
    }
    if (!Array.isArray(topics)) continue;
    for (const t of topics) {
      if (typeof t?.topic !== 'string' || typeof t.concurrency !== 'number') continue;
      slots.set(t.topic, (slots.get(t.topic) ?? 0) + Math.max(0, t.concurrency));
      const of = nodes.get(t.topic) ?? new Set<string>();
      of.add(row.node_id);
      nodes.set(t.topic, of);
    }
  }
  return [...slots].map(([topic, n]) => ({ topic, slots: n, nodes: nodes.get(topic)?.size ?? 0 }));
}
