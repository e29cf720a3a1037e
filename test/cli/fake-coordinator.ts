import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One canned answer: a JSON body (problem+json for errors) and extra headers. */
export interface CannedAnswer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A problem+json answer shaped like the coordinator's (src/coordinator/http/problem.ts). */
export function problem(status: number, slug: string, detail: string, headers: Record<string, string> = {}) {
  return {
    status,
    body: { type: `urn:vigil:problem:${slug}`, title: slug, status, detail },
    headers: { 'content-type': 'application/problem+json', ...headers },
  };
}

/**
 * A loopback stand-in for the coordinator's public read API: GET of a path in `answers` returns
 * it, anything else is the coordinator's 404. Every path asked for is recorded.
 */
export async function fakeCoordinator(answers: Record<string, CannedAnswer>) {
  const requested: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requested.push(path);
    const answer = request.method === 'GET' ? answers[path] : undefined;
    const { status, body, headers } = answer ?? problem(404, 'not-found', `nothing at ${path}`);
    response.writeHead(status ?? 200, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requested,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
