import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { NodeId, Problem, problemResponses } from '../http/schemas.ts';
import { type InterimDeps, recordInterim } from './interim.ts';
import { EpochParams } from './routes.ts';

const Probe = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Union([Type.Literal(0), Type.Literal(1)])], {
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
