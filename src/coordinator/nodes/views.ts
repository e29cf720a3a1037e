import { Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import { nodeLifecycle } from '../../core/work/lifecycle.ts';
import type { Db } from '../../store/capabilities.ts';
import { qualityOf } from '../../store/repositories/node-quality.ts';
import type { NodeRow, NodeWithStatus } from '../../store/repositories/nodes.ts';
import { workersOfNode } from '../../store/repositories/workers.ts';
import { Iso } from '../http/schemas.ts';
import { qualityView } from '../workers/quality.ts';
import { WorkerStateName, WorkerView, workerView } from '../workers/views.ts';

export const NodeView = Type.Object({
  node_id: Type.String(),
  public_key: Type.Union([Type.String(), Type.Null()]),
  endpoint: Type.Union([Type.String(), Type.Null()]),
  agent_url: Type.Union([Type.String(), Type.Null()]),
  operator: Type.Union([Type.String(), Type.Null()]),
  topics: Type.Array(Type.String()),
  max_parallel: Type.Integer(),
  state: Type.String(),
  registered_at: Type.String(),
  updated_at: Type.String(),
  deleted_at: Iso,
  status: Type.Object({
    live: Type.Boolean(),
    last_heartbeat_at: Iso,
    busy_slots: Type.Union([Type.Integer(), Type.Null()]),
    queue_length: Type.Union([Type.Integer(), Type.Null()]),
    version: Type.Union([Type.String(), Type.Null()]),
  }),
});

/** One node in full: its registration and status, plus its workers, lifecycle and verification quality. */
export const NodeDetailView = Type.Object({
  ...NodeView.properties,
  lifecycle: Type.Object({
    state: WorkerStateName,
    reason: Type.Union([Type.String(), Type.Null()]),
    since_ms: Type.Integer(),
  }),
  workers: Type.Array(WorkerView),
  quality: Type.Object({
    verified: Type.Integer(),
    failed: Type.Integer(),
    score: Type.Union([Type.Number(), Type.Null()], {
      description: '(verified − failed + 1) / (verified + 2); null before any verdict',
    }),
  }),
});

export function nodeView(n: NodeRow & Partial<NodeWithStatus>, liveSince: number) {
  const last = n.last_heartbeat_at ?? null;
  return {
    node_id: n.node_id,
    public_key: n.public_key,
    endpoint: n.endpoint,
    agent_url: n.agent_url,
    operator: n.operator,
    topics: JSON.parse(n.topics) as string[],
    max_parallel: n.max_parallel,
    state: n.state,
    registered_at: toIso(n.registered_at),
    updated_at: toIso(n.updated_at),
    deleted_at: n.deleted_at === null ? null : toIso(n.deleted_at),
    status: {
      live: n.state === 'active' && last !== null && last >= liveSince,
      last_heartbeat_at: last === null ? null : toIso(last),
      busy_slots: n.busy_slots ?? null,
      queue_length: n.queue_length ?? null,
      version: n.version ?? null,
    },
  };
}

/** Every answer about one node is the full view, so a write's answer equals the next read. */
export async function nodeDetailView(db: Db, node: NodeRow & Partial<NodeWithStatus>, liveSince: number) {
  const [workers, quality] = await Promise.all([
    workersOfNode(db, node.node_id),
    qualityOf(db, node.node_id),
  ]);
  const lifecycle = nodeLifecycle(
    node.registered_at,
    workers.map((w) => ({ ...w, enabled: w.enabled !== 0 })),
  );
  return {
    ...nodeView(node, liveSince),
    lifecycle: { state: lifecycle.state, reason: lifecycle.reason, since_ms: lifecycle.since },
    workers: workers.map(workerView),
    quality: qualityView(quality),
  };
}
