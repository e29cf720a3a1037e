import createClient from 'openapi-fetch';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../../src/store/schema.ts';
import { backends } from '../../helpers/backends.ts';
import { bearer, listening, mediaTypeMatches, signedAs } from '../../helpers/openapi-client.ts';
import { makeNodes, registerNode, type TestNode } from '../epochs/support.ts';
import type { components, paths } from './openapi-schema.gen.ts';
import { useApi } from './support.ts';

// A client generated from /openapi.json (openapi-typescript types, checked by
// openapi-types.test.ts, and openapi-fetch) must be able to call every operation with the
// credentials the document names, and read every answer, errors included, as the document
// says it is sent.

type Problem = components['schemas']['Problem'];

interface Operation {
  parameters?: Array<{ name: string; in: string; schema?: { type?: string } }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, unknown> }>;
  'x-vigil-access': 'public' | 'read' | 'node-signed' | Role[];
}

// One backend is enough: what is checked is the description, not the store.
describe('a client generated from /openapi.json', () => {
  const api = useApi(backends[0]!);
  let baseUrl: string;
  let node: TestNode;
  beforeEach(async () => {
    baseUrl = await listening(api());
    [node] = makeNodes(1, 'client') as [TestNode];
    await registerNode(api(), node);
  });

  it('calls a public route, a read with a key, an admin write and reads a problem as problem+json', async () => {
    const client = createClient<paths>({ baseUrl });
    const health = await client.GET('/healthz');
    expect(health.data?.status).toBe('ok');

    const reader = createClient<paths>({ baseUrl });
    reader.use(bearer(api(), 'read'));
    const nodes = await reader.GET('/nodes', { params: { query: { limit: 10 } } });
    expect(nodes.response.status).toBe(200);
    expect(nodes.data?.nodes.map((n) => n.node_id)).toEqual([node.id]);

    const admin = createClient<paths>({ baseUrl });
    admin.use(bearer(api(), 'admin'));
    const created = await admin.POST('/nodes', { body: { node_id: 'client-new', max_parallel: 2 } });
    expect(created.response.status).toBe(201);
    expect(created.data?.node_id).toBe('client-new');

    // An error, typed as the document's Problem and sent under the media type it declares.
    const missing = await reader.GET('/nodes/{node_id}', { params: { path: { node_id: 'nobody' } } });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem: Problem | undefined = missing.error;
    expect(problem).toMatchObject({ status: 404, type: 'urn:vigil:problem:not-found' });

    // No key where one is needed: a 401 problem the client can read the same way.
    const anonymous = await client.GET('/nodes/{node_id}', { params: { path: { node_id: node.id } } });
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error?.type).toBe('urn:vigil:problem:unauthorized');

    // /metrics is text, as declared, not JSON.
    const metrics = await reader.GET('/metrics', { parseAs: 'text' });
    expect(metrics.response.status).toBe(200);
    expect(
      mediaTypeMatches('text/plain; version=0.0.4', metrics.response.headers.get('content-type') ?? ''),
    ).toBe(true);
    expect(metrics.data).toMatch(/^# HELP /m);
  });

  it('calls every operation with the credentials it declares and reads every answer as declared', async () => {
    const res = await api().app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json() as { paths: Record<string, Record<string, Operation>> };
    const seen: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const what = `${method.toUpperCase()} ${path}`;
        const client = createClient<Record<string, Record<string, unknown>>>({ baseUrl });
        const access = operation['x-vigil-access'];
        if (access === 'read') client.use(bearer(api(), 'read'));
        else if (access === 'node-signed') client.use(signedAs(api(), node));
        else if (access !== 'public') client.use(bearer(api(), 'admin'));
        // The signing node only where it signs: a DELETE /nodes/{node_id} must not remove it.
        const value = (name: string, type?: string) =>
          name === 'node_id' && access === 'node-signed' ? node.id : type === 'integer' ? 0 : 'x1';
        const pathParams = Object.fromEntries(
          (operation.parameters ?? [])
            .filter((p) => p.in === 'path')
            .map((p) => [p.name, value(p.name, p.schema?.type)]),
        );
        const answer = await client.request(
          method as 'get',
          path as never,
          {
            params: { path: pathParams },
            ...(operation.requestBody === undefined ? {} : { body: {} }),
            parseAs: 'text',
          } as never,
        );
        const status = answer.response.status;
        seen.push(`${what} ${status}`);
        // The right credentials are never refused as credentials.
        expect(status, `${what}: ${JSON.stringify(answer.error)}`).not.toBe(401);
        const declared = operation.responses[String(status)];
        expect(declared, `${what} answered ${status}, which it does not declare`).toBeDefined();
        const sent = answer.response.headers.get('content-type') ?? '';
        const mediaTypes = Object.keys(declared?.content ?? {});
        if (mediaTypes.length === 0)
          expect(sent, `${what} ${status} sent a body it does not declare`).toBe('');
        else {
          expect(
            mediaTypes.some((m) => mediaTypeMatches(m, sent)),
            `${what} ${status} sent ${sent}, declared ${mediaTypes.join(', ')}`,
          ).toBe(true);
        }
        if (mediaTypes.some((m) => m.endsWith('json'))) {
          const body = status >= 400 ? answer.error : JSON.parse(String(answer.data));
          expect(typeof body, `${what} ${status}`).toBe('object');
          if (status >= 400) expect((body as Problem).status, what).toBe(status);
        }
      }
    }
    expect(seen.length).toBe(69);
  });
});
