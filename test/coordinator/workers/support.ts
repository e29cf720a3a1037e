import { expect } from 'vitest';
import { type TopicInput, topicSchema } from '../../../src/config/topic-schema.ts';
import { rollupGrain } from '../../../src/core/sla/rollup.ts';
import { recordOutcomes } from '../../../src/store/repositories/outcomes.ts';
import type { TestApi } from '../../helpers/api.ts';
import type { Response } from '../api/support.ts';
import { makeNodes, registerNode, signedInject, type TestNode } from '../epochs/support.ts';

export { makeNodes, registerNode, type TestNode } from '../epochs/support.ts';

/** Stores a topic as the topics service would (the whole definition as JSON). */
export async function addTopic(api: TestApi, input: TopicInput): Promise<void> {
  const definition = topicSchema.parse(input);
  await api.store.db
    .insertInto('topics')
    .values({
      name: definition.name,
      definition: JSON.stringify(definition),
      source: 'api',
      created_at: api.clock.now,
      updated_at: api.clock.now,
    })
    .execute();
}

/** The usual start of a workers test: `count` registered hosts (host-1, …) and the given topics. */
export async function hostsWithTopics(
  api: TestApi,
  count: number,
  topics: readonly TopicInput[],
): Promise<TestNode[]> {
  const hosts = makeNodes(count, 'host');
  for (const host of hosts) await registerNode(api, host);
  for (const topic of topics) await addTopic(api, topic);
  return hosts;
}

export interface ReportJson {
  worker_id: string;
  pool: string | null;
  declared: { topics: Array<{ topic: string; concurrency: number }>; verify_topics: string[] } | null;
  generation: number;
  state: string;
  reason: string | null;
  busy_slots: number;
  queue_length: number;
  benchmark: Record<string, number>;
  transitions: Array<{ state: string; reason: string | null; at_ms: number }>;
}

/** A host's report of one worker its configuration declares (override anything). */
export function declared(workerId: string, overrides: Partial<ReportJson> = {}): ReportJson {
  return {
    worker_id: workerId,
    pool: 'default',
    declared: { topics: [{ topic: 'hash', concurrency: 4 }], verify_topics: [] },
    generation: 0,
    state: 'ready',
    reason: null,
    busy_slots: 0,
    queue_length: 0,
    benchmark: {},
    transitions: [],
    ...overrides,
  };
}

export interface DesiredJson {
  worker_id: string;
  pool: string | null;
  source: 'config' | 'api';
  enabled: boolean;
  generation: number;
  topics: Array<{ topic: string; concurrency: number }>;
  verify_topics: string[];
}

export interface SyncJson {
  node_id: string;
  server_time_ms: number;
  lease_ms: number;
  workers: DesiredJson[];
  topics: Array<{ name: string }>;
  refused: Array<{ worker_id: string; type: string; detail: string }>;
}

/** `POST /workers/sync` signed by the node. */
export function sync(
  api: TestApi,
  node: TestNode,
  workers: ReportJson[],
  version = '0.1.0',
): Promise<Response> {
  return signedInject(api, node, '/workers/sync', { body: JSON.stringify({ version, workers }) });
}

/** Syncs and fails the test unless the coordinator answered 200. */
export async function syncOk(api: TestApi, node: TestNode, workers: ReportJson[]): Promise<SyncJson> {
  const res = await sync(api, node, workers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SyncJson;
}

/** A node-signed POST with a JSON body. */
export function signedPost(api: TestApi, node: TestNode, url: string, body: unknown): Promise<Response> {
  return signedInject(api, node, url, { body: JSON.stringify(body) });
}

/** An operator call. */
export function operator(
  api: TestApi,
  method: 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<Response> {
  return api.app.inject({
    method,
    url,
    headers: api.as('operator'),
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

/** Worker ids hold `/`, sent as %2F in paths. */
export const enc = encodeURIComponent;

/**
 * A job that succeeded on `nodeId` in its `attempt`-th attempt, with that attempt's outcome
 * recorded as the job service records it, and sampled for verification unless told otherwise.
 */
export async function succeededJob(
  api: TestApi,
  {
    jobId,
    topic = 'hash',
    nodeId,
    workerId = `${nodeId}/main`,
    attempt = 1,
    finishedAt = api.clock.now - 1_000,
    verification = 'pending',
  }: {
    jobId: string;
    topic?: string;
    nodeId: string;
    workerId?: string;
    attempt?: number;
    finishedAt?: number;
    verification?: 'pending' | null;
  },
): Promise<void> {
  const startedAt = finishedAt - 500;
  await api.store.db
    .insertInto('jobs')
    .values({
      job_id: jobId,
      topic,
      tenant_id: 'default',
      idempotency_key: null,
      payload: JSON.stringify({ n: jobId }),
      status: 'succeeded',
      attempts: attempt,
      max_attempts: 3,
      created_at: startedAt - 100,
      updated_at: finishedAt,
      deadline_at: null,
      node_id: nodeId,
      worker_id: workerId,
      lease_token: null,
      started_at: startedAt,
      finished_at: finishedAt,
      finished_token: `token-${jobId}`,
      result: JSON.stringify({ digest: `d-${jobId}` }),
      error: null,
      verification_state: verification,
      verifier_id: null,
      verification_claim_expires_at: null,
      verdict: null,
    })
    .execute();
  const recorded = await api.store.db.transaction().execute((trx) =>
    recordOutcomes(
      trx,
      [
        {
          job_id: `${jobId}:${attempt}`,
          node_id: nodeId,
          topic,
          tenant_id: 'default',
          status: 'success',
          started_at: startedAt,
          finished_at: finishedAt,
        },
      ],
      {
        now: api.clock.now,
        sampleSize: api.config.sla.response_time_sample_size,
        grain: rollupGrain(api.config.sla.completion_window_s),
        caps: api.store.capabilities,
      },
    ),
  );
  expect(recorded).toMatchObject({ kind: 'recorded', accepted: 1 });
}
