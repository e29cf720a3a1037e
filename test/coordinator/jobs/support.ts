import { afterEach, beforeEach, expect } from 'vitest';
import type { VigilConfig } from '../../../src/config/schema.ts';
import { type TopicInput, topicSchema } from '../../../src/config/topic-schema.ts';
import type { Role } from '../../../src/store/schema.ts';
import { createTestApi, type TestApi } from '../../helpers/api.ts';
import type { TestBackend } from '../../helpers/backends.ts';
import type { Response } from '../api/support.ts';
import { makeNodes, registerNode, signedInject, type TestNode } from '../epochs/support.ts';

export const LEASE_MS = 30_000;

/** A topic for the configuration, with defaults filled in as the configuration loader does. */
export const topic = (input: TopicInput) => topicSchema.parse(input);

/**
 * Topics every job test can use: `hash` retries after exactly one second (uniform backoff) up
 * to three attempts; `once` is never retried; `timed` has a one-minute deadline; `checked` has
 * every success verified.
 */
export function workConfig(c: VigilConfig): void {
  c.queue.lease_ms = LEASE_MS;
  c.topics = [
    topic({ name: 'hash', max_attempts: 3, backoff: { kind: 'uniform', initial_ms: 1000, max_ms: 1000 } }),
    topic({ name: 'once', max_attempts: 1 }),
    topic({ name: 'timed', max_attempts: 3, deadline_ms: 60_000 }),
    topic({
      name: 'checked',
      verification: { adapter: { kind: 'command', command: 'node' }, sample_rate: 1 },
    }),
  ];
}

export interface WorkApiOptions {
  adjust?: (c: VigilConfig) => void;
  claimPollMs?: number;
}

/** A fresh API per test with the work topics above; call inside a describe block. */
export function useWorkApi(backend: TestBackend, { adjust = () => {}, claimPollMs }: WorkApiOptions = {}) {
  let api: TestApi | undefined;
  beforeEach(async () => {
    api = await createTestApi(
      backend,
      (c) => {
        workConfig(c);
        adjust(c);
      },
      { random: () => 0.5, ...(claimPollMs === undefined ? {} : { claimPollMs }) },
    );
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });
  return () => {
    if (api === undefined) throw new Error('the API is only available inside a test');
    return api;
  };
}

/** A registered node with one worker assigned the given topics (as a sync would leave it). */
export async function nodeWithWorker(
  api: TestApi,
  /** A prefix for a new node's id (`<prefix>-00`), or the node itself. */
  prefix: string | TestNode,
  topics: readonly string[] = ['hash', 'once', 'timed', 'checked'],
): Promise<{ node: TestNode; workerId: string }> {
  const node = typeof prefix === 'string' ? (makeNodes(1, prefix)[0] as TestNode) : prefix;
  await registerNode(api, node);
  const workerId = `${node.id}/main`;
  const now = api.clock.now;
  await api.store.db
    .insertInto('workers')
    .values({
      worker_id: workerId,
      node_id: node.id,
      pool: null,
      source: 'config',
      topics: JSON.stringify(topics.map((t) => ({ topic: t, concurrency: 4 }))),
      verify_topics: '[]',
      enabled: 1,
      generation: 0,
      state: 'ready',
      reason: null,
      state_at: now,
      busy_slots: 0,
      queue_length: 0,
      benchmark: '{}',
      last_seen_at: now,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { node, workerId };
}

export async function submit(
  api: TestApi,
  body: Record<string, unknown>,
  role: Role = 'tenant',
): Promise<Response> {
  return api.app.inject({ method: 'POST', url: '/jobs', headers: api.as(role), payload: body });
}

/** Submits a job and returns its id. */
export async function submitted(
  api: TestApi,
  topicName: string,
  payload: unknown = { n: 1 },
): Promise<string> {
  const res = await submit(api, { topic: topicName, payload });
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { job_id: string }).job_id;
}

export interface ClaimedJson {
  job_id: string;
  lease_token: string;
  attempt: number;
  max_attempts: number;
  lease_expires_at_ms: number;
  timeout_ms: number;
  deadline_at_ms: number | null;
  tenant_id: string;
  payload: unknown;
}

export function claimRequest(api: TestApi, node: TestNode, topicName: string, body: Record<string, unknown>) {
  return signedInject(api, node, `/topics/${topicName}/claim`, { body: JSON.stringify(body) });
}

/** Claims as a worker and returns the jobs (asserting a 200). */
export async function claim(
  api: TestApi,
  worker: { node: TestNode; workerId: string },
  topicName: string,
  { max = 1, wait_ms = 0 }: { max?: number; wait_ms?: number } = {},
): Promise<ClaimedJson[]> {
  const res = await claimRequest(api, worker.node, topicName, { worker_id: worker.workerId, max, wait_ms });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { jobs: ClaimedJson[] }).jobs;
}

export interface ResultJson {
  job_id: string;
  lease_token: string;
  worker_id: string;
  status: 'success' | 'failure' | 'released';
  result?: unknown;
  error?: { code: string; message: string; retryable: boolean };
  started_at_ms: number;
  finished_at_ms: number;
}

/** Sends results as a worker's node; returns the dispositions in order. */
export async function sendResults(api: TestApi, node: TestNode, results: ResultJson[]): Promise<string[]> {
  const res = await signedInject(api, node, '/results', { body: JSON.stringify({ results }) });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { results: Array<{ disposition: string }> }).results.map((r) => r.disposition);
}

/** A result for a claimed job that started at claim time and took `ms`. */
export function resultOf(
  job: ClaimedJson,
  workerId: string,
  startedAt: number,
  over: Partial<ResultJson> = {},
  ms = 100,
): ResultJson {
  return {
    job_id: job.job_id,
    lease_token: job.lease_token,
    worker_id: workerId,
    status: 'success',
    result: { ok: true },
    started_at_ms: startedAt,
    finished_at_ms: startedAt + ms,
    ...over,
  };
}

export async function extend(
  api: TestApi,
  worker: { node: TestNode; workerId: string },
  leases: Array<{ job_id: string; lease_token: string }>,
): Promise<Array<{ job_id: string; status: string; lease_expires_at_ms: number | null }>> {
  const res = await signedInject(api, worker.node, '/leases/extend', {
    body: JSON.stringify({ worker_id: worker.workerId, leases }),
  });
  expect(res.statusCode, res.body).toBe(200);
  return (
    res.json() as { leases: Array<{ job_id: string; status: string; lease_expires_at_ms: number | null }> }
  ).leases;
}

export interface JobJson {
  job_id: string;
  status: string;
  attempts: number;
  tenant_id: string;
  node_id: string | null;
  worker_id: string | null;
  result: unknown;
  error: { code: string; message: string; retryable: boolean } | null;
  verification: { state: string; verdict: unknown } | null;
  [key: string]: unknown;
}

export async function jobOf(api: TestApi, jobId: string, role: Role = 'operator'): Promise<JobJson> {
  const res = await api.app.inject({ method: 'GET', url: `/jobs/${jobId}`, headers: api.as(role) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as JobJson;
}

/** The outcomes recorded for a job's attempts, by id. */
export async function outcomesOf(api: TestApi, jobId: string) {
  return api.store.db
    .selectFrom('job_outcomes')
    .select(['job_id', 'node_id', 'status', 'started_at', 'finished_at', 'duration_ms'])
    .where('job_id', 'like', `${jobId}:%`)
    .orderBy('job_id')
    .execute();
}

/** Successes and failures summed over a node's fine rollup buckets. */
export async function rollupOf(
  api: TestApi,
  nodeId: string,
): Promise<{ successes: number; failures: number }> {
  const rows = await api.store.db
    .selectFrom('outcome_rollups')
    .select(['bucket_ms', 'successes', 'failures'])
    .where('node_id', '=', nodeId)
    .execute();
  const fine = Math.min(...rows.map((r) => Number(r.bucket_ms)));
  const mine = rows.filter((r) => Number(r.bucket_ms) === fine);
  return {
    successes: mine.reduce((a, r) => a + Number(r.successes), 0),
    failures: mine.reduce((a, r) => a + Number(r.failures), 0),
  };
}
