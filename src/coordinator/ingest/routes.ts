import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { VigilConfig } from '../../config/schema.ts';
import { rollupGrain } from '../../core/sla/rollup.ts';
import { parseTimestamp } from '../../core/time.ts';
import { type Outcome, recordOutcomes } from '../../store/repositories/outcomes.ts';
import type { Store } from '../../store/store.ts';
import { requireActsFor } from '../auth/node-scope.ts';
import { badRequest, notFound, Unprocessable } from '../errors.ts';
import { NodeId, NullableString, problemResponses, StringEnum, Timestamp } from '../http/schemas.ts';
import type { HeartbeatBatcher } from './heartbeat-batcher.ts';
import type { IngestMetrics } from './metrics.ts';

const Heartbeat = Type.Object(
  {
    busy_slots: Type.Integer({ minimum: 0, maximum: 100_000 }),
    queue_length: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    version: Type.Optional(NullableString(64)),
  },
  { additionalProperties: false },
);

const OutcomeBody = Type.Object(
  {
    job_id: Type.String({ minLength: 1, maxLength: 128 }),
    node_id: NodeId,
    topic: Type.String({ minLength: 1, maxLength: 128 }),
    tenant_id: Type.Optional(NullableString(128)),
    status: StringEnum(['success', 'failure']),
    started_at: Timestamp,
    finished_at: Timestamp,
  },
  { additionalProperties: false },
);

const OutcomeResult = Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer() });

function toOutcome(o: Static<typeof OutcomeBody>, index: number | null): Outcome {
  const where = index === null ? '' : `outcomes[${index}].`;
  const started = parseTimestamp(o.started_at);
  const finished = parseTimestamp(o.finished_at);
  if (started === null)
    throw badRequest(`${where}started_at "${o.started_at}" is not an RFC 3339 time or epoch milliseconds`);
  if (finished === null)
    throw badRequest(`${where}finished_at "${o.finished_at}" is not an RFC 3339 time or epoch milliseconds`);
  if (finished < started) throw badRequest(`${where}finished_at is before started_at for job ${o.job_id}`);
  return {
    job_id: o.job_id,
    node_id: o.node_id,
    topic: o.topic,
    tenant_id: o.tenant_id ?? null,
    status: o.status,
    started_at: started,
    finished_at: finished,
  };
}

/** Heartbeats and job outcomes: the high-volume writes nodes make. */
export interface IngestDeps {
  store: Store;
  heartbeats: HeartbeatBatcher;
  metrics: IngestMetrics;
  api: Pick<VigilConfig['api'], 'max_batch_size'>;
  sla: Pick<VigilConfig['sla'], 'response_time_sample_size' | 'completion_window_s'>;
  now: () => number;
}

export function telemetryRoutes(
  app: FastifyInstance,
  { store, heartbeats, metrics, api, sla, now }: IngestDeps,
): void {
  const Params = Type.Object({ node_id: NodeId });
  app.post(
    '/nodes/:node_id/heartbeat',
    {
      config: { access: ['node', 'operator'] },
      schema: {
        tags: ['telemetry'],
        summary: 'Record a heartbeat: the node is alive, with its busy slots and queue length',
        params: Params,
        body: Heartbeat,
        response: { 202: Type.Object({ accepted: Type.Boolean() }), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { node_id } = request.params as Static<typeof Params>;
      const body = request.body as Static<typeof Heartbeat>;
      await requireActsFor(store.db, request.actor, [node_id]);
      const known = await heartbeats.submit({
        node_id,
        at: now(),
        busy_slots: body.busy_slots,
        queue_length: body.queue_length,
        version: body.version ?? null,
      });
      if (!known) throw notFound(`node ${node_id} is not registered; register it with POST /nodes first`);
      reply.status(202);
      return { accepted: true };
    },
  );

  const OutcomeBatch = Type.Union([
    OutcomeBody,
    Type.Array(OutcomeBody, { minItems: 1, maxItems: api.max_batch_size }),
  ]);
  app.post(
    '/outcomes',
    {
      config: { access: ['node', 'operator'] },
      schema: {
        tags: ['telemetry'],
        summary: 'Record job outcomes, one or a batch; idempotent by job_id',
        description: `A batch holds at most ${api.max_batch_size} outcomes and is all-or-nothing: if any names an unregistered node, nothing is stored.`,
        body: OutcomeBatch,
        response: { 200: OutcomeResult, 422: problemResponses[400], ...problemResponses },
      },
    },
    async (request) => {
      const body = request.body as Static<typeof OutcomeBatch>;
      const outcomes = Array.isArray(body) ? body.map((o, i) => toOutcome(o, i)) : [toOutcome(body, null)];
      await requireActsFor(
        store.db,
        request.actor,
        outcomes.map((o) => o.node_id),
      );
      const result = await store.transaction((trx) =>
        recordOutcomes(trx, outcomes, {
          now: now(),
          sampleSize: sla.response_time_sample_size,
          grain: rollupGrain(sla.completion_window_s),
          caps: store.capabilities,
        }),
      );
      if (result.kind === 'unknown_nodes') {
        throw new Unprocessable(
          'unknown-node',
          'Unknown node',
          `outcomes name unregistered node(s) ${result.nodeIds.slice(0, 10).join(', ')}; nothing was stored`,
          { extras: { node_ids: result.nodeIds } },
        );
      }
      metrics.outcomes.inc({ result: 'accepted' }, result.accepted);
      metrics.outcomes.inc({ result: 'duplicate' }, result.duplicates);
      return { accepted: result.accepted, duplicates: result.duplicates };
    },
  );
}
