import type { JobQueue } from '../../queue/queue.ts';
import { insertTopicSamples, latestTopicSampleAt } from '../../store/repositories/topic-samples.ts';
import { listTopics } from '../../store/repositories/topics.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';

export interface TopicSamplingDeps {
  store: Store;
  queue: Pick<JobQueue, 'stats'>;
  now: () => number;
  /** How often to sample: the SLA collection interval, so queue and capacity history line up. */
  intervalMs: number;
}

/**
 * Records every topic's queue as `GET /topics` shows it now (a topic with nothing queued as
 * zeros): the history behind GET /series' topic series (decision 0072). Several coordinators
 * on one database take turns: a sampling within half an interval of the last one is skipped.
 * Returns how many topics were sampled.
 */
export async function sampleTopics({ store, queue, now, intervalMs }: TopicSamplingDeps): Promise<number> {
  const at = now();
  const [topics, stats] = await Promise.all([listTopics(store.db), queue.stats(at)]);
  const byTopic = new Map(stats.map((s) => [s.topic, s]));
  return store.exclusive('topic-samples', async (trx) => {
    const latest = await latestTopicSampleAt(trx);
    if (latest !== null && at - latest < intervalMs / 2) return 0;
    const rows = topics.map(({ definition: { name } }) => {
      const s = byTopic.get(name);
      return {
        topic: name,
        sampled_at: at,
        ready: s?.ready ?? 0,
        ready_now: s?.readyNow ?? 0,
        leased: s?.leased ?? 0,
        dead: s?.dead ?? 0,
        oldest_ready_age_ms: s?.oldestReadyAgeMs ?? 0,
      };
    });
    await insertTopicSamples(trx, rows);
    return rows.length;
  });
}

/** Topic queue samples every interval. */
export function topicSampling(deps: TopicSamplingDeps): Schedule {
  return { name: 'topic samples', intervalMs: deps.intervalMs, task: () => sampleTopics(deps) };
}
