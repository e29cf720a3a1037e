import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import type { Store } from '../../store/store.ts';
import { Limit, NodeId, Nullable, Problem, StringEnum } from '../http/schemas.ts';
import { type NodeEpoch, readNodeEpochs } from './node-epochs.ts';

const Params = Type.Object({ node_id: NodeId });
const Query = Type.Object({ limit: Type.Optional(Limit(100, 12)) }, { additionalProperties: false });

const Minor = Type.String({ pattern: '^[0-9]+$', description: 'Integer minor units, as a decimal string' });

const NodeEpochView = Type.Object({
  epoch: Type.Integer(),
  start: Type.String({ format: 'date-time' }),
  start_ms: Type.Integer(),
  end: Type.String({ format: 'date-time' }),
  end_ms: Type.Integer(),
  settled_at: Type.String({ format: 'date-time' }),
  settlement_hash: Type.String({ description: 'GET /epochs/{epoch}/settlement has the signed document' }),
  monitors_assigned: Type.Integer(),
  reports_counted: Type.Integer(),
  quorum_required: Type.Integer(),
  quorum_met: Type.Boolean(),
  checks: Nullable(Type.Integer({ description: 'Median probes per monitor' })),
  downtime_intervals: Nullable(Type.Integer({ description: 'Median down probes per monitor' })),
  downtime_fraction: Nullable(
    Type.Number({ description: 'downtime_intervals / checks; null without a quorum' }),
  ),
  uptime_fraction: Nullable(Type.Number({ description: '1 − downtime_fraction' })),
  latency_ms: Nullable(Type.Number({ description: 'Median of the monitors’ mean latencies, as settled' })),
  score_ppm: Nullable(Type.Integer({ description: '0–1,000,000' })),
  reward: Minor,
  reason: Nullable(
    StringEnum(['no_monitors', 'quorum_not_met', 'zero_score', 'rounded_to_zero'], 'Why no reward'),
  ),
  reward_pool: Minor,
  total_reward: Minor,
});

function nodeEpochView(e: NodeEpoch) {
  const s = e.settled;
  return {
    epoch: e.epoch,
    start: toIso(e.start_ms),
    start_ms: e.start_ms,
    end: toIso(e.end_ms),
    end_ms: e.end_ms,
    settled_at: toIso(e.settled_at),
    settlement_hash: e.settlement_hash,
    monitors_assigned: s.monitors_assigned,
    reports_counted: s.reports_counted,
    quorum_required: s.quorum_required,
    quorum_met: s.quorum_met,
    checks: s.checks,
    downtime_intervals: s.downtime_intervals,
    downtime_fraction: e.downtime_fraction,
    uptime_fraction: e.downtime_fraction === null ? null : 1 - e.downtime_fraction,
    latency_ms: s.latency_ms,
    score_ppm: s.score_ppm,
    reward: s.reward,
    reason: s.reason,
    reward_pool: e.reward_pool,
    total_reward: e.total_reward,
  };
}

/** `GET /nodes/{node_id}/epochs`: the node's part of each settled epoch, newest first (decision 0077). */
export function nodeEpochsRoute(app: FastifyInstance, { store }: { store: Store }): void {
  app.get(
    '/nodes/:node_id/epochs',
    {
      config: { access: 'read' },
      schema: {
        tags: ['epochs'],
        summary: 'A node’s settled epochs, newest first: its downtime, latency and reward as settled',
        params: Params,
        querystring: Query,
        response: {
          200: Type.Object({ node_id: Type.String(), epochs: Type.Array(NodeEpochView) }),
          404: Problem,
        },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const { limit = 12 } = request.query as Static<typeof Query>;
      const epochs = await readNodeEpochs(store.db, node_id, limit);
      return { node_id, epochs: epochs.map(nodeEpochView) };
    },
  );
}
