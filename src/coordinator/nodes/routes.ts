import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import { nodeLifecycle } from '../../core/work/lifecycle.ts';
import { qualityOf } from '../../store/repositories/node-quality.ts';
import {
  deregisterNode,
  getNode,
  listNodes,
  type NodeRow,
  type NodeWithStatus,
  patchNode,
  registerNode,
} from '../../store/repositories/nodes.ts';
import { statesOfNode } from '../../store/repositories/worker-states.ts';
import { workersOfNode } from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { Iso, Limit, NodeId, NullableString, problemResponses, StringEnum } from '../http/schemas.ts';
import { qualityView } from '../workers/quality.ts';
import { stateHistoryRoute } from '../workers/read-routes.ts';
import { WorkerStateName, WorkerView, workerView } from '../workers/views.ts';

const Topics = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 64, uniqueItems: true });
const MaxParallel = Type.Integer({ minimum: 1, maximum: 100_000, description: 'Parallel job slots' });
const Endpoint = NullableString(2048);

const Registration = Type.Object(
  {
    node_id: NodeId,
    public_key: Type.Optional(NullableString(512)),
    endpoint: Type.Optional(Endpoint),
    agent_url: Type.Optional(Endpoint),
    operator: Type.Optional(NullableString(128)),
    topics: Type.Optional(Topics),
    max_parallel: MaxParallel,
  },
  { additionalProperties: false },
);

const Patch = Type.Object(
  {
    endpoint: Type.Optional(Endpoint),
    agent_url: Type.Optional(Endpoint),
    operator: Type.Optional(NullableString(128)),
    topics: Type.Optional(Topics),
    max_parallel: Type.Optional(MaxParallel),
  },
  { additionalProperties: false, minProperties: 1 },
);

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

function checkUrl(field: 'endpoint' | 'agent_url', value: string | null | undefined): void {
  if (value == null) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`${field} "${value}" is not a URL; give an http(s) URL such as http://10.0.0.5:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`${field} must be an http or https URL, not ${url.protocol}`);
  }
}

function checkUrls(body: { endpoint?: string | null; agent_url?: string | null }): void {
  checkUrl('endpoint', body.endpoint);
  checkUrl('agent_url', body.agent_url);
}

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

export interface NodeRouteDeps {
  store: Store;
  /** A node is live when its last heartbeat is this recent (`sla.liveness_timeout_s`). */
  livenessTimeoutS: number;
  now: () => number;
}

export function nodeRoutes(app: FastifyInstance, { store, livenessTimeoutS, now }: NodeRouteDeps): void {
  const liveSince = () => now() - livenessTimeoutS * 1000;

  /** Every answer about one node is the full view, so a write's answer equals the next read. */
  async function nodeDetail(node: NodeRow & Partial<NodeWithStatus>) {
    const [workers, quality] = await Promise.all([
      workersOfNode(store.db, node.node_id),
      qualityOf(store.db, node.node_id),
    ]);
    const lifecycle = nodeLifecycle(
      node.registered_at,
      workers.map((w) => ({ ...w, enabled: w.enabled !== 0 })),
    );
    return {
      ...nodeView(node, liveSince()),
      lifecycle: { state: lifecycle.state, reason: lifecycle.reason, since_ms: lifecycle.since },
      workers: workers.map(workerView),
      quality: qualityView(quality),
    };
  }

  app.post(
    '/nodes',
    {
      config: { access: ['operator', 'node'] },
      schema: {
        tags: ['nodes'],
        summary: 'Register a node (idempotent for the same registration)',
        body: Registration,
        response: {
          200: NodeDetailView,
          201: NodeDetailView,
          409: problemResponses[404],
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof Registration>;
      checkUrls(body);
      const at = now();
      const result = await store.transaction((trx) =>
        registerNode(
          trx,
          {
            node_id: body.node_id,
            public_key: body.public_key ?? null,
            endpoint: body.endpoint ?? null,
            agent_url: body.agent_url ?? null,
            operator: body.operator ?? null,
            topics: body.topics ?? [],
            max_parallel: body.max_parallel,
          },
          at,
        ),
      );
      if (result.outcome === 'conflict') {
        throw conflict(
          `node ${body.node_id} is already registered with a different ${result.differences.join(', ')}; change it with PATCH /nodes/${body.node_id}`,
          { differences: result.differences },
        );
      }
      const node = await getNode(store.db, body.node_id);
      reply.status(result.outcome === 'created' ? 201 : 200);
      if (result.outcome === 'created')
        reply.header('location', `/nodes/${encodeURIComponent(body.node_id)}`);
      return nodeDetail(node ?? result.node);
    },
  );

  const ListQuery = Type.Object(
    {
      state: Type.Optional(StringEnum(['active', 'deleted', 'all'])),
      operator: Type.Optional(Type.String({ maxLength: 128 })),
      topic: Type.Optional(Type.String({ maxLength: 128 })),
      live: Type.Optional(Type.Boolean()),
      limit: Type.Optional(Limit(1000, 100)),
      cursor: Type.Optional(NodeId),
    },
    { additionalProperties: false },
  );
  app.get(
    '/nodes',
    {
      config: { access: 'read' },
      schema: {
        tags: ['nodes'],
        summary: 'List nodes, filtered and paginated by node id',
        querystring: ListQuery,
        response: {
          200: Type.Object({
            nodes: Type.Array(NodeView),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof ListQuery>;
      const limit = q.limit ?? 100;
      const since = liveSince();
      const rows = await listNodes(store.db, {
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.operator === undefined ? {} : { operator: q.operator }),
        ...(q.topic === undefined ? {} : { topic: q.topic }),
        ...(q.live === undefined ? {} : { live: q.live, liveSince: since }),
        ...(q.cursor === undefined ? {} : { after: q.cursor }),
        limit,
      });
      const nodes = rows.map((r) => nodeView(r, since));
      return { nodes, next_cursor: rows.length === limit ? (rows.at(-1)?.node_id ?? null) : null };
    },
  );

  const Params = Type.Object({ node_id: NodeId });
  app.get(
    '/nodes/:node_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['nodes'],
        summary: 'One node with its latest status, its workers, lifecycle and verification quality',
        params: Params,
        response: { 200: NodeDetailView },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const node = await getNode(store.db, node_id);
      if (node === undefined) throw notFound(`node ${node_id} is not registered`);
      return nodeDetail(node);
    },
  );

  stateHistoryRoute(app, {
    url: '/nodes/:node_id/states',
    tag: 'nodes',
    summary: 'The state transitions of the node’s workers, newest first',
    param: 'node_id',
    idPattern: NodeId,
    async check(nodeId) {
      if ((await getNode(store.db, nodeId)) === undefined) throw notFound(`node ${nodeId} is not registered`);
    },
    read: (nodeId, query) => statesOfNode(store.db, nodeId, query),
  });

  app.patch(
    '/nodes/:node_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['nodes'],
        summary: 'Change a node’s endpoint, agent URL, operator, topics or capacity',
        params: Params,
        body: Patch,
        response: { 200: NodeDetailView },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const body = request.body as Static<typeof Patch>;
      checkUrls(body);
      const changed = await store.transaction((trx) => patchNode(trx, node_id, body, now()));
      if (!changed) throw notFound(`node ${node_id} is not registered (or was deregistered)`);
      const node = await getNode(store.db, node_id);
      return nodeDetail(node!);
    },
  );

  app.delete(
    '/nodes/:node_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['nodes'],
        summary: 'Deregister a node; its history is kept',
        params: Params,
        response: { 200: NodeDetailView },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const removed = await store.transaction((trx) => deregisterNode(trx, node_id, now()));
      if (!removed) throw notFound(`node ${node_id} is not registered (or was already deregistered)`);
      const node = await getNode(store.db, node_id);
      return nodeDetail(node!);
    },
  );
}
