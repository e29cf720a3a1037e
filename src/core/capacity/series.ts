/**
 * Capacity planning's series (decision 0086). Each scope (the fleet, or one topic) has one
 * bucket per interval; a bucket's readings are the means of the samplings that fell in it.
 *
 * - **supply**: slots of live nodes (the fleet: their `max_parallel`; a topic: the concurrency
 *   of its enabled, ready or working workers on live nodes);
 * - **busy**: slots running work (the fleet: what the nodes' heartbeats report; a topic: its
 *   leased jobs);
 * - **queued**: jobs waiting in the queue;
 * - **work**: work arriving, in slots: the jobs submitted in the interval times the mean
 *   duration of the attempts that ended in it, divided by the interval: the slots needed to
 *   keep up with what arrived;
 * - **demand**: the larger of work and busy. Work arriving is not capped by the supply that
 *   served it (a queue that grows shows it); busy counts the work a node reports without the
 *   coordinator's queue. Demand is the series that is forecast.
 */
export const FLEET_SCOPE = 'fleet';

/** The scope of a topic's series. */
export function topicScope(topic: string): string {
  return `topic:${topic}`;
}

/** The topic of a scope, or null for the fleet. */
export function topicOfScope(scope: string): string | null {
  return scope.startsWith('topic:') ? scope.slice('topic:'.length) : null;
}

/** One stored bucket, as the store holds it. */
export interface CapacityBucket {
  bucket_start: number;
  samples: number;
  busy_sum: number;
  queued_sum: number;
  supply_sum: number;
  live_nodes_sum: number;
  arrivals: number;
  work_slot_s: number;
}

/** One interval of a scope's series; null where nothing was sampled. */
export interface CapacityPoint {
  at: number;
  demand: number | null;
  busy: number | null;
  queued: number | null;
  supply: number | null;
  live_nodes: number | null;
  arrivals: number;
  work: number;
}

/** The readings of one bucket: means over its samplings, work in slots. */
export function bucketPoint(
  bucket: CapacityBucket | undefined,
  at: number,
  intervalS: number,
): CapacityPoint {
  if (bucket === undefined)
    return {
      at,
      demand: null,
      busy: null,
      queued: null,
      supply: null,
      live_nodes: null,
      arrivals: 0,
      work: 0,
    };
  const work = bucket.work_slot_s / intervalS;
  const sampled = bucket.samples > 0;
  const mean = (sum: number) => (sampled ? sum / bucket.samples : null);
  const busy = mean(bucket.busy_sum);
  return {
    at,
    // Without a sampling only what arrived is known; without either, nothing is.
    demand: sampled ? Math.max(work, busy ?? 0) : bucket.arrivals > 0 ? work : null,
    busy,
    queued: mean(bucket.queued_sum),
    supply: mean(bucket.supply_sum),
    live_nodes: mean(bucket.live_nodes_sum),
    arrivals: bucket.arrivals,
    work,
  };
}

/**
 * One point per interval from `from` up to `to` (both bucket starts, `to` excluded), in
 * order, with a missing bucket as a point of nulls: the evenly spaced series a forecast needs.
 */
export function capacityPoints(
  buckets: readonly CapacityBucket[],
  { from, to, intervalS }: { from: number; to: number; intervalS: number },
): CapacityPoint[] {
  const step = intervalS * 1000;
  const byStart = new Map(buckets.map((b) => [b.bucket_start, b]));
  const points: CapacityPoint[] = [];
  for (let at = from; at < to; at += step) points.push(bucketPoint(byStart.get(at), at, intervalS));
  return points;
}

/** The start of the interval that holds `at`. */
export function bucketStartOf(at: number, intervalS: number): number {
  const step = intervalS * 1000;
  return Math.floor(at / step) * step;
}

/** Per topic and bucket, what the job records say: arrivals and the attempts that ended. */
export interface TopicWork {
  topic: string;
  bucket_start: number;
  arrivals: number;
  attempts: number;
  attempt_ms: number;
}

/**
 * Each topic's work arriving per bucket, and the fleet's as their sum. A bucket whose topic
 * ended no attempt borrows the topic's mean over all the given buckets; a topic that never
 * ended one counts no work (its demand is then what is busy).
 */
export function arrivalsByScope(
  rows: readonly TopicWork[],
): Array<{ scope: string; bucket_start: number; arrivals: number; work_slot_s: number }> {
  const meanOfTopic = new Map<string, { attempts: number; ms: number }>();
  for (const r of rows) {
    const m = meanOfTopic.get(r.topic) ?? { attempts: 0, ms: 0 };
    m.attempts += r.attempts;
    m.ms += r.attempt_ms;
    meanOfTopic.set(r.topic, m);
  }
  const out: Array<{ scope: string; bucket_start: number; arrivals: number; work_slot_s: number }> = [];
  const fleet = new Map<number, { arrivals: number; work_slot_s: number }>();
  for (const r of rows) {
    const whole = meanOfTopic.get(r.topic);
    const meanMs =
      r.attempts > 0
        ? r.attempt_ms / r.attempts
        : whole !== undefined && whole.attempts > 0
          ? whole.ms / whole.attempts
          : 0;
    const work = (r.arrivals * meanMs) / 1000;
    out.push({
      scope: topicScope(r.topic),
      bucket_start: r.bucket_start,
      arrivals: r.arrivals,
      work_slot_s: work,
    });
    const f = fleet.get(r.bucket_start) ?? { arrivals: 0, work_slot_s: 0 };
    f.arrivals += r.arrivals;
    f.work_slot_s += work;
    fleet.set(r.bucket_start, f);
  }
  for (const [bucket_start, f] of fleet) out.push({ scope: FLEET_SCOPE, bucket_start, ...f });
  return out;
}
