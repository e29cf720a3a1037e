import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { type Static, Type } from 'typebox';
import { rollupGrain } from '../../core/sla/rollup.ts';
import type { Store } from '../../store/store.ts';
import { NullableString, Problem, problemResponses, StringEnum } from '../http/schemas.ts';
import { registerVerificationCounter } from './metrics.ts';
import { claimVerificationSamples, recordVerdicts, type VerificationDeps } from './verification.ts';
import { TopicName, WorkerId } from './views.ts';

const ClaimBody = Type.Object(
  { worker_id: WorkerId, max: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })) },
  { additionalProperties: false },
);

const SampleView = Type.Object({
  job_id: Type.String(),
  node_id: Type.String(),
  payload: Type.Unknown(),
  result: Type.Unknown(),
  finished_at_ms: Type.Integer(),
});

const VerdictBody = Type.Object(
  {
    job_id: Type.String({ minLength: 1, maxLength: 128 }),
    worker_id: WorkerId,
    pass: Type.Boolean(),
    loss: Type.Union([Type.Number(), Type.Null()]),
    detail: NullableString(2000),
  },
  { additionalProperties: false },
);

const VerdictBatch = Type.Object(
  { verdicts: Type.Array(VerdictBody, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

const DISPOSITIONS = ['recorded', 'duplicate', 'not-claimed', 'unknown-job'] as const;

const TopicParams = Type.Object({ topic: TopicName });

/** Verifiers' claims of sampled jobs and their verdicts (docs/design/work-contract.md, Verification). */
export function verificationRoutes(
  app: FastifyInstance,
  {
    store,
    registry,
    leaseMs,
    completionWindowS,
    now,
  }: { store: Store; registry: Registry; leaseMs: number; completionWindowS: number; now: () => number },
): void {
  const verifications = registerVerificationCounter(registry);
  const deps: VerificationDeps = {
    store,
    leaseMs,
    grain: rollupGrain(completionWindowS),
    now,
    onRecorded: (topic, pass) => verifications.inc({ topic, verdict: pass ? 'pass' : 'fail' }),
  };
  claimSamplesRoute(app, deps);
  verdictsRoute(app, deps);
}

function claimSamplesRoute(app: FastifyInstance, deps: VerificationDeps): void {
  app.post(
    '/topics/:topic/verifications/claim',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['verification'],
        summary: 'Claim sampled successes of other nodes to verify (node-signed)',
        params: TopicParams,
        body: ClaimBody,
        response: {
          200: Type.Object({ samples: Type.Array(SampleView) }),
          409: Problem,
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { topic } = request.params as Static<typeof TopicParams>;
      const body = request.body as Static<typeof ClaimBody>;
      const samples = await claimVerificationSamples(deps, {
        nodeId: request.signer!,
        workerId: body.worker_id,
        topic,
        max: body.max ?? 10,
      });
      return {
        samples: samples.map((s) => ({
          job_id: s.job_id,
          node_id: s.node_id,
          payload: JSON.parse(s.payload) as unknown,
          result: s.result === null ? null : (JSON.parse(s.result) as unknown),
          finished_at_ms: s.finished_at,
        })),
      };
    },
  );
}

function verdictsRoute(app: FastifyInstance, deps: VerificationDeps): void {
  app.post(
    '/verdicts',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['verification'],
        summary: 'Submit verdicts on claimed samples (node-signed outbox batch; the first verdict wins)',
        body: VerdictBatch,
        response: {
          200: Type.Object({
            verdicts: Type.Array(
              Type.Object({ job_id: Type.String(), disposition: StringEnum(DISPOSITIONS) }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { verdicts } = request.body as Static<typeof VerdictBatch>;
      return { verdicts: await recordVerdicts(deps, request.signer!, verdicts) };
    },
  );
}
