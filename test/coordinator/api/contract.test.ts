import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, get, liveMinutes, postOutcomes, registerAll, useApi } from './support.ts';

interface Operation {
  summary?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

/** Every route the coordinator serves, as OpenAPI writes it. */
const ROUTES: Array<[method: string, path: string]> = [
  ['get', '/topics'],
  ['get', '/topics/{name}'],
  ['post', '/topics'],
  ['post', '/jobs'],
  ['get', '/jobs'],
  ['get', '/jobs/{job_id}'],
  ['get', '/jobs/{job_id}/attempts'],
  ['post', '/jobs/{job_id}/cancel'],
  ['post', '/topics/{topic}/claim'],
  ['post', '/leases/extend'],
  ['post', '/results'],
  ['post', '/workers/sync'],
  ['get', '/pools'],
  ['post', '/pools'],
  ['get', '/pools/{pool}'],
  ['post', '/pools/{pool}/workers'],
  ['patch', '/pools/{pool}/workers/{worker_id}'],
  ['delete', '/pools/{pool}/workers/{worker_id}'],
  ['post', '/pools/{pool}/workers/{worker_id}/enable'],
  ['post', '/pools/{pool}/workers/{worker_id}/disable'],
  ['post', '/pools/{pool}/workers/{worker_id}/restart'],
  ['get', '/workers/{worker_id}'],
  ['get', '/workers/{worker_id}/states'],
  ['get', '/nodes/{node_id}/states'],
  ['post', '/topics/{topic}/verifications/claim'],
  ['post', '/verdicts'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/metrics'],
  ['post', '/nodes'],
  ['get', '/nodes'],
  ['get', '/nodes/{node_id}'],
  ['patch', '/nodes/{node_id}'],
  ['delete', '/nodes/{node_id}'],
  ['post', '/nodes/{node_id}/heartbeat'],
  ['post', '/outcomes'],
  ['get', '/sla/metrics/{node_id}'],
  ['get', '/sla/metrics'],
  ['get', '/sla/violations'],
  ['post', '/sla/metrics/collect'],
  ['get', '/sla/capacity/snapshots'],
  ['get', '/sla/capacity/forecast'],
  ['get', '/sla/capacity/recommendations'],
  ['get', '/sla/capacity/alerts/configure'],
  ['post', '/sla/capacity/alerts/configure'],
  ['get', '/sla/capacity/alerts'],
  ['get', '/sla/status'],
  ['get', '/epochs/current'],
  ['get', '/epochs/{epoch}'],
  ['get', '/epochs/{epoch}/assignments'],
  ['post', '/epochs/{epoch}/reports'],
  ['get', '/epochs/{epoch}/reports'],
  ['post', '/epochs/{epoch}/interim'],
  ['get', '/epochs/{epoch}/settlement'],
  ['get', '/coordinator/identity'],
  ['post', '/auth/session'],
  ['get', '/auth/session'],
  ['delete', '/auth/session'],
  ['get', '/auth/sign-in'],
  ['get', '/sla/evidence/{node_id}'],
  ['get', '/fleet/summary'],
  ['get', '/series'],
  ['get', '/search/nodes'],
  ['get', '/nodes/{node_id}/epochs'],
  ['get', '/config'],
  ['get', '/autoscaler/targets'],
  ['get', '/autoscaler/targets/{name}'],
  ['patch', '/autoscaler/targets/{name}'],
  ['get', '/autoscaler/decisions'],
];

const bodySchema = (op: Operation | undefined) => op?.requestBody?.content['application/json']?.schema;
const paramNames = (op: Operation | undefined, where: string) =>
  (op?.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);

describeEachBackend('API: contract', (backend) => {
  const api = useApi(backend, (c) => {
    c.sla.slice_s = 60;
    c.sla.uptime_window_s = 3_600;
  });
  const spec = async () => {
    const res = await get(api(), '/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.json() as OpenApi;
  };

  it('describes the API as OpenAPI 3.1 with every route and a summary for each', async () => {
    const doc = await spec();
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toMatch(/Vigil/);
    expect(doc.components?.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components?.securitySchemes?.['nodeSignature']).toMatchObject({
      type: 'apiKey',
      in: 'header',
    });
    const listed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    for (const [method, path] of ROUTES) {
      const op = doc.paths[path]?.[method];
      expect(op?.summary, `${method} ${path}`).toMatch(/\w/);
      expect(Object.keys(op?.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it('carries each route’s request schema: bodies, path parameters and query strings', async () => {
    const doc = await spec();
    const registration = bodySchema(doc.paths['/nodes']?.['post']);
    expect(registration).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['node_id', 'max_parallel']),
    });
    expect(Object.keys((registration?.['properties'] ?? {}) as object).sort()).toEqual(
      ['agent_url', 'endpoint', 'max_parallel', 'node_id', 'operator', 'public_key', 'topics'].sort(),
    );
    const beat = bodySchema(doc.paths['/nodes/{node_id}/heartbeat']?.['post']);
    expect(beat).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['busy_slots', 'queue_length'],
    });
    expect(bodySchema(doc.paths['/nodes/{node_id}']?.['patch'])).toMatchObject({ minProperties: 1 });
    const outcomes = bodySchema(doc.paths['/outcomes']?.['post']);
    expect(JSON.stringify(outcomes)).toContain('"maxItems":1000');
    expect(JSON.stringify(outcomes)).toContain('job_id');

    for (const path of ['/nodes/{node_id}', '/nodes/{node_id}/heartbeat', '/sla/metrics/{node_id}']) {
      for (const [method, op] of Object.entries(doc.paths[path] ?? {})) {
        expect(paramNames(op, 'path'), `${method} ${path}`).toEqual(['node_id']);
      }
    }
    expect(paramNames(doc.paths['/nodes']?.['get'], 'query').sort()).toEqual(
      ['cursor', 'limit', 'live', 'operator', 'state', 'topic'].sort(),
    );
    expect(paramNames(doc.paths['/sla/metrics']?.['get'], 'query')).toEqual(
      expect.arrayContaining(['hours', 'limit', 'cursor', 'metric_type', 'node_id']),
    );
    expect(paramNames(doc.paths['/sla/violations']?.['get'], 'query')).toEqual(
      expect.arrayContaining(['resolved', 'node_id', 'limit', 'cursor']),
    );
    expect(paramNames(doc.paths['/sla/capacity/snapshots']?.['get'], 'query')).toContain('hours');
    const hours = doc.paths['/sla/metrics']?.['get']?.parameters?.find((p) => p.name === 'hours');
    expect(hours?.schema).toMatchObject({ type: 'integer', minimum: 1, default: 24 });
  });

  it('names what each operation needs: public, any key, a node signature, or roles', async () => {
    const doc = await spec();
    const access = (method: string, path: string) => {
      const op = doc.paths[path]?.[method] as (Operation & Record<string, unknown>) | undefined;
      return { x: op?.['x-vigil-access'], security: op?.['security'] };
    };
    for (const [method, path] of ROUTES) {
      expect(access(method, path).x, `${method} ${path}`).toBeDefined();
    }
    expect(access('get', '/healthz')).toEqual({ x: 'public', security: [] });
    expect(access('get', '/epochs/{epoch}/settlement')).toEqual({ x: 'public', security: [] });
    expect(access('get', '/nodes')).toEqual({ x: 'read', security: [{ bearer: [] }] });
    expect(access('get', '/metrics')).toEqual({
      x: ['read', 'operator', 'admin'],
      security: [{ bearer: [] }],
    });
    expect(access('post', '/nodes')).toEqual({
      x: ['operator', 'node', 'admin'],
      security: [{ bearer: [] }],
    });
    // All four signature headers, in one requirement: OpenAPI reads them as "and".
    const signed = [{ nodeKeyId: [], nodeTimestamp: [], nodeContentSha256: [], nodeSignature: [] }];
    expect(access('post', '/epochs/{epoch}/reports')).toEqual({ x: 'node-signed', security: signed });
    expect(access('post', '/workers/sync')).toEqual({ x: 'node-signed', security: signed });
    for (const [scheme, header] of [
      ['nodeKeyId', 'x-vigil-key-id'],
      ['nodeTimestamp', 'x-vigil-timestamp-ms'],
      ['nodeContentSha256', 'x-vigil-content-sha256'],
      ['nodeSignature', 'x-vigil-signature'],
    ] as const) {
      expect(doc.components?.securitySchemes?.[scheme]).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: header,
      });
    }
  });

  it('has no document-wide security, and says each operation’s roles in its description too', async () => {
    const doc = (await spec()) as OpenApi & { security?: unknown };
    expect(doc.security).toBeUndefined();
    const op = (method: string, path: string) =>
      doc.paths[path]?.[method] as (Operation & { description?: string }) | undefined;
    expect(op('post', '/jobs')?.description).toMatch(/role tenant or operator or admin/);
    expect(op('get', '/healthz')?.description).toMatch(/public/);
    expect(op('post', '/results')?.description).toMatch(/node-signed/);
  });

  it('gives signed reports and topics closed body schemas', async () => {
    const doc = await spec();
    const report = bodySchema(doc.paths['/epochs/{epoch}/reports']?.['post']);
    expect(report).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['report', 'signature'],
    });
    const inner = ((report?.['properties'] ?? {}) as Record<string, Record<string, unknown>>)['report'];
    expect(inner).toMatchObject({ additionalProperties: false });
    expect(JSON.stringify(inner)).toContain('latency_sketch');
    const topic = bodySchema(doc.paths['/topics']?.['post']);
    expect(topic).toMatchObject({ type: 'object', additionalProperties: false, required: ['name'] });
    expect(Object.keys((topic?.['properties'] ?? {}) as object)).toEqual(
      expect.arrayContaining(['name', 'adapter', 'timeout_ms', 'backoff', 'verification', 'price_per_unit']),
    );
  });

  it('describes responses, problems included', async () => {
    const doc = await spec();
    const created = doc.paths['/nodes']?.['post']?.responses['201']?.content?.['application/json']?.schema;
    expect(Object.keys((created?.['properties'] ?? {}) as object)).toEqual(
      expect.arrayContaining(['node_id', 'state', 'status', 'deleted_at']),
    );
    const summary =
      doc.paths['/sla/metrics/collect']?.['post']?.responses['200']?.content?.['application/json']?.schema;
    expect(Object.keys((summary?.['properties'] ?? {}) as object)).toEqual(
      expect.arrayContaining(['nodes_processed', 'metrics_collected', 'violations_detected', 'capacity']),
    );
    // Errors are declared as what is sent: one Problem schema under application/problem+json.
    const problem = (doc.components as { schemas?: Record<string, Record<string, unknown>> }).schemas?.[
      'Problem'
    ];
    expect(Object.keys((problem?.['properties'] ?? {}) as object)).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail']),
    );
    for (const [method, path] of ROUTES) {
      const responses = doc.paths[path]?.[method]?.responses ?? {};
      const errors = Object.entries(responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(response.content, `${method} ${path} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
    }
    expect(doc.paths['/outcomes']?.['post']?.responses['422']).toBeDefined();
    for (const method of ['get', 'patch', 'delete']) {
      expect(doc.paths['/nodes/{node_id}']?.[method]?.responses['404'], method).toBeDefined();
    }
    expect(doc.paths['/readyz']?.['get']?.responses['503']).toBeDefined();
    expect(Object.keys(doc.paths['/metrics']?.['get']?.responses['200']?.content ?? {})).toEqual([
      'text/plain; version=0.0.4',
    ]);
  });

  it('serves a browsable page at /docs that loads the same description', async () => {
    const page = await get(api(), '/docs');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger-ui/i);
    const json = await get(api(), '/docs/json');
    expect(json.statusCode).toBe(200);
    expect((json.json() as OpenApi).paths).toEqual((await spec()).paths);
  });

  it('exposes the SLA and HTTP metrics in Prometheus format after a collection', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    await liveMinutes(api(), 30, ['n1'], () => ({ busy_slots: 4, queue_length: 2 }));
    const t = api().clock.now;
    const jobs = Array.from({ length: 4 }, (_, i) => ({
      job_id: `j${i}`,
      node_id: 'n1',
      topic: 't',
      status: i === 0 ? 'failure' : 'success',
      started_at: t - 5_000,
      finished_at: t - 2_500,
    })) as Parameters<typeof postOutcomes>[1];
    expect((await postOutcomes(api(), jobs)).statusCode).toBe(200);
    expect((await collect(api())).statusCode).toBe(200);

    const res = await get(api(), '/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(/^vigil_sla_uptime_pct\{node_id="n1"\} 100$/m);
    expect(text).toMatch(/^vigil_sla_response_time_seconds\{node_id="n1"\} 2.5$/m);
    expect(text).toMatch(/^vigil_sla_completion_rate_pct\{node_id="n1"\} 75$/m);
    expect(text).toMatch(/^vigil_sla_capacity_availability_pct 0$/m);
    expect(text).toMatch(/^vigil_sla_violations_total\{metric="response_time_ms",severity="critical"\} 1$/m);
    expect(text).toMatch(
      /^vigil_sla_violations_total\{metric="completion_rate_pct",severity="critical"\} 1$/m,
    );
    expect(text).toMatch(
      /^vigil_sla_violations_total\{metric="capacity_availability_pct",severity="high"\} 1$/m,
    );
    expect(text).toMatch(/^vigil_sla_open_violations\{metric="response_time_ms",severity="critical"\} 1$/m);
    expect(text).toMatch(/^vigil_sla_collection_duration_seconds_count 1$/m);
    expect(text).toMatch(/^# TYPE vigil_http_request_duration_seconds histogram$/m);
    expect(text).toMatch(
      /^vigil_http_request_duration_seconds_count\{method="POST",route="\/nodes\/:node_id\/heartbeat",status_code="202"\} 30$/m,
    );
    expect(text).toMatch(/^vigil_outcomes_total\{result="accepted"\} 4$/m);
  });
});
