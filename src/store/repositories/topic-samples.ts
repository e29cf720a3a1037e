import type { Insertable } from 'kysely';
import type { Sample } from '../../core/series/downsample.ts';
import type { Db, Tx } from '../capabilities.ts';
import type { TopicSamplesTable } from '../schema-work.ts';

/** A topic sample's figures that a series can be drawn from. */
export type TopicSampleColumn = 'ready' | 'ready_now' | 'leased' | 'dead' | 'oldest_ready_age_ms';

/** When the topics were last sampled (by any coordinator on this database), or null. */
export async function latestTopicSampleAt(db: Db | Tx): Promise<number | null> {
  const row = await db
    .selectFrom('topic_samples')
    .select((eb) => eb.fn.max('sampled_at').as('at'))
    .executeTakeFirst();
  return row?.at == null ? null : Number(row.at);
}

export async function insertTopicSamples(
  trx: Tx,
  rows: readonly Insertable<TopicSamplesTable>[],
): Promise<void> {
  // A handful of topics: one statement stays far below any bind limit.
  if (rows.length > 0)
    await trx
      .insertInto('topic_samples')
      .values([...rows])
      .execute();
}

/** One topic's `column` at each sampling in [from, to] (both included), oldest first. */
export async function readTopicSamples(
  db: Db,
  topic: string,
  column: TopicSampleColumn,
  from: number,
  to: number,
): Promise<Sample[]> {
  const rows = await db
    .selectFrom('topic_samples')
    .select((eb) => ['sampled_at', eb.ref(column).as('value')])
    .where('topic', '=', topic)
    .where('sampled_at', '>=', from)
    .where('sampled_at', '<=', to)
    .orderBy('sampled_at')
    .execute();
  return rows.map((r) => ({ t: Number(r.sampled_at), value: Number(r.value) }));
}
