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

/**
 * A registration as sent. A field left out (undefined) is "not given": a new node gets null
 * (no topics), and a repeated registration neither compares nor changes it (decision 0008).
 */
export interface NodeRegistration {
  node_id: string;
  public_key?: string | null;
  endpoint?: string | null;
  /** Where the node's agent serves GET /status. */
  agent_url?: string | null;
  operator?: string | null;
  topics?: string[];
  max_parallel: number;
}

export type RegisterResult =
  | { outcome: 'created' | 'unchanged' | 'filled-in' | 'reactivated'; node: NodeRow }
  | { outcome: 'conflict'; node: NodeRow; differences: string[] };

/** Fields a registration may leave out, and that a later one may fill in while still null. */
const FILLABLE = ['public_key', 'endpoint', 'agent_url', 'operator'] as const;

/** The registration's given fields as stored columns. */
function givenValues(reg: NodeRegistration): Partial<Omit<NodeRow, 'state'>> {
  const out: Partial<Omit<NodeRow, 'state'>> = { node_id: reg.node_id, max_parallel: reg.max_parallel };
  for (const key of FILLABLE) if (reg[key] !== undefined) out[key] = reg[key];
  if (reg.topics !== undefined) out.topics = JSON.stringify(reg.topics);
  return out;
}

/**
 * Compares a repeated registration with the stored node: fields it leaves out are not
 * compared; a given field that the node never had (null) is filled in; any other difference
 * is a conflict.
 */
function compare(existing: NodeRow, reg: NodeRegistration): { differences: string[]; fill: Partial<NodeRow> } {
  const differences: string[] = [];
  const fill: Partial<NodeRow> = {};
  for (const key of FILLABLE) {
    const wanted = reg[key];
    if (wanted === undefined || wanted === existing[key]) continue;
    if (existing[key] === null) fill[key] = wanted;
    else differences.push(key);
  }
  if (reg.topics !== undefined && JSON.stringify(JSON.parse(existing.topics)) !== JSON.stringify(reg.topics)) {
    differences.push('topics');
  }
  if (reg.max_parallel !== existing.max_parallel) differences.push('max_parallel');
  return { differences, fill };
}

/**
 * Registers a node. The same registration again changes nothing; a different one for an
 * active node is a conflict (changes go through PATCH, so a typo cannot silently take over
 * another operator's node), except that fields left out are not compared and a field the node
 * never had is filled in (an agent and a worker of one node register with what each knows).
 * A deregistered node that registers again comes back, its history intact.
 */
export async function registerNode(trx: Tx, reg: NodeRegistration, now: number): Promise<RegisterResult> {
  const given = givenValues(reg);
  const fresh: NodeRow = {
    public_key: null,
    endpoint: null,
    agent_url: null,
    operator: null,
    topics: '[]',
    ...given,
    node_id: reg.node_id,
    max_parallel: reg.max_parallel,
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
    await replaceTopics(trx, reg.node_id, reg.topics ?? []);
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
    // Back with what it gives now; what it leaves out stays as it was.
    const node: NodeRow = { ...existing, ...given, state: 'active', updated_at: now, deleted_at: null };
    await trx.updateTable('nodes').set(node).where('node_id', '=', reg.node_id).execute();
    if (reg.topics !== undefined) await replaceTopics(trx, reg.node_id, reg.topics);
    return { outcome: 'reactivated', node };
  }
  const { differences, fill } = compare(existing, reg);
  if (differences.length > 0) return { outcome: 'conflict', node: existing, differences };
  if (Object.keys(fill).length === 0) return { outcome: 'unchanged', node: existing };
  const node: NodeRow = { ...existing, ...fill, updated_at: now };
  await trx
    .updateTable('nodes')
    .set({ ...fill, updated_at: now })
    .where('node_id', '=', reg.node_id)
    .execute();
  return { outcome: 'filled-in', node };
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
