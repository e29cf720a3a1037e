import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { listNodes } from '../../store/repositories/nodes.ts';
import { statesOfNode } from '../../store/repositories/worker-states.ts';
import type { Store } from '../../store/store.ts';
import { registeringOperator, requireActsFor, requireKeepsOperator } from '../auth/node-scope.ts';
import { Limit, NodeId, NullableString, Problem, problemResponses, StringEnum } from '../http/schemas.ts';
import { stateHistoryRoute } from '../workers/read-routes.ts';
import { changeNode, deregister, register, requireNode } from './registry.ts';
import { nodeSearchRoute } from './search-routes.ts';
import { NodeDetailView, NodeView, nodeDetailView, nodeView } from './views.ts';

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

const Params = Type.Object({ node_id: NodeId });

export interface NodeRouteDeps {
  store: Store;
  /** A node is live when its last heartbeat is this recent (`sla.liveness_timeout_s`). */
  livenessTimeoutS: number;
  now: () => number;
}

/** What every node route shares: the store, the clock and when a node counts as live. */
interface NodeRouteContext extends NodeRouteDeps {
  liveSince(): number;
}

export function nodeRoutes(app: FastifyInstance, deps: NodeRouteDeps): void {
  const ctx: NodeRouteContext = { ...deps, liveSince: () => deps.now() - deps.livenessTimeoutS * 1000 };
  registerNodeRoute(app, ctx);
  listNodesRoute(app, ctx);
  nodeSearchRoute(app, ctx);
  getNodeRoute(app, ctx);
  stateHistoryRoute(app, {
    url: '/nodes/:node_id/states',
    tag: 'nodes',
    summary: 'The state transitions of the node’s workers, newest first',
    param: 'node_id',
    idPattern: NodeId,
    async check(nodeId) {
      await requireNode(deps.store.db, nodeId);
    },
    read: (nodeId, query) => statesOfNode(deps.store.db, nodeId, query),
  });
  patchNodeRoute(app, ctx);
  deregisterNodeRoute(app, ctx);
}

function registerNodeRoute(app: FastifyInstance, ctx: NodeRouteContext): void {
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
      await requireActsFor(ctx.store.db, request.actor, [body.node_id]);
      const { created, node } = await register(ctx, {
        node_id: body.node_id,
        // Fields left out are "not given" (decision 0008): kept as they are on a known node.
        public_key: body.public_key,
        endpoint: body.endpoint,
        agent_url: body.agent_url,
        // A scoped operator key registers its nodes under its own operator.
        operator: registeringOperator(request.actor, body.operator) ?? body.operator,
        topics: body.topics,
        max_parallel: body.max_parallel,
      });
      reply.status(created ? 201 : 200);
      if (created) reply.header('location', `/nodes/${encodeURIComponent(body.node_id)}`);
      return nodeDetailView(ctx.store.db, node, ctx.liveSince());
    },
  );
}

function listNodesRoute(app: FastifyInstance, { store, liveSince }: NodeRouteContext): void {
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
}

function getNodeRoute(app: FastifyInstance, { store, liveSince }: NodeRouteContext): void {
  app.get(
    '/nodes/:node_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['nodes'],
        summary: 'One node with its latest status, its workers, lifecycle and verification quality',
        params: Params,
        response: { 200: NodeDetailView, 404: Problem },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      return nodeDetailView(store.db, await requireNode(store.db, node_id), liveSince());
    },
  );
}

function patchNodeRoute(app: FastifyInstance, ctx: NodeRouteContext): void {
  app.patch(
    '/nodes/:node_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['nodes'],
        summary: 'Change a node’s endpoint, agent URL, operator, topics or capacity',
        params: Params,
        body: Patch,
        response: { 200: NodeDetailView, 404: Problem },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const patch = request.body as Static<typeof Patch>;
      await requireActsFor(ctx.store.db, request.actor, [node_id]);
      if (patch.operator !== undefined) requireKeepsOperator(request.actor, patch.operator);
      const node = await changeNode(ctx, node_id, patch);
      return nodeDetailView(ctx.store.db, node, ctx.liveSince());
    },
  );
}

function deregisterNodeRoute(app: FastifyInstance, ctx: NodeRouteContext): void {
  app.delete(
    '/nodes/:node_id',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['nodes'],
        summary: 'Deregister a node; its history is kept',
        params: Params,
        response: { 200: NodeDetailView, 404: Problem },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      await requireActsFor(ctx.store.db, request.actor, [node_id]);
      const node = await deregister(ctx, node_id);
      return nodeDetailView(ctx.store.db, node, ctx.liveSince());
    },
  );
}
