import type { JobQueue } from '../../queue/queue.ts';
import type { Db } from '../../store/capabilities.ts';
import { readTopicRates } from '../../store/repositories/topic-throughput.ts';
import { type Reading, SourceError } from './source.ts';

/** The readings a topic gives its pool's policies, by name. */
export type TopicReadingName =
  | 'topic.backlog'
  | 'topic.ready'
  | 'topic.leased'
  | 'topic.oldest_age_s'
  | 'topic.arrival_per_s'
  | 'topic.per_replica_per_s';

export interface TopicSource {
  readonly kind: 'topic';
  readonly topic: string;
  /**
   * The topic's queue now and its rates over the last window. `topic.per_replica_per_s` is
   * absent while no attempt ended in the window: an unmeasured throughput is no reading.
   */
  read(): Promise<Partial<Record<TopicReadingName, Reading>>>;
}

export interface TopicSourceOptions {
  topic: string;
  /** Jobs one replica runs at once (its workers' concurrency for the topic). */
  concurrency: number;
  /** The window the rates are measured over, in seconds. */
  rateWindowS?: number;
}

/**
 * Vigil's own topic as a source: backlog (ready and leased jobs), the oldest ready job's age,
 * the arrival rate, and the throughput of one replica measured from the attempts that ended:
 * `concurrency` jobs at a time, each taking the mean attempt's duration.
 */
export function topicSource(
  { topic, concurrency, rateWindowS = 60 }: TopicSourceOptions,
  deps: { db: Db; queue: JobQueue; now: () => number },
): TopicSource {
  return {
    kind: 'topic',
    topic,
    async read() {
      const now = deps.now();
      try {
        const stats = (await deps.queue.stats(now)).find((s) => s.topic === topic);
        const rates = await readTopicRates(deps.db, topic, now - rateWindowS * 1000, now);
        const at = (value: number): Reading => ({ value, at: now });
        const ready = stats?.ready ?? 0;
        const leased = stats?.leased ?? 0;
        return {
          'topic.backlog': at(ready + leased),
          'topic.ready': at(ready),
          'topic.leased': at(leased),
          'topic.oldest_age_s': at((stats?.oldestReadyAgeMs ?? 0) / 1000),
          'topic.arrival_per_s': at(rates.arrivals / rateWindowS),
          ...(rates.mean_duration_ms === null || rates.mean_duration_ms <= 0
            ? {}
            : { 'topic.per_replica_per_s': at((concurrency * 1000) / rates.mean_duration_ms) }),
        };
      } catch (error) {
        throw new SourceError('topic', `cannot read topic ${topic}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}
