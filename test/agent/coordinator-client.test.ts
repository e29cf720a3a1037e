import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorError, createCoordinatorClient } from '../../src/agent/coordinator-client.ts';
import {
  exportPublicKey,
  generateKeyPair,
  REQUEST_SIGNATURE_HEADERS as H,
  publicKeyOf,
  sha256Hex,
  verifyRequest,
} from '../../src/core/crypto/index.ts';
import { bodyOf, closedPort, type LocalServer, sendJson, sendProblem, serve } from './support/http.ts';

describe('coordinator client', () => {
  const { privateKey } = generateKeyPair();
  const publicKey = exportPublicKey(publicKeyOf(privateKey));
  let server: LocalServer;
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];

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
      };
      (answers[req.url!.split('?')[0]!] ?? (() => sendJson(res, 200, { epoch: 1 })))();
    });
  });
  afterAll(() => server.close());

  const client = () =>
    createCoordinatorClient({ baseUrl: `${server.url}/`, nodeId: 'n1', privateKey, requestTimeoutMs: 300 });

  it('signs node requests over method, path and query as sent, the exact body bytes and the time', async () => {
    const body = '{"report":{"x":"é"}}';
    const answer = await client().sendReport(1, body);
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

    await client().assignment(1, 'n 1');
    expect(seen.at(-1)!.url).toBe('/epochs/1/assignments?monitor=n%201');
    expect(seen.at(-1)!.headers[H.signature]).toBeUndefined();
  });

  it('turns problems into typed errors that say whether trying again can help', async () => {
    const errorOf = async (n: number) => {
      try {
        await client().sendReport(n, '{}');
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

    const timeout = await client()
      .sendInterim(9, '{}')
      .catch((e: CoordinatorError) => e);
    expect(timeout).toBeInstanceOf(CoordinatorError);
    expect(timeout).toMatchObject({
      status: null,
      retryable: true,
      message: expect.stringMatching(/no answer within 300 ms/),
    });

    const port = await closedPort();
    const refused = await createCoordinatorClient({
      baseUrl: `http://127.0.0.1:${port}`,
      nodeId: 'n1',
      privateKey,
    })
      .currentEpoch()
      .catch((e: CoordinatorError) => e);
    expect(refused).toMatchObject({
      status: null,
      retryable: true,
      message: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});
