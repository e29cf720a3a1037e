import { sql } from 'kysely';
import { chunkKeys } from '../../store/batching.ts';
import type { Db } from '../../store/capabilities.ts';
import type { DeadLetter, TopicQueueStats } from '../queue.ts';

/** Which of these ids the table holds, in any state. */
export async function heldIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const held = new Set<string>();
  for (const chunk of chunkKeys([...new Set(ids)])) {
    const rows = await db.selectFrom('queue_items').select('id').where('id', 'in', chunk).execute();
    for (const row of rows) held.add(row.id);
  }
  return held;
}

/**
 * One grouped pass over the table (or the claim index, which holds every column it reads).
 * It runs per metrics scrape and topic view, not per claim, so the pass is affordable.
 */
export async function topicStats(db: Db, now: number): Promise<TopicQueueStats[]> {
  const readyNow = sql`state = 'ready' and available_at <= ${now}`;
  const rows = await db
    .selectFrom('queue_items')
    .select([
      'topic',
      sql<number | string>`sum(case when state = 'ready' then 1 else 0 end)`.as('ready'),
      sql<number | string>`sum(case when ${readyNow} then 1 else 0 end)`.as('ready_now'),
      sql<number | string>`sum(case when state = 'leased' then 1 else 0 end)`.as('leased'),
      sql<number | string>`sum(case when state = 'dead' then 1 else 0 end)`.as('dead'),
      sql<number | string | null>`min(case when ${readyNow} then available_at end)`.as('oldest_ready_at'),
    ])
    .groupBy('topic')
    .orderBy('topic')
    .execute();
  return rows.map((row) => ({
    topic: row.topic,
    ready: Number(row.ready),
    readyNow: Number(row.ready_now),
    leased: Number(row.leased),
    dead: Number(row.dead),
    oldestReadyAgeMs: row.oldest_ready_at === null ? 0 : now - Number(row.oldest_ready_at),
  }));
}

/** A topic's dead letters, the most recently dead first. */
export async function deadLettersOf(db: Db, topic: string, limit: number): Promise<DeadLetter[]> {
  if (limit < 1) return [];
  const rows = await db
    .selectFrom('queue_items')
    .select(['id', 'topic', 'attempts', 'dead_at'])
    .where('topic', '=', topic)
    .where('state', '=', 'dead')
    .orderBy('dead_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    topic: row.topic,
    attempts: row.attempts,
    deadAt: Number(row.dead_at),
  }));
}
