import { arrivalsByScope, bucketStartOf, FLEET_SCOPE, topicScope } from '../../core/capacity/series.ts';
import { computeCapacity } from '../../core/sla/capacity.ts';
import type { JobQueue } from '../../queue/queue.ts';
import {
  addCapacitySamples,
  type CapacityReadingOfScope,
  latestCapacitySampleAt,
  readTopicSupply,
  readTopicWork,
  setCapacityArrivals,
} from '../../store/repositories/capacity-series.ts';
import { readFleet } from '../../store/repositories/sla-inputs.ts';
import { listTopics } from '../../store/repositories/topics.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';

export interface CapacitySamplingDeps {
  store: Store;
  queue: Pick<JobQueue, 'stats'>;
  now: () => number;
  intervalS: number;
  sampleIntervalS: number;
  /** A node without a heartbeat for this long is not live, as the SLA collection counts it. */
  livenessTimeoutS: number;
}

/**
 * One capacity sampling (decision 0086): the fleet's and every topic's supply, busy slots and
 * queue now, added to the current interval's buckets; then the arrivals of the current and the
 * previous interval recounted from the job records (they are final once an interval has
 * ended). Several coordinators on one database take turns: a sampling within half a sampling
 * interval of the last one is skipped. Returns how many scopes were sampled.
 */
export async function sampleCapacity(deps: CapacitySamplingDeps): Promise<number> {
  const { store, queue, now, intervalS, sampleIntervalS, livenessTimeoutS } = deps;
  const at = now();
  const liveSince = at - livenessTimeoutS * 1000;
  const [fleet, topics, stats, supply] = await Promise.all([
    readFleet(store.db),
    listTopics(store.db),
    queue.stats(at),
    readTopicSupply(store.db, liveSince),
  ]);
  const capacity = computeCapacity(fleet, liveSince);
  const statsOf = new Map(stats.map((s) => [s.topic, s]));
  const supplyOf = new Map(supply.map((s) => [s.topic, s]));
  const readings: CapacityReadingOfScope[] = topics.map(({ definition: { name } }) => ({
    scope: topicScope(name),
    busy: statsOf.get(name)?.leased ?? 0,
    queued: statsOf.get(name)?.ready ?? 0,
    supply: supplyOf.get(name)?.slots ?? 0,
    live_nodes: supplyOf.get(name)?.nodes ?? 0,
  }));
  readings.push({
    scope: FLEET_SCOPE,
    busy: capacity.busy_slots,
    // The coordinator's queue and what the nodes report queued locally.
    queued: stats.reduce((sum, s) => sum + s.ready, 0) + capacity.total_queue_length,
    supply: capacity.live_parallel_capacity,
    live_nodes: capacity.live_nodes,
  });
  const recountFrom = bucketStartOf(at, intervalS) - intervalS * 1000;
  return store.exclusive('capacity-series', async (trx) => {
    const latest = await latestCapacitySampleAt(trx, intervalS);
    if (latest !== null && at - latest < (sampleIntervalS * 1000) / 2) return 0;
    await addCapacitySamples(trx, intervalS, at, readings);
    const work = await readTopicWork(trx, intervalS, recountFrom, at + 1);
    await setCapacityArrivals(trx, intervalS, arrivalsByScope(work));
    return readings.length;
  });
}

/** Capacity samplings every `sampleIntervalS`. */
export function capacitySampling(deps: CapacitySamplingDeps): Schedule {
  return {
    name: 'capacity samples',
    intervalMs: deps.sampleIntervalS * 1000,
    task: () => sampleCapacity(deps),
  };
}
