import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { MAX_ERROR_MESSAGE_CHARS } from '../../core/work/protocol.ts';
import { TOPIC_NAME } from '../../core/work/topic.ts';
import type { Store } from '../../store/store.ts';
import { Problem, problemResponses, StringEnum, WorkerId } from '../http/schemas.ts';
import { admitClaim } from './claim.ts';
import type { JobService } from './service.ts';

const JobId = Type.String({ minLength: 1, maxLength: 128 });
const LeaseToken = Type.String({ minLength: 1, maxLength: 128 });
const Ms = Type.Integer({ minimum: 0 });

const ClaimedJob = Type.Object({
  job_id: Type.String(),
  lease_token: Type.String({ description: 'The attempt’s secret: extends and results name it' }),
  attempt: Type.Integer({ description: '1 on the first attempt' }),
  max_attempts: Type.Integer(),
  lease_expires_at_ms: Type.Integer(),
  timeout_ms: Type.Integer({ description: 'The topic’s limit for one attempt' }),
  deadline_at_ms: Type.Union([Type.Integer(), Type.Null()]),
  tenant_id: Type.String(),
  payload: Type.Unknown(),
});

const ResultItem = Type.Object(
  {
    job_id: JobId,
    lease_token: LeaseToken,
    worker_id: WorkerId,
    status: StringEnum(['success', 'failure', 'released']),
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(
      Type.Object(
        {
          code: Type.String({ minLength: 1, maxLength: 64 }),
          message: Type.String({ maxLength: MAX_ERROR_MESSAGE_CHARS }),
          retryable: Type.Boolean(),
        },
        { additionalProperties: false },
      ),
    ),
    started_at_ms: Ms,
    finished_at_ms: Ms,
  },
  { additionalProperties: false },
);

const DISPOSITIONS = ['recorded', 'retrying', 'dead', 'released', 'duplicate', 'cancelled', 'lost'] as const;

const ClaimParams = Type.Object({ topic: Type.String({ pattern: TOPIC_NAME.source }) });

const ClaimBody = Type.Object(
  {
    worker_id: WorkerId,
    max: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })),
    wait_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 60_000,
        default: 0,
        description:
          'How long to wait for work when there is none (long poll), ms; at most queue.claim_max_wait_ms is waited',
      }),
    ),
  },
  { additionalProperties: false },
);

const ExtendBody = Type.Object(
  {
    worker_id: WorkerId,
    leases: Type.Array(
      Type.Object({ job_id: JobId, lease_token: LeaseToken }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 500,
      },
    ),
  },
  { additionalProperties: false },
);

const ResultsBody = Type.Object(
  { results: Type.Array(ResultItem, { minItems: 1, maxItems: 500 }) },
  { additionalProperties: false },
);

/** The worker-facing calls: claim, extend leases, send results. Signed with the node's key. */
export interface WorkerCallDeps {
  store: Store;
  jobs: JobService;
  /** Longest a claim may wait for work. */
  claimMaxWaitMs: number;
  /** The API's body limit and the largest result: a results batch may be larger than the first. */
  bodyLimitBytes: number;
  maxResultBytes: number;
}

export function workRoutes(app: FastifyInstance, deps: WorkerCallDeps): void {
  claimRoute(app, deps);
  extendRoute(app, deps);
  resultsRoute(app, deps);
}

/** An AbortSignal that fires when the caller hangs up before its answer is sent; `stop` ends the watch. */
function hangUpSignal(request: FastifyRequest, reply: FastifyReply): { signal: AbortSignal; stop(): void } {
  const hungUp = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableEnded) hungUp.abort();
  };
  reply.raw.once('close', onClose);
  // Gone before the listener was there: the claim must know it too.
  if (request.raw.socket?.destroyed) hungUp.abort();
  return { signal: hungUp.signal, stop: () => reply.raw.off('close', onClose) };
}

function claimRoute(
  app: FastifyInstance,
  { store, jobs, claimMaxWaitMs }: Pick<WorkerCallDeps, 'store' | 'jobs' | 'claimMaxWaitMs'>,
): void {
  app.post(
    '/topics/:topic/claim',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['work'],
        summary: 'Lease jobs of a topic for one of the signing node’s workers (long poll with wait_ms)',
        params: ClaimParams,
        body: ClaimBody,
        response: { 200: Type.Object({ jobs: Type.Array(ClaimedJob) }), 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { topic: name } = request.params as Static<typeof ClaimParams>;
      const body = request.body as Static<typeof ClaimBody>;
      const nodeId = request.signer!;
      const topic = await admitClaim(store.db, { topicName: name, nodeId, workerId: body.worker_id });
      // A worker that hangs up stops waiting; its claim must not take jobs nobody will run.
      const hungUp = hangUpSignal(request, reply);
      try {
        const claimed = await jobs.claim({
          topic,
          nodeId,
          workerId: body.worker_id,
          max: body.max ?? 1,
          // Capped rather than refused: a worker configured to wait longer still gets work.
          waitMs: Math.min(body.wait_ms ?? 0, claimMaxWaitMs),
          signal: hungUp.signal,
        });
        return { jobs: claimed };
      } finally {
        hungUp.stop();
      }
    },
  );
}

function extendRoute(app: FastifyInstance, { jobs }: Pick<WorkerCallDeps, 'jobs'>): void {
  app.post(
    '/leases/extend',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['work'],
        summary: 'Extend a worker’s leases; cancelled or lost means stop the job and send nothing',
        body: ExtendBody,
        response: {
          200: Type.Object({
            leases: Type.Array(
              Type.Object({
                job_id: Type.String(),
                status: StringEnum(['extended', 'cancelled', 'lost']),
                lease_expires_at_ms: Type.Union([Type.Integer(), Type.Null()]),
              }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const body = request.body as Static<typeof ExtendBody>;
      return {
        leases: await jobs.extend({ nodeId: request.signer!, workerId: body.worker_id, leases: body.leases }),
      };
    },
  );
}

function resultsRoute(
  app: FastifyInstance,
  {
    jobs,
    bodyLimitBytes,
    maxResultBytes,
  }: Pick<WorkerCallDeps, 'jobs' | 'bodyLimitBytes' | 'maxResultBytes'>,
): void {
  app.post(
    '/results',
    {
      config: { access: 'node-signed' },
      // A result up to jobs.max_result_bytes must always get through (to be recorded, or
      // refused as result-too-large), even where that limit is above the API's body limit.
      bodyLimit: Math.max(bodyLimitBytes, 2 * maxResultBytes),
      schema: {
        tags: ['work'],
        summary: 'Record a batch of results (a worker outbox’s); each item gets its disposition',
        description:
          'One item never fails the batch: an item that can no longer count is answered duplicate, cancelled or lost.',
        body: ResultsBody,
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({ job_id: Type.String(), disposition: StringEnum(DISPOSITIONS) }),
            ),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const body = request.body as Static<typeof ResultsBody>;
      return { results: await jobs.results(request.signer!, body.results) };
    },
  );
}
