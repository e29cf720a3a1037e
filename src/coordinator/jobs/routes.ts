import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { TOPIC_NAME } from '../../core/work/topic.ts';
import { Limit, Nullable, Problem, problemResponses, StringEnum } from '../http/schemas.ts';
import type { JobService } from './service.ts';
import { actingTenant, tenantScope } from './tenants.ts';
import { attemptView, jobView } from './views.ts';

const TopicName = Type.String({ pattern: TOPIC_NAME.source, description: 'A topic name (GET /topics)' });
const TenantId = Type.String({ minLength: 1, maxLength: 128 });
const JobId = Type.String({ minLength: 1, maxLength: 128 });

const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed_verification', 'dead', 'cancelled'] as const;

export const JobError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  retryable: Type.Boolean(),
});

export const JobView = Type.Object({
  job_id: Type.String(),
  topic: Type.String(),
  tenant_id: Type.String(),
  idempotency_key: Nullable(Type.String()),
  status: StringEnum(JOB_STATUSES),
  attempts: Type.Integer({ description: 'Attempts started so far' }),
  max_attempts: Type.Integer(),
  created_at: Type.String({ format: 'date-time' }),
  created_at_ms: Type.Integer(),
  updated_at_ms: Type.Integer(),
  deadline_at_ms: Nullable(Type.Integer()),
  node_id: Nullable(Type.String({ description: 'The node of the current or last attempt' })),
  worker_id: Nullable(Type.String()),
  started_at_ms: Nullable(Type.Integer({ description: 'When the current or last attempt was claimed' })),
  finished_at_ms: Nullable(Type.Integer()),
  duration_ms: Nullable(Type.Integer()),
  result: Type.Unknown({ description: 'The adapter’s result once succeeded, else null' }),
  error: Nullable(JobError),
  verification: Nullable(
    Type.Object({
      state: StringEnum(['pending', 'claimed', 'passed', 'failed']),
      verdict: Nullable(
        Type.Object({
          pass: Type.Boolean(),
          loss: Nullable(Type.Number()),
          detail: Nullable(Type.String()),
          worker_id: Type.String(),
          node_id: Type.String(),
          at_ms: Type.Integer(),
        }),
      ),
    }),
  ),
});

const AttemptView = Type.Object({
  attempt: Type.Integer({ minimum: 1 }),
  node_id: Type.String(),
  status: StringEnum(['success', 'failure'], 'failure also when a verifier later found a success wrong'),
  started_at_ms: Type.Integer(),
  finished_at_ms: Type.Integer(),
  duration_ms: Type.Integer(),
});

const Submission = Type.Object(
  {
    topic: TopicName,
    payload: Type.Unknown({ description: 'Any JSON; at most jobs.max_payload_bytes as JSON text' }),
    idempotency_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'A repeated key (per tenant) answers the first job instead of making another',
      }),
    ),
    tenant_id: Type.Optional(TenantId),
  },
  { additionalProperties: false },
);

const Accepted = Type.Object({ job_id: Type.String(), status: StringEnum(JOB_STATUSES) });
const JobParams = Type.Object({ job_id: JobId });

const ListQuery = Type.Object(
  {
    topic: Type.Optional(TopicName),
    status: Type.Optional(StringEnum(JOB_STATUSES)),
    tenant_id: Type.Optional(TenantId),
    limit: Type.Optional(Limit(1000, 100)),
    before_ms: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Jobs created before this instant: the next page' }),
    ),
  },
  { additionalProperties: false },
);

/** Tenants' jobs: submit, read, list, cancel (docs/design/work-contract.md). */
export function jobRoutes(app: FastifyInstance, deps: { jobs: JobService }): void {
  submitJobRoute(app, deps);
  getJobRoute(app, deps);
  listJobsRoute(app, deps);
  jobAttemptsRoute(app, deps);
  cancelJobRoute(app, deps);
}

function submitJobRoute(app: FastifyInstance, { jobs }: { jobs: JobService }): void {
  app.post(
    '/jobs',
    {
      config: { access: ['tenant', 'operator'] },
      schema: {
        tags: ['work'],
        summary: 'Submit a job (idempotent with idempotency_key)',
        description:
          'A tenant key submits for its own tenant (its label, else its id); operators name `tenant_id` (default `default`).',
        body: Submission,
        response: {
          200: Accepted,
          201: Accepted,
          409: Problem,
          413: Problem,
          422: Problem,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof Submission>;
      const tenantId = actingTenant(request.actor, body.tenant_id);
      const { job, created } = await jobs.submit({
        tenantId,
        topic: body.topic,
        payload: body.payload,
        idempotencyKey: body.idempotency_key ?? null,
      });
      reply.status(created ? 201 : 200);
      reply.header('location', `/jobs/${encodeURIComponent(job.job_id)}`);
      return { job_id: job.job_id, status: job.status };
    },
  );
}

function getJobRoute(app: FastifyInstance, { jobs }: { jobs: JobService }): void {
  app.get(
    '/jobs/:job_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['work'],
        summary: 'One job (a tenant key sees its own tenant’s only)',
        params: JobParams,
        response: { 200: JobView, ...problemResponses },
      },
    },
    async (request) => {
      const { job_id } = request.params as Static<typeof JobParams>;
      return jobView(await jobs.get(job_id, tenantScope(request.actor)));
    },
  );
}

function listJobsRoute(app: FastifyInstance, { jobs }: { jobs: JobService }): void {
  app.get(
    '/jobs',
    {
      config: { access: 'read' },
      schema: {
        tags: ['work'],
        summary: 'Jobs, newest first (a tenant key sees its own tenant’s only)',
        description:
          'For the next page pass `before_ms` = the last job’s `created_at_ms`; jobs created in the same millisecond as it may then be skipped.',
        querystring: ListQuery,
        response: { 200: Type.Object({ jobs: Type.Array(JobView) }), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof ListQuery>;
      const own = tenantScope(request.actor);
      const tenantId = own === null ? q.tenant_id : actingTenant(request.actor, q.tenant_id);
      const rows = await jobs.list({
        ...(q.topic === undefined ? {} : { topic: q.topic }),
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(tenantId === undefined ? {} : { tenantId }),
        ...(q.before_ms === undefined ? {} : { beforeMs: q.before_ms }),
        limit: q.limit ?? 100,
      });
      return { jobs: rows.map(jobView) };
    },
  );
}

function jobAttemptsRoute(app: FastifyInstance, { jobs }: { jobs: JobService }): void {
  app.get(
    '/jobs/:job_id/attempts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['work'],
        summary: 'A job’s ended attempts: node, times, success or failure (a tenant key: own jobs only)',
        description:
          'Read from the outcome each ended attempt records. A running, cancelled or released attempt has none; the last attempt’s worker and error are the job’s `worker_id` and `error`.',
        params: JobParams,
        response: {
          200: Type.Object({ job_id: Type.String(), attempts: Type.Array(AttemptView) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { job_id } = request.params as Static<typeof JobParams>;
      const { job, outcomes } = await jobs.attempts(job_id, tenantScope(request.actor));
      return { job_id: job.job_id, attempts: outcomes.map(attemptView) };
    },
  );
}

function cancelJobRoute(app: FastifyInstance, { jobs }: { jobs: JobService }): void {
  app.post(
    '/jobs/:job_id/cancel',
    {
      config: { access: ['tenant', 'operator'] },
      schema: {
        tags: ['work'],
        summary: 'Cancel a queued or running job (a running job’s worker stops at its next lease extension)',
        params: JobParams,
        response: { 200: Accepted, 409: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const { job_id } = request.params as Static<typeof JobParams>;
      const job = await jobs.cancel(job_id, tenantScope(request.actor));
      return { job_id: job.job_id, status: job.status };
    },
  );
}
