import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { type Static, Type } from 'typebox';
import { rollupGrain } from '../../core/sla/rollup.ts';
import { countVerdict } from '../../store/repositories/node-quality.ts';
import { failRecordedSuccess } from '../../store/repositories/outcome-corrections.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import { claimSamples, recordVerdict, type VerdictDisposition } from '../../store/repositories/verdicts.ts';
import { workersOwnedBy } from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import { NotFound } from '../errors.ts';
import { NullableString, Problem, problemResponses, StringEnum } from '../http/schemas.ts';
import { checkVerificationAdmission } from '../workers/admission.ts';
import { registerVerificationCounter } from '../workers/metrics.ts';
import { TopicName, WorkerId } from '../workers/views.ts';

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
  const grain = rollupGrain(completionWindowS);

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
      const nodeId = request.signer!;
      const { topic } = request.params as Static<typeof TopicParams>;
      const body = request.body as Static<typeof ClaimBody>;
      const known = await getTopic(store.db, topic);
      if (known === undefined) {
        throw new NotFound('unknown-topic', 'Unknown topic', `there is no topic ${topic}`);
      }
      const refused = await checkVerificationAdmission(store.db, { nodeId, workerId: body.worker_id, topic });
      if (refused !== null) throw refused;
      const samples = await claimSamples(store.db, {
        topic,
        workerId: body.worker_id,
        nodeId,
        max: body.max ?? 10,
        now: now(),
        claimMs: leaseMs,
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
      const nodeId = request.signer!;
      const { verdicts } = request.body as Static<typeof VerdictBatch>;
      const workerIds = [...new Set(verdicts.map((v) => v.worker_id))];
      const owned = await workersOwnedBy(store.db, nodeId, workerIds);
      const answers: Array<{ job_id: string; disposition: (typeof DISPOSITIONS)[number] }> = [];
      for (const v of verdicts) {
        // A worker id of another node never holds a claim this node may settle.
        if (!owned.has(v.worker_id)) {
          answers.push({ job_id: v.job_id, disposition: 'not-claimed' });
          continue;
        }
        const at = now();
        // One transaction per verdict: the verdict, the outcome it turns and the counters
        // commit together, so a resent verdict is a duplicate and nothing counts twice.
        const outcome: VerdictDisposition = await store.transaction(async (trx) => {
          const recorded = await recordVerdict(trx, { ...v, node_id: nodeId }, at);
          if (recorded.disposition !== 'recorded') return recorded;
          if (!v.pass) await failRecordedSuccess(trx, `${v.job_id}:${recorded.attempt}`, grain);
          if (recorded.node_id !== '') await countVerdict(trx, recorded.node_id, !v.pass, at);
          return recorded;
        });
        if (outcome.disposition === 'recorded') {
          verifications.inc({ topic: outcome.topic, verdict: v.pass ? 'pass' : 'fail' });
        }
        answers.push({ job_id: v.job_id, disposition: outcome.disposition });
      }
      return { verdicts: answers };
    },
  );
}
