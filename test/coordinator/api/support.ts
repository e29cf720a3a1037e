import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, expect } from 'vitest';
import type { VigilConfig } from '../../../src/config/schema.ts';
import type { Role } from '../../../src/store/schema.ts';
import { createTestApi, type TestApi } from '../../helpers/api.ts';
import type { TestBackend } from '../../helpers/backends.ts';

export type Response = LightMyRequestResponse;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The shapes the SLA endpoints answer with, as the tests read them. */
export interface MetricJson {
  id: string;
  node_id: string | null;
  metric_type: string;
  metric_value: number | null;
  threshold: number;
  is_violation: boolean;
  severity: string | null;
  timestamp: string;
  metadata: Record<string, unknown>;
}

export interface ViolationJson {
  id: string;
  node_id: string | null;
  subject: string;
  violation_type: string;
  severity: string;
  metric_value: number;
  worst_value: number;
  threshold: number;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  violation_duration_ms: number | null;
  metadata: Record<string, unknown>;
}

/** A fresh API per test on the given backend; call inside a describe block. */
export function useApi(backend: TestBackend, adjust?: (c: VigilConfig) => void): () => TestApi {
  let api: TestApi | undefined;
  beforeEach(async () => {
    api = await createTestApi(backend, adjust);
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

/** Asserts an RFC 9457 problem: status, media type, URN type and a detail matching `detail`. */
export function expectProblem(
  res: Response,
  status: number,
  slug: string,
  detail?: RegExp,
): Record<string, unknown> {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json() as Record<string, unknown>;
  expect(body).toMatchObject({ type: `urn:vigil:problem:${slug}`, status });
  expect(typeof body['title']).toBe('string');
  expect(typeof body['detail']).toBe('string');
  expect(typeof body['request_id']).toBe('string');
  if (detail !== undefined) expect(body['detail']).toMatch(detail);
  return body;
}

export interface RegistrationBody {
  node_id: string;
  max_parallel: number;
  public_key?: string | null;
  endpoint?: string | null;
  agent_url?: string | null;
  operator?: string | null;
  topics?: string[];
}

export function register(api: TestApi, body: RegistrationBody, role: Role = 'operator'): Promise<Response> {
  return api.app.inject({ method: 'POST', url: '/nodes', headers: api.as(role), payload: body });
}

/** Registers nodes and fails the test unless each one is created. */
export async function registerAll(api: TestApi, ...bodies: RegistrationBody[]): Promise<void> {
  for (const body of bodies) {
    const res = await register(api, body);
    expect(res.statusCode, res.body).toBe(201);
  }
}

export function heartbeat(
  api: TestApi,
  nodeId: string,
  body: { busy_slots: number; queue_length: number; version?: string | null } = {
    busy_slots: 0,
    queue_length: 0,
  },
  role: Role = 'operator',
): Promise<Response> {
  return api.app.inject({
    method: 'POST',
    url: `/nodes/${encodeURIComponent(nodeId)}/heartbeat`,
    headers: api.as(role),
    payload: body,
  });
}

export interface OutcomeBody {
  job_id: string;
  node_id: string;
  topic: string;
  tenant_id?: string | null;
  status: 'success' | 'failure';
  started_at: string | number;
  finished_at: string | number;
}

export function postOutcomes(
  api: TestApi,
  body: OutcomeBody | OutcomeBody[],
  role: Role = 'operator',
): Promise<Response> {
  return api.app.inject({ method: 'POST', url: '/outcomes', headers: api.as(role), payload: body });
}

/** A GET with a read key (reads need one by default), another role's key, or none (`null`). */
export function get(api: TestApi, url: string, role: Role | null = 'read'): Promise<Response> {
  return api.app.inject({ method: 'GET', url, ...(role === null ? {} : { headers: api.as(role) }) });
}

export function collect(api: TestApi): Promise<Response> {
  return api.app.inject({ method: 'POST', url: '/sla/metrics/collect', headers: api.as('operator') });
}

/**
 * Lets minutes pass on the coordinator's clock: each minute the given nodes send one
 * heartbeat (so they are up in that minute's slice), then the clock moves on a minute.
 */
export async function liveMinutes(
  api: TestApi,
  minutes: number,
  nodes: readonly string[],
  status: (nodeId: string) => { busy_slots: number; queue_length: number } = () => ({
    busy_slots: 0,
    queue_length: 0,
  }),
): Promise<void> {
  for (let m = 0; m < minutes; m++) {
    const results = await Promise.all(nodes.map((id) => heartbeat(api, id, status(id))));
    for (const r of results) expect(r.statusCode, r.body).toBe(202);
    api.clock.now += MINUTE_MS;
  }
}

/** Reads a `Link: <…>; rel="next"` header; undefined when there is no next page. */
export function nextLink(res: Response): string | undefined {
  const link = res.headers['link'];
  if (typeof link !== 'string') return undefined;
  return /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
}

/** Waits for rows written after the response was sent (the audit log is written in onResponse). */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 2_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
