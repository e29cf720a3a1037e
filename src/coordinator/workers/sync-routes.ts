import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Store } from '../../store/store.ts';
import { NullableString, Problem, problemResponses } from '../http/schemas.ts';
import type { HeartbeatBatcher } from '../ingest/heartbeat-batcher.ts';
import { syncHost, type WorkerReport } from './sync.ts';
import { PoolName, TopicName, TopicSlots, VerifyTopics, WorkerId, WorkerStateName } from './views.ts';

const Transition = Type.Object(
  { state: WorkerStateName, reason: NullableString(1000), at_ms: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);

const Report = Type.Object(
  {
    worker_id: WorkerId,
    pool: Type.Union([PoolName, Type.Null()]),
    declared: Type.Union([
      Type.Object({ topics: TopicSlots, verify_topics: VerifyTopics }, { additionalProperties: false }),
      Type.Null(),
    ]),
    // The workers table's generation is a 32-bit integer on PostgreSQL.
    generation: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    state: WorkerStateName,
    reason: NullableString(1000),
    busy_slots: Type.Integer({ minimum: 0, maximum: 100_000 }),
    queue_length: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    benchmark: Type.Record(TopicName, Type.Number({ minimum: 0 })),
    transitions: Type.Array(Transition, { maxItems: 50 }),
  },
  { additionalProperties: false },
);

const SyncBody = Type.Object(
  { version: Type.String({ maxLength: 64 }), workers: Type.Array(Report, { maxItems: 256 }) },
  { additionalProperties: false },
);

const DesiredWorker = Type.Object({
  worker_id: Type.String(),
  pool: Type.Union([Type.String(), Type.Null()]),
  source: Type.String(),
  enabled: Type.Boolean(),
  generation: Type.Integer(),
  topics: Type.Array(Type.Object({ topic: Type.String(), concurrency: Type.Integer() })),
  verify_topics: Type.Array(Type.String()),
});

const SyncAnswer = Type.Object({
  node_id: Type.String(),
  server_time_ms: Type.Integer(),
  lease_ms: Type.Integer(),
  workers: Type.Array(DesiredWorker),
  topics: Type.Array(Type.Unknown(), { description: 'The full TopicDefinition of every topic served' }),
  refused: Type.Array(Type.Object({ worker_id: Type.String(), type: Type.String(), detail: Type.String() }), {
    description: 'Reports ignored (another node’s worker id, or a worker this node no longer has)',
  }),
});

/** `POST /workers/sync`: a host's heartbeat, its workers' states, and what it should run. */
export function syncRoute(
  app: FastifyInstance,
  deps: { store: Store; heartbeats: HeartbeatBatcher; leaseMs: number; now: () => number },
): void {
  app.post(
    '/workers/sync',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['workers'],
        summary: 'Report the node’s workers and learn what it should run (node-signed; the node’s heartbeat)',
        body: SyncBody,
        response: { 200: SyncAnswer, 409: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const nodeId = request.signer!;
      const body = request.body as Static<typeof SyncBody>;
      const synced = await syncHost(deps, nodeId, {
        version: body.version,
        workers: body.workers as WorkerReport[],
      });
      return {
        node_id: nodeId,
        server_time_ms: synced.at,
        lease_ms: deps.leaseMs,
        workers: synced.workers,
        topics: synced.topics,
        refused: synced.refused,
      };
    },
  );
}
