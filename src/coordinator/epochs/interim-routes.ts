import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { NodeId, Problem, problemResponses } from '../http/schemas.ts';
import { type InterimDeps, recordInterim } from './interim.ts';
import { EpochParams } from './routes.ts';

// A pair, written as JSON Schema 2020-12 (OpenAPI 3.1) writes tuples: `prefixItems`, not the
// draft-07 `items: [...]` that Type.Tuple emits and 3.1 tools reject.
const Probe = Type.Unsafe<[number, 0 | 1]>({
  type: 'array',
  prefixItems: [
    { type: 'integer', minimum: 0 },
    { type: 'integer', enum: [0, 1] },
  ],
  items: false,
  minItems: 2,
  description: '[at_ms, 1 up | 0 down]',
});

const InterimSummary = Type.Object(
  {
    monitor: NodeId,
    probe_interval_s: Type.Integer({ minimum: 1, description: 'How long each verdict stands, in seconds' }),
    targets: Type.Array(
      Type.Object(
        { target: NodeId, probes: Type.Array(Probe, { maxItems: 100_000 }) },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

const InterimReceipt = Type.Object({
  epoch: Type.Integer(),
  monitor: Type.String(),
  probes: Type.Integer({ description: 'Probe verdicts recorded' }),
});

/** `POST /epochs/{epoch}/interim`: monitors' interim probe verdicts, the peers' evidence of life. */
export function interimRoutes(app: FastifyInstance, deps: InterimDeps): void {
  app.post(
    '/epochs/:epoch/interim',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['epochs'],
        summary: 'Submit a monitor’s interim probe verdicts (node-signed; resending is harmless)',
        params: EpochParams,
        body: InterimSummary,
        response: { 202: InterimReceipt, 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const summary = request.body as Static<typeof InterimSummary>;
      const probes = await recordInterim(deps, { epoch, signer: request.signer, summary });
      reply.status(202);
      return { epoch, monitor: summary.monitor, probes };
    },
  );
}
