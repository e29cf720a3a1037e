import { beforeEach, expect, it } from 'vitest';
import { generateKeyPair, REQUEST_SIGNATURE_HEADERS, sha256Hex } from '../../../src/core/crypto/index.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { eventually, expectProblem, type Response } from '../api/support.ts';
import {
  countRows,
  endOf,
  MINUTE_MS,
  makeNodes,
  reportOf,
  type SignOptions,
  signatureHeaders,
  signedInject,
  startNetwork,
  type TestNode,
  targetsOf,
  tickAt,
  useEpochApi,
} from './support.ts';

const WINDOW_S = 300;

describeEachBackend('API: node-signed requests', (backend) => {
  const api = useEpochApi(backend);
  let nodes: TestNode[];
  let body: string;
  const url = '/epochs/0/reports';

  beforeEach(async () => {
    nodes = await startNetwork(api(), 3);
    await tickAt(api(), endOf(0) + MINUTE_MS);
    const monitor = nodes[0] as TestNode;
    body = JSON.stringify(reportOf(monitor, 0, await targetsOf(api(), 0, monitor.id)));
  });

  const send = (options: SignOptions = {}, node = nodes[0] as TestNode) =>
    signedInject(api(), node, url, { body, ...options });

  /** A refusal leaves nothing behind: no report, no remembered signature. */
  async function expectRefused(res: Response, slug: string, detail?: RegExp) {
    const problem = expectProblem(res, 401, slug, detail);
    expect(res.headers['www-authenticate']).toBe('Signature scheme="vigil-request-v1"');
    expect(await countRows(api(), 'monitor_reports')).toBe(0);
    expect(await countRows(api(), 'request_signatures')).toBe(0);
    return problem;
  }

  it('accepts a correctly signed request and acts for the signing node', async () => {
    const res = await send();
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ epoch: 0, monitor: nodes[0]?.id });
    expect(await countRows(api(), 'monitor_reports')).toBe(1);
  });

  it('audits an accepted report as the signing node’s', async () => {
    expect((await send()).statusCode).toBe(201);
    const rows = await eventually(
      () =>
        api().store.db.selectFrom('audit_log').select(['actor', 'role', 'route', 'status_code']).execute(),
      (r) => r.some((row) => row.route === '/epochs/:epoch/reports'),
    );
    expect(rows.filter((r) => r.route.startsWith('/epochs'))).toEqual([
      {
        actor: `node:${nodes[0]?.id}`,
        role: 'node-signed',
        route: '/epochs/:epoch/reports',
        status_code: 201,
      },
    ]);
  });

  it('refuses a request missing any signature header (signature-required)', async () => {
    for (const part of Object.keys(REQUEST_SIGNATURE_HEADERS) as Array<
      keyof typeof REQUEST_SIGNATURE_HEADERS
    >) {
      await expectRefused(
        await send({ omit: [part] }),
        'signature-required',
        new RegExp(`missing ${REQUEST_SIGNATURE_HEADERS[part]}`),
      );
    }
    // An API key, even an admin's, does not stand in for the node's signature.
    const keyed = await api().app.inject({
      method: 'POST',
      url,
      headers: { ...api().as('admin'), 'content-type': 'application/json' },
      payload: body,
    });
    await expectRefused(keyed, 'signature-required');
  });

  it('refuses malformed signature headers (signature-required)', async () => {
    const res = await api().app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        [REQUEST_SIGNATURE_HEADERS.keyId]: nodes[0]?.id ?? '',
        [REQUEST_SIGNATURE_HEADERS.timestampMs]: 'yesterday',
        [REQUEST_SIGNATURE_HEADERS.bodySha256]: sha256Hex(body),
        [REQUEST_SIGNATURE_HEADERS.signature]: 'x',
      },
      payload: body,
    });
    await expectRefused(res, 'signature-required', /UTC milliseconds/);
    const headers: Record<string, string> = {
      ...signatureHeaders(api(), nodes[0] as TestNode, url, { body }),
      'content-type': 'application/json',
      [REQUEST_SIGNATURE_HEADERS.bodySha256]: sha256Hex(body).toUpperCase(),
    };
    await expectRefused(
      await api().app.inject({ method: 'POST', url, headers, payload: body }),
      'signature-required',
      /64 lowercase hex/,
    );
  });

  it('refuses a key id that is not an active node with a public key (unknown-key)', async () => {
    const [stranger, keyless] = makeNodes(2, 'other');
    await expectRefused(await send({}, stranger), 'unknown-key', /not an active node/);

    const k = keyless as TestNode;
    const reg = await api().app.inject({
      method: 'POST',
      url: '/nodes',
      headers: api().as('operator'),
      payload: { node_id: k.id, max_parallel: 1 },
    });
    expect(reg.statusCode).toBe(201);
    await expectRefused(await send({}, k), 'unknown-key');

    const gone = nodes[1] as TestNode;
    const del = await api().app.inject({
      method: 'DELETE',
      url: `/nodes/${gone.id}`,
      headers: api().as('operator'),
    });
    expect(del.statusCode).toBe(200);
    await expectRefused(await send({}, gone), 'unknown-key');
  });

  it('refuses a timestamp outside the window, either way (stale-request)', async () => {
    const now = api().clock.now;
    await expectRefused(await send({ timestampMs: now - WINDOW_S * 1000 - 1 }), 'stale-request', /behind/);
    await expectRefused(await send({ timestampMs: now + WINDOW_S * 1000 + 1 }), 'stale-request', /ahead of/);
    // At the edge of the window it is still fresh.
    expect((await send({ timestampMs: now - WINDOW_S * 1000 })).statusCode).toBe(201);
  });

  it('refuses a body that is not the one signed (digest-mismatch)', async () => {
    const other = body.replace('"version":', '"version": ');
    await expectRefused(await send({ signedBodySha256: sha256Hex(other) }), 'digest-mismatch', /not the/);
  });

  it('refuses a signature that does not verify (bad-signature)', async () => {
    await expectRefused(await send({ signWith: generateKeyPair().privateKey }), 'bad-signature');
    await expectRefused(await send({ signedPath: '/epochs/1/reports' }), 'bad-signature');
    await expectRefused(await send({ method: 'POST', keyId: nodes[1]?.id }), 'bad-signature');
  });

  it('refuses the same signed request twice (replayed-request), storing the report once', async () => {
    const headers = {
      ...signatureHeaders(api(), nodes[0] as TestNode, url, { body }),
      'content-type': 'application/json',
    };
    const first = await api().app.inject({ method: 'POST', url, headers, payload: body });
    expect(first.statusCode, first.body).toBe(201);
    const replay = await api().app.inject({ method: 'POST', url, headers, payload: body });
    expectProblem(replay, 401, 'replayed-request', /signed again/);
    expect(await countRows(api(), 'monitor_reports')).toBe(1);
    expect(await countRows(api(), 'request_signatures')).toBe(1);
    // Signed afresh (a later timestamp), the same report is an idempotent resend.
    expect((await send()).statusCode).toBe(200);
  });

  it('counts refusals by reason in /metrics', async () => {
    await send({ omit: ['signature'] });
    await send({ signWith: generateKeyPair().privateKey });
    const text = (await api().app.inject({ method: 'GET', url: '/metrics', headers: api().as('read') })).body;
    expect(text).toMatch(/^vigil_signed_requests_refused_total\{reason="signature-required"\} 1$/m);
    expect(text).toMatch(/^vigil_signed_requests_refused_total\{reason="bad-signature"\} 1$/m);
  });
});

describeEachBackend('API: node-signed requests against a shorter window', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.auth.signed_request_window_s = 5;
  });

  it('uses auth.signed_request_window_s', async () => {
    const nodes = await startNetwork(api(), 2);
    await tickAt(api(), endOf(0) + MINUTE_MS);
    const node = nodes[0] as TestNode;
    const body = JSON.stringify(reportOf(node, 0, await targetsOf(api(), 0, node.id)));
    const res = await signedInject(api(), node, '/epochs/0/reports', {
      body,
      timestampMs: api().clock.now - 6_000,
    });
    expectProblem(res, 401, 'stale-request', /at most 5 s/);
  });
});
