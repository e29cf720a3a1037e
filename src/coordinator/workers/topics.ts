import type { TopicDefinition } from '../../core/work/topic.ts';
import type { Db, Tx } from '../../store/capabilities.ts';

/** The stored definitions of the named topics that exist, by name. */
export async function topicDefinitions(db: Db | Tx, names: Iterable<string>): Promise<TopicDefinition[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const rows = await db
    .selectFrom('topics')
    .select('definition')
    .where('name', 'in', unique)
    .orderBy('name')
    .execute();
  return rows.map((r) => JSON.parse(r.definition) as TopicDefinition);
}

/** The named topics that do not exist. */
export async function missingTopics(db: Db | Tx, names: Iterable<string>): Promise<string[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const rows = await db.selectFrom('topics').select('name').where('name', 'in', unique).execute();
  const known = new Set(rows.map((r) => r.name));
  return unique.filter((n) => !known.has(n));
}

/** The topics a set of workers runs or verifies. */
export function topicsServed(workers: ReadonlyArray<{ topics: string; verify_topics: string }>): Set<string> {
  const names = new Set<string>();
  for (const w of workers) {
    for (const t of JSON.parse(w.topics) as Array<{ topic: string }>) names.add(t.topic);
    for (const t of JSON.parse(w.verify_topics) as string[]) names.add(t);
  }
  return names;
}
