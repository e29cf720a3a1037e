import type { Selectable } from 'kysely';
import type { Db, Tx } from '../capabilities.ts';
import type { NodeState, NodesTable } from '../schema.ts';
import { EMPTY_SAMPLES } from './response-samples.ts';

export type NodeRow = Selectable<NodesTable>;
export type NodeWithStatus = NodeRow & {
  first_heartbeat_at: number | null;
  last_heartbeat_at: number | null;
  busy_slots: number | null;
  queue_length: number | null;
  version: string | null;
};

export interface NodeRegistration {
  node_id: string;
  public_key: string | null;
  endpoint: string | null;
  /** Where the node's agent serves GET /status; absent means none. */
  agent_url?: string | null;
  operator: string | null;
  topics: string[];
  max_parallel: number;
}

export type RegisterResult =
  | { outcome: 'created' | 'unchanged' | 'reactivated'; node: NodeRow }
  | { outcome: 'conflict'; node: NodeRow; differences: string[] };

const COMPARED: (keyof NodeRegistration)[] = [
  'public_key',
  'endpoint',
  'agent_url',
  'operator',
  'topics',
  'max_parallel',
];

function differences(existing: NodeRow, wanted: NodeRegistration): string[] {
  const current: Record<string, unknown> = { ...existing, topics: JSON.parse(existing.topics) as string[] };
  return COMPARED.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(wanted[k]));
}

/**
 * Registers a node. The same registration again changes nothing; a different one for an
 * active node is a conflict (changes go through PATCH, so a typo cannot silently take over
 * another operator's node). A deregistered node that registers again comes back, its
 * history intact.
 */
export async function registerNode(trx: Tx, reg: NodeRegistration, now: number): Promise<RegisterResult> {
  const values = { ...reg, agent_url: reg.agent_url ?? null, topics: JSON.stringify(reg.topics) };
  const fresh: NodeRow = {
    ...values,
    state: 'active',
    registered_at: now,
    updated_at: now,
    deleted_at: null,
  };
  // Insert first: of concurrent registrations of a new node exactly one inserts, and the
  // others (PostgreSQL makes them wait for it) fall through to the comparison below.
  const inserted = await trx
    .insertInto('nodes')
    .values(fresh)
    .onConflict((oc) => oc.column('node_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
    await replaceTopics(trx, reg.node_id, reg.topics);
    await trx
      .insertInto('node_response_samples')
      .values({ node_id: reg.node_id, samples: EMPTY_SAMPLES, updated_at: now })
      .onConflict((oc) => oc.column('node_id').doNothing())
      .execute();
    return { outcome: 'created', node: fresh };
  }
  const existing = await trx
    .selectFrom('nodes')
    .selectAll()
    .where('node_id', '=', reg.node_id)
    .executeTakeFirstOrThrow();
  if (existing.state === 'deleted') {
    const node: NodeRow = { ...existing, ...values, state: 'active', updated_at: now, deleted_at: null };
    await trx.updateTable('nodes').set(node).where('node_id', '=', reg.node_id).execute();
    await replaceTopics(trx, reg.node_id, reg.topics);
    return { outcome: 'reactivated', node };
  }
  const diff = differences(existing, { ...reg, agent_url: reg.agent_url ?? null });
  return diff.length === 0
    ? { outcome: 'unchanged', node: existing }
    : { outcome: 'conflict', node: existing, differences: diff };
}

async function replaceTopics(trx: Tx, nodeId: string, topics: readonly string[]): Promise<void> {
  await trx.deleteFrom('node_topics').where('node_id', '=', nodeId).execute();
  if (topics.length === 0) return;
  await trx
    .insertInto('node_topics')
    .values([...new Set(topics)].map((topic) => ({ node_id: nodeId, topic })))
    .execute();
}

export interface NodeQuery {
  state?: NodeState | 'all';
  operator?: string;
  topic?: string;
  /** With `live`: nodes are live when their last heartbeat is at or after this time. */
  liveSince?: number;
  /** Only live (true) or only not-live (false) nodes; needs `liveSince`. */
  live?: boolean;
  /** Keyset pagination: node ids strictly after this one. */
  after?: string;
  limit: number;
}

function withStatus(db: Db | Tx) {
  return db
    .selectFrom('nodes')
    .leftJoin('node_status', 'node_status.node_id', 'nodes.node_id')
    .selectAll('nodes')
    .select([
      'node_status.first_heartbeat_at',
      'node_status.last_heartbeat_at',
      'node_status.busy_slots',
      'node_status.queue_length',
      'node_status.version',
    ]);
}

export async function listNodes(db: Db, q: NodeQuery): Promise<NodeWithStatus[]> {
  let query = withStatus(db).orderBy('nodes.node_id').limit(q.limit);
  const state = q.state ?? 'active';
  if (state !== 'all') query = query.where('nodes.state', '=', state);
  if (q.operator !== undefined) query = query.where('nodes.operator', '=', q.operator);
  if (q.topic !== undefined) {
    const topic = q.topic;
    query = query.where('nodes.node_id', 'in', (eb) =>
      eb.selectFrom('node_topics').select('node_topics.node_id').where('node_topics.topic', '=', topic),
    );
  }
  if (q.live !== undefined && q.liveSince !== undefined) {
    const since = q.liveSince;
    query = q.live
      ? query.where('node_status.last_heartbeat_at', '>=', since)
      : query.where((eb) =>
          eb.or([
            eb('node_status.last_heartbeat_at', 'is', null),
            eb('node_status.last_heartbeat_at', '<', since),
          ]),
        );
  }
  if (q.after !== undefined) query = query.where('nodes.node_id', '>', q.after);
  return query.execute();
}

export async function getNode(db: Db | Tx, nodeId: string): Promise<NodeWithStatus | undefined> {
  return withStatus(db).where('nodes.node_id', '=', nodeId).executeTakeFirst();
}

export type NodePatch = Partial<
  Pick<NodeRegistration, 'endpoint' | 'agent_url' | 'operator' | 'topics' | 'max_parallel'>
>;

/** Applies a patch to an active node; returns false when there is no such active node. */
export async function patchNode(trx: Tx, nodeId: string, patch: NodePatch, now: number): Promise<boolean> {
  const { topics, ...rest } = patch;
  const result = await trx
    .updateTable('nodes')
    .set({ ...rest, ...(topics === undefined ? {} : { topics: JSON.stringify(topics) }), updated_at: now })
    .where('node_id', '=', nodeId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  const changed = Number(result.numUpdatedRows) > 0;
  if (changed && topics !== undefined) await replaceTopics(trx, nodeId, topics);
  return changed;
}

/** Deregisters a node: it stops being evaluated and counted, its history stays. */
export async function deregisterNode(trx: Tx, nodeId: string, now: number): Promise<boolean> {
  const result = await trx
    .updateTable('nodes')
    .set({ state: 'deleted', deleted_at: now, updated_at: now })
    .where('node_id', '=', nodeId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Of the given ids, those that are registered and active. */
export async function activeNodeIds(db: Db | Tx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('nodes')
    .select('node_id')
    .where('state', '=', 'active')
    .where('node_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => r.node_id));
}

/** The public key of an active node, as registered (null without one or for an unknown node). */
export async function activePublicKey(db: Db | Tx, nodeId: string): Promise<string | null> {
  const row = await db
    .selectFrom('nodes')
    .select('public_key')
    .where('node_id', '=', nodeId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return row?.public_key ?? null;
}

/** The operator of each of these nodes that is registered (active or not); null for none named. */
export async function operatorsOf(db: Db | Tx, ids: readonly string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('nodes')
    .select(['node_id', 'operator'])
    .where('node_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.node_id, r.operator]));
}
