import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter, AdapterOutcome } from '../../../src/worker/adapters/adapter.ts';
import { createAdapter } from '../../../src/worker/adapters/index.ts';
import { freePort } from '../../cli/net.ts';
import { never } from './support.ts';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  socketId: number;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
const openResponses = new Set<() => void>();

/** A service with one route per behaviour the adapter must classify. */
beforeAll(async () => {
  let sockets = 0;
  const socketIds = new WeakMap<object, number>();
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!socketIds.has(req.socket)) socketIds.set(req.socket, ++sockets);
    const body = Buffer.concat(chunks).toString();
    seen.push({ path: req.url ?? '', headers: req.headers, body, socketId: socketIds.get(req.socket) ?? 0 });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const route = req.url?.split('?')[0];
    if (route === '/echo') json(200, { received: JSON.parse(body), query: req.url?.split('?')[1] ?? null });
    else if (route === '/created') json(201, 'made');
    else if (route === '/status') {
      const status = Number(new URL(req.url ?? '', 'http://x').searchParams.get('code'));
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`status ${status} body`);
    } else if (route === '/not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    } else if (route === '/huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`"${'a'.repeat(9 * 1024 * 1024)}"`);
    } else if (route === '/hang') {
      // Never answers; the adapter's timeout or cancellation must end the attempt.
      openResponses.add(() => res.destroy());
    } else if (route === '/reset') req.socket.destroy();
    else json(404, { error: 'no route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const end of openResponses) end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function httpAdapter(path: string, headers: Record<string, string> = {}): Adapter {
  return createAdapter({ kind: 'http', url: base + path, headers }, { baseDir: '/' });
}

function failure(outcome: AdapterOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

describe('http adapter', () => {
  it('POSTs the payload as JSON with the spec headers and takes the 2xx JSON body as the result', async () => {
    const adapter = httpAdapter('/echo?v=1', { authorization: 'Bearer service-key' });
    try {
      expect(adapter.kind).toBe('http');
      expect(await adapter.run({ text: 'a b' }, { signal: never(), timeoutMs: 5000 })).toEqual({
        ok: true,
        result: { received: { text: 'a b' }, query: 'v=1' },
      });
      const request = seen.at(-1)!;
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers.accept).toBe('application/json');
      expect(request.headers.authorization).toBe('Bearer service-key');
      expect(JSON.parse(request.body)).toEqual({ text: 'a b' });
    } finally {
      await adapter.close();
    }
  });

  it('keeps the connection alive between runs', async () => {
    const adapter = httpAdapter('/echo');
    try {
      await adapter.run(1, { signal: never(), timeoutMs: 5000 });
      const first = seen.at(-1)!.socketId;
      // undici returns the socket to its pool just after the body ends; a request sent in the
      // same tick would open a second connection, which is fine but not what this checks.
      await new Promise((resolve) => setImmediate(resolve));
      await adapter.run(2, { signal: never(), timeoutMs: 5000 });
      expect(seen.at(-1)!.socketId).toBe(first);
    } finally {
      await adapter.close();
    }
  });

  it('accepts any 2xx', async () => {
    const adapter = httpAdapter('/created');
    expect(await adapter.run({}, { signal: never(), timeoutMs: 5000 })).toEqual({ ok: true, result: 'made' });
    await adapter.close();
  });

  it.each([
    [500, 'http-5xx', true],
    [503, 'http-5xx', true],
    [429, 'http-429', true],
    [408, 'http-408', true],
    [400, 'http-4xx', false],
    [404, 'http-4xx', false],
    [422, 'http-4xx', false],
    [302, 'http-status', false],
  ])(
    'classifies status %i as %s (retryable: %s) with the body in the message',
    async (status, code, retryable) => {
      const adapter = httpAdapter(`/status?code=${status}`);
      const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
      await adapter.close();
      expect(error).toMatchObject({ code, retryable });
      expect(error.message).toContain(String(status));
      expect(error.message).toContain(`status ${status} body`);
    },
  );

  it('calls a 2xx body that is not JSON malformed-output, not retryable', async () => {
    const adapter = httpAdapter('/not-json');
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    await adapter.close();
    expect(error).toMatchObject({ code: 'malformed-output', retryable: false });
    expect(error.message).toContain('<html>hello</html>');
  });

  it('stops reading a body past 8 MiB: result-too-large, not retryable', async () => {
    const adapter = httpAdapter('/huge');
    expect(failure(await adapter.run({}, { signal: never(), timeoutMs: 10_000 }))).toMatchObject({
      code: 'result-too-large',
      retryable: false,
    });
    await adapter.close();
  });

  it('times out a service that does not answer: timeout, retryable', async () => {
    const adapter = httpAdapter('/hang');
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 300 }));
    await adapter.close();
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('says cancelled when the caller aborts a request in flight', async () => {
    const adapter = httpAdapter('/hang');
    const controller = new AbortController();
    const running = adapter.run({}, { signal: controller.signal, timeoutMs: 30_000 });
    const before = seen.length;
    while (seen.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect(failure(await running)).toMatchObject({ code: 'cancelled', retryable: false });
    await adapter.close();
  });

  it('calls a refused connection network, retryable', async () => {
    const port = await freePort();
    const adapter = createAdapter(
      { kind: 'http', url: `http://127.0.0.1:${port}/x`, headers: {} },
      { baseDir: '/' },
    );
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    await adapter.close();
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('calls a connection reset mid-request network, retryable', async () => {
    const adapter = httpAdapter('/reset');
    expect(failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }))).toMatchObject({
      code: 'network',
      retryable: true,
    });
    await adapter.close();
  });
});
