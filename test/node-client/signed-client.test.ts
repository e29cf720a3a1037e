import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentCalls } from '../../src/agent/coordinator-calls.ts';
import {
  exportPublicKey,
  generateKeyPair,
  REQUEST_SIGNATURE_HEADERS as H,
  publicKeyOf,
  sha256Hex,
  verifyRequest,
} from '../../src/core/crypto/index.ts';
import { CallAbortedError, CoordinatorError } from '../../src/node-client/errors.ts';
import { createSignedClient, type SignedClientOptions } from '../../src/node-client/signed-client.ts';
import { bodyOf, closedPort, type LocalServer, sendJson, sendProblem, serve } from '../helpers/http.ts';

describe('signed coordinator client', () => {
  const { privateKey } = generateKeyPair();
  const publicKey = exportPublicKey(publicKeyOf(privateKey));
  let server: LocalServer;
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
  let connections = 0;

  beforeAll(async () => {
    server = await serve(async (req, res) => {
      const body = await bodyOf(req);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const answers: Record<string, () => void> = {
        '/epochs/1/reports': () =>
          sendJson(res, 201, { epoch: 1, monitor: 'n1', digest: 'd', received_at: 'x' }),
        '/epochs/2/reports': () =>
          sendProblem(res, 409, 'report-window-not-open', 'not yet', { 'retry-after': '7' }),
        '/epochs/3/reports': () => sendProblem(res, 409, 'report-conflict', 'a different report'),
        '/epochs/4/reports': () => sendProblem(res, 400, 'malformed-report', 'bad'),
        '/epochs/5/reports': () => sendProblem(res, 403, 'not-assigned', 'nobody'),
        '/epochs/6/reports': () => sendProblem(res, 503, 'unavailable', 'busy'),
        '/epochs/7/reports': () => sendProblem(res, 429, 'too-many-requests', 'slow down'),
        '/epochs/8/reports': () => sendProblem(res, 401, 'stale-request', 'clock'),
        '/epochs/9/interim': () => {}, // never answers
        '/slow': () => setTimeout(() => sendJson(res, 200, { slow: true }), 400),
        '/text': () => res.writeHead(200, { 'content-type': 'text/plain' }).end('{"not":"json"}'),
        '/nodes': () => sendJson(res, 201, {}),
      };
      (answers[req.url!.split('?')[0]!] ?? (() => sendJson(res, 200, { epoch: 1 })))();
    });
    server.server.on('connection', () => connections++);
  });
  const clients: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const c of clients) await c.close();
    await server.close();
  });
  const client = (extra: Partial<SignedClientOptions> = {}) => {
    const c = createSignedClient({
      baseUrl: `${server.url}/`,
      nodeId: 'n1',
      privateKey,
      requestTimeoutMs: 300,
      ...extra,
    });
    clients.push(c);
    return c;
  };

  it('signs node requests over method, path and query as sent, the exact body bytes and the time', async () => {
    const body = '{"report":{"x":"é"}}';
    const answer = await createAgentCalls(client()).sendReport(1, body);
    expect(answer.status).toBe(201);
    const request = seen.find((s) => s.url === '/epochs/1/reports')!;
    expect(request.body).toBe(body);
    expect(request.headers[H.keyId]).toBe('n1');
    expect(request.headers[H.bodySha256]).toBe(sha256Hex(body));
    const signed = {
      method: 'POST',
      path: '/epochs/1/reports',
      bodySha256: sha256Hex(body),
      timestampMs: Number(request.headers[H.timestampMs]),
      keyId: 'n1',
    };
    expect(verifyRequest(signed, request.headers[H.signature] as string, publicKey)).toBe(true);

    await createAgentCalls(client()).assignment(1, 'n 1');
    expect(seen.at(-1)!.url).toBe('/epochs/1/assignments?monitor=n%201');
    expect(seen.at(-1)!.headers[H.signature]).toBeUndefined();
  });

  it('gives every signed call a later timestamp than the last, so identical calls never repeat a signature', async () => {
    const c = client({ now: () => 1_000 });
    await Promise.all([c.post('/same', '{}'), c.post('/same', '{}'), c.post('/same', '{}')]);
    const calls = seen.filter((s) => s.url === '/same');
    const stamps = calls.map((s) => Number(s.headers[H.timestampMs])).sort();
    expect(stamps).toEqual([1_000, 1_001, 1_002]);
    expect(new Set(calls.map((s) => s.headers[H.signature])).size).toBe(3);
  });

  it('registers with an API key as a bearer token, unsigned', async () => {
    const answer = await client().postWithApiKey('/nodes', 'secret', '{"node_id":"n1"}');
    expect(answer.status).toBe(201);
    const request = seen.find((s) => s.url === '/nodes')!;
    expect(request.headers['authorization']).toBe('Bearer secret');
    expect(request.headers[H.signature]).toBeUndefined();
    expect(request.body).toBe('{"node_id":"n1"}');
  });

  it('reads JSON only when the answer says it is JSON', async () => {
    expect((await client().get('/text')).body).toBe('{"not":"json"}');
    expect((await client().get('/other')).body).toEqual({ epoch: 1 });
  });

  it('turns problems into typed errors that say whether trying again can help', async () => {
    const errorOf = async (n: number) => {
      try {
        await createAgentCalls(client()).sendReport(n, '{}');
      } catch (error) {
        return error as CoordinatorError;
      }
      throw new Error('no error');
    };
    expect(await errorOf(2)).toMatchObject({
      status: 409,
      slug: 'report-window-not-open',
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(await errorOf(3)).toMatchObject({
      status: 409,
      type: 'urn:vigil:problem:report-conflict',
      slug: 'report-conflict',
      retryable: false,
    });
    expect(await errorOf(4)).toMatchObject({ status: 400, retryable: false });
    expect(await errorOf(5)).toMatchObject({ status: 403, retryable: false });
    expect(await errorOf(6)).toMatchObject({ status: 503, retryable: true });
    expect(await errorOf(7)).toMatchObject({ status: 429, retryable: true });
    expect(await errorOf(8)).toMatchObject({ status: 401, slug: 'stale-request', retryable: true });
    expect((await errorOf(3)).message).toMatch(/answered 409: a different report/);

    const timeout = await createAgentCalls(client())
      .sendInterim(9, '{}')
      .catch((e: CoordinatorError) => e);
    expect(timeout).toBeInstanceOf(CoordinatorError);
    expect(timeout).toMatchObject({
      status: null,
      retryable: true,
      message: expect.stringMatching(/no answer within 300 ms/),
    });

    const port = await closedPort();
    const refused = await createAgentCalls(client({ baseUrl: `http://127.0.0.1:${port}` }))
      .currentEpoch()
      .catch((e: CoordinatorError) => e);
    expect(refused).toMatchObject({
      status: null,
      retryable: true,
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('replaces its connection pool after a timeout, once, and tells why', async () => {
    const reasons: string[] = [];
    const c = client({ onReconnect: (reason) => reasons.push(reason) });
    await c.get('/warm');
    const before = connections;
    const stalled = [c.post('/epochs/9/interim', '{}'), c.post('/epochs/9/interim', '{}')];
    await Promise.allSettled(stalled);
    expect(c.reconnects).toBe(1);
    expect(reasons).toEqual([expect.stringMatching(/^POST \/epochs\/9\/interim: no answer within 300 ms/)]);
    await c.get('/after');
    expect(connections).toBeGreaterThan(before);
  });

  it('gives a long poll its wait on top of the limit', async () => {
    const c = client();
    await expect(c.get('/slow')).rejects.toThrow(/no answer within 300 ms/);
    await expect(c.get('/slow', { waitMs: 500 })).resolves.toMatchObject({ body: { slow: true } });
  });

  it('fails a call its caller gave up on, and every call once closed, with CallAbortedError', async () => {
    const c = client();
    const giveUp = new AbortController();
    const pending = c.post('/epochs/9/interim', '{}', { signal: giveUp.signal }).catch((e: Error) => e);
    giveUp.abort(new Error('draining'));
    expect(await pending).toBeInstanceOf(CallAbortedError);
    expect(c.reconnects).toBe(0);

    const inFlight = c.post('/epochs/9/interim', '{}').catch((e: Error) => e);
    await c.close();
    expect(await inFlight).toBeInstanceOf(CallAbortedError);
    await expect(c.get('/other')).rejects.toThrow(/the client is closed/);
  });
});
