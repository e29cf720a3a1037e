import type { TopicDefinition } from '../../core/work/topic.ts';
import type { Db } from '../capabilities.ts';
import type { TopicsTable } from '../schema-work.ts';

/** A stored topic: its whole definition, where it came from and when. */
export interface TopicRecord {
  definition: TopicDefinition;
  source: TopicsTable['source'];
  created_at: number;
  updated_at: number;
}

function toRecord(row: TopicsTable): TopicRecord {
  return {
    definition: JSON.parse(row.definition) as TopicDefinition,
    source: row.source,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function getTopic(db: Db, name: string): Promise<TopicRecord | undefined> {
  const row = await db.selectFrom('topics').selectAll().where('name', '=', name).executeTakeFirst();
  return row === undefined ? undefined : toRecord(row);
}

/** The named topics that exist, by name in the store's name order (several lookups in one query). */
export async function getTopics(db: Db, names: Iterable<string>): Promise<Map<string, TopicRecord>> {
  const found = new Map<string, TopicRecord>();
  const unique = [...new Set(names)];
  if (unique.length === 0) return found;
  const rows = await db
    .selectFrom('topics')
    .selectAll()
    .where('name', 'in', unique)
    .orderBy('name')
    .execute();
  for (const row of rows) found.set(row.name, toRecord(row));
  return found;
}

/** Every topic, by name. */
export async function listTopics(db: Db): Promise<TopicRecord[]> {
  const rows = await db.selectFrom('topics').selectAll().orderBy('name').execute();
  return rows.map(toRecord);
}

/**
 * Makes the stored topics agree with the configuration, at every coordinator start: each
 * declared topic is inserted or replaced (`source: config`, creation time kept). A topic the
 * configuration declared before but no longer does becomes an API topic, so operators can
 * change or keep it through the API; it is never deleted, since jobs name it.
 */
export async function upsertConfigTopics(
  db: Db,
  topics: readonly TopicDefinition[],
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const topic of topics) {
      await trx
        .insertInto('topics')
        .values({
          name: topic.name,
          definition: JSON.stringify(topic),
          source: 'config',
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('name').doUpdateSet((eb) => ({
            definition: eb.ref('excluded.definition'),
            source: 'config',
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
    let released = trx
      .updateTable('topics')
      .set({ source: 'api', updated_at: now })
      .where('source', '=', 'config');
    if (topics.length > 0) {
      released = released.where(
        'name',
        'not in',
        topics.map((t) => t.name),
      );
    }
    await released.execute();
  });
}

export type SaveApiTopicResult =
  | { outcome: 'created' | 'updated'; topic: TopicRecord }
  | { outcome: 'from-config'; topic: TopicRecord };

/**
 * Creates or replaces a topic from the API. A topic the configuration declares is refused:
 * the next start would put the configured definition back, so the change belongs there.
 */
export async function saveApiTopic(db: Db, topic: TopicDefinition, now: number): Promise<SaveApiTopicResult> {
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('topics')
      .values({
        name: topic.name,
        definition: JSON.stringify(topic),
        source: 'api',
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) {
      return {
        outcome: 'created' as const,
        topic: { definition: topic, source: 'api' as const, created_at: now, updated_at: now },
      };
    }
    const updated = await trx
      .updateTable('topics')
      .set({ definition: JSON.stringify(topic), updated_at: now })
      .where('name', '=', topic.name)
      .where('source', '=', 'api')
      .returningAll()
      .executeTakeFirst();
    if (updated !== undefined) return { outcome: 'updated' as const, topic: toRecord(updated) };
    const existing = await trx
      .selectFrom('topics')
      .selectAll()
      .where('name', '=', topic.name)
      .executeTakeFirstOrThrow();
    return { outcome: 'from-config' as const, topic: toRecord(existing) };
  });
}
