import type { Db } from '../capabilities.ts';

/** What a topic's recent work says about its rates: jobs arriving, and time spent per attempt. */
export interface TopicRates {
  /** Jobs submitted to the topic in the window. */
  arrivals: number;
  /** Attempts that ended in the window (success or failure: both took a worker's time). */
  attempts: number;
  /** Their mean duration, in ms; null without attempts. */
  mean_duration_ms: number | null;
}

/**
 * A topic's arrivals and attempt durations in [from, to): jobs by `created_at`
 * (ix_jobs_created), attempts by `finished_at` (ix_job_outcomes_finished), so a window of the
 * last minute is an index range scan however long the history.
 */
export async function readTopicRates(db: Db, topic: string, from: number, to: number): Promise<TopicRates> {
  const arrived = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .where('topic', '=', topic)
    .executeTakeFirst();
  const ended = await db
    .selectFrom('job_outcomes')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.avg<number | string | null>('duration_ms').as('mean'),
    ])
    .where('finished_at', '>=', from)
    .where('finished_at', '<', to)
    .where('topic', '=', topic)
    .executeTakeFirst();
  const attempts = Number(ended?.n ?? 0);
  return {
    arrivals: Number(arrived?.n ?? 0),
    attempts,
    mean_duration_ms: attempts === 0 || ended?.mean == null ? null : Number(ended.mean),
  };
}
