import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, heartbeat, registerAll, useApi } from './support.ts';

/** One test per class of bad input: each is a 4xx problem a person can act on, never a 500. */
describeEachBackend('API: bad input', (backend) => {
  const api = useApi(backend, (c) => {
    c.api.body_limit_bytes = 2048;
  });
  const send = (method: 'POST' | 'PATCH', url: string, payload: string, contentType = 'application/json') =>
    api().app.inject({
      method,
      url,
      payload,
      headers: { ...api().as('admin'), 'content-type': contentType },
    });
  const nodeStatus = async (id: string) =>
    ((await get(api(), `/nodes/${id}`)).json() as { status: { busy_slots: number | null } }).status;

  it('malformed JSON is 400 malformed-json', async () => {
    const res = await send('POST', '/nodes', '{"node_id": "n1", "max_parallel": 4');
    expectProblem(res, 400, 'malformed-json', /JSON/);
    expectProblem(await get(api(), '/nodes/n1'), 404, 'not-found');
  });

  it('a JSON body with a __proto__ key is refused with 400, not a 500', async () => {
    const res = await send('POST', '/nodes', '{"node_id": "n1", "max_parallel": 4, "__proto__": {"x": 1}}');
    expectProblem(res, 400, 'malformed-json', /not valid JSON/);
  });

  it('an empty JSON body is 400', async () => {
    expectProblem(await send('POST', '/nodes', ''), 400, 'malformed-json', /empty/i);
  });

  it('wrong types are 400 and are not coerced: "3" is not an integer', async () => {
    const reg = await send('POST', '/nodes', JSON.stringify({ node_id: 'n1', max_parallel: '4' }));
    const problem = expectProblem(reg, 400, 'invalid-request', /^body\.max_parallel must be integer$/);
    expect(problem['errors']).toEqual([{ location: 'body.max_parallel', message: 'must be integer' }]);
    expectProblem(await get(api(), '/nodes/n1'), 404, 'not-found');

    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    const beat = await send(
      'POST',
      '/nodes/n1/heartbeat',
      JSON.stringify({ busy_slots: '3', queue_length: 0 }),
    );
    expectProblem(beat, 400, 'invalid-request', /body\.busy_slots must be integer/);
    const flag = await send(
      'POST',
      '/nodes/n1/heartbeat',
      JSON.stringify({ busy_slots: true, queue_length: 0 }),
    );
    expectProblem(flag, 400, 'invalid-request', /body\.busy_slots must be integer/);
    const fraction = await send(
      'POST',
      '/nodes/n1/heartbeat',
      JSON.stringify({ busy_slots: 1.5, queue_length: 0 }),
    );
    expectProblem(fraction, 400, 'invalid-request', /body\.busy_slots must be integer/);
    expect((await nodeStatus('n1')).busy_slots).toBeNull();
  });

  it('a body that is not an object is 400', async () => {
    expectProblem(await send('POST', '/nodes', '[1, 2]'), 400, 'invalid-request', /body must be object/);
    expectProblem(await send('POST', '/nodes', '"n1"'), 400, 'invalid-request', /body/);
  });

  it('missing required fields are 400 naming them', async () => {
    const res = await send('POST', '/nodes', JSON.stringify({ node_id: 'n1' }));
    expectProblem(res, 400, 'invalid-request', /^body is missing the required field "max_parallel"$/);
  });

  it('unknown fields are 400 naming the field, not silently dropped', async () => {
    const reg = await send(
      'POST',
      '/nodes',
      JSON.stringify({ node_id: 'n1', max_parallel: 4, miner_id: 'n1' }),
    );
    expectProblem(reg, 400, 'invalid-request', /^body has an unknown field "miner_id"$/);
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    const beat = await send(
      'POST',
      '/nodes/n1/heartbeat',
      JSON.stringify({ busy_slots: 1, queue_length: 0, cpu: 0.5 }),
    );
    expectProblem(beat, 400, 'invalid-request', /body has an unknown field "cpu"/);
    const patch = await send('PATCH', '/nodes/n1', JSON.stringify({ state: 'deleted' }));
    expectProblem(patch, 400, 'invalid-request', /unknown field "state"/);
    const query = await get(api(), '/nodes?sort=desc');
    expectProblem(query, 400, 'invalid-request', /querystring has an unknown field "sort"/);
  });

  it('out-of-range numbers are 400 naming the bound', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    const negative = await send(
      'POST',
      '/nodes/n1/heartbeat',
      JSON.stringify({ busy_slots: -1, queue_length: 0 }),
    );
    expectProblem(negative, 400, 'invalid-request', /^body\.busy_slots must be >= 0$/);
    const zero = await send('POST', '/nodes', JSON.stringify({ node_id: 'n2', max_parallel: 0 }));
    expectProblem(zero, 400, 'invalid-request', /^body\.max_parallel must be >= 1$/);
    const huge = await send('PATCH', '/nodes/n1', JSON.stringify({ max_parallel: 1e9 }));
    expectProblem(huge, 400, 'invalid-request', /body\.max_parallel must be <= 100000/);
    expect((await nodeStatus('n1')).busy_slots).toBeNull();
  });

  it('other invalid values are 400: an endpoint that is not an http URL, an unknown status', async () => {
    const ftp = await send(
      'POST',
      '/nodes',
      JSON.stringify({ node_id: 'n1', max_parallel: 1, endpoint: 'ftp://x/y' }),
    );
    expectProblem(ftp, 400, 'invalid-request', /endpoint must be an http or https URL, not ftp:/);
    const notUrl = await send(
      'POST',
      '/nodes',
      JSON.stringify({ node_id: 'n1', max_parallel: 1, endpoint: 'here' }),
    );
    expectProblem(notUrl, 400, 'invalid-request', /endpoint "here" is not a URL/);
    const status = await send(
      'POST',
      '/outcomes',
      JSON.stringify({
        job_id: 'j',
        node_id: 'n1',
        topic: 't',
        status: 'done',
        started_at: 0,
        finished_at: 1,
      }),
    );
    expectProblem(status, 400, 'invalid-request', /status/);
  });

  it('a node id outside the allowed pattern is 400, in a body and in a path', async () => {
    for (const node_id of ['has space', '-leading-dash', 'a/b', '', 'x'.repeat(129)]) {
      const res = await send('POST', '/nodes', JSON.stringify({ node_id, max_parallel: 1 }));
      expectProblem(res, 400, 'invalid-request', /^body\.node_id must match pattern/);
    }
    expectProblem(
      await get(api(), '/nodes/bad%20id'),
      400,
      'invalid-request',
      /^params\.node_id must match pattern/,
    );
    expectProblem(
      await heartbeat(api(), 'bad id!'),
      400,
      'invalid-request',
      /params\.node_id must match pattern/,
    );
    expectProblem(await get(api(), '/sla/metrics/%24x'), 400, 'invalid-request', /params\.node_id/);
  });

  it('bad query values are 400 naming the parameter', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/sla/metrics?hours=0', /^querystring\.hours must be >= 1$/],
      ['/sla/metrics?hours=abc', /^querystring\.hours must be integer$/],
      ['/sla/metrics?hours=1.5', /^querystring\.hours must be integer$/],
      ['/sla/metrics/n1?hours=-3', /^querystring\.hours must be >= 1$/],
      ['/sla/capacity/snapshots?hours=100000', /^querystring\.hours must be <= 9600$/],
      ['/sla/metrics?limit=100000', /^querystring\.limit must be <= 10000$/],
      ['/nodes?limit=1001', /^querystring\.limit must be <= 1000$/],
      ['/nodes?limit=0', /^querystring\.limit must be >= 1$/],
      ['/nodes?live=maybe', /querystring\.live must be boolean/],
      ['/nodes?state=gone', /querystring\.state/],
      ['/sla/violations?resolved=yes', /querystring\.resolved must be boolean/],
      ['/sla/violations?severity=low', /querystring\.severity/],
      ['/sla/metrics?metric_type=uptime', /querystring\.metric_type/],
    ];
    for (const [url, detail] of cases) expectProblem(await get(api(), url), 400, 'invalid-request', detail);
  });

  it('an oversized body is 413 payload-too-large', async () => {
    const body = JSON.stringify({ node_id: 'n1', max_parallel: 1, public_key: 'k'.repeat(4_000) });
    expectProblem(
      await send('POST', '/nodes', body),
      413,
      'payload-too-large',
      /larger than this coordinator accepts \(2048 bytes, api.body_limit_bytes\)/,
    );
    expectProblem(await get(api(), '/nodes/n1'), 404, 'not-found');
  });

  it('a body that is not JSON is 415 unsupported-media-type', async () => {
    const res = await send(
      'POST',
      '/nodes',
      'node_id=n1&max_parallel=1',
      'application/x-www-form-urlencoded',
    );
    expectProblem(res, 415, 'unsupported-media-type', /send application\/json/);
    const xml = await send('POST', '/nodes/n1/heartbeat', '<busy_slots>1</busy_slots>', 'application/xml');
    expectProblem(xml, 415, 'unsupported-media-type', /send application\/json/);
  });

  it('a text/plain body is 415 too, not parsed as a string and then refused by the schema', async () => {
    const text = await send('POST', '/outcomes', 'job-1 success', 'text/plain');
    expectProblem(text, 415, 'unsupported-media-type', /send application\/json/);
  });

  it('an unknown route is a 404 problem pointing at /openapi.json', async () => {
    expectProblem(
      await get(api(), '/miners?x=1'),
      404,
      'not-found',
      /^no route GET \/miners; see \/openapi\.json$/,
    );
    const post = await api().app.inject({
      method: 'POST',
      url: '/sla/billing/sync',
      headers: api().as('admin'),
    });
    expectProblem(post, 404, 'not-found', /no route POST \/sla\/billing\/sync/);
  });

  it('a method the route does not have is a 4xx problem', async () => {
    const res = await api().app.inject({
      method: 'PUT',
      url: '/nodes',
      headers: api().as('admin'),
      payload: {},
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
