import { createServer, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../platform/listen.ts';
import type { StatusSource } from './status.ts';

export interface AgentServer {
  /** Base URL, e.g. http://127.0.0.1:9100; `{url}/status` is what peers probe. */
  url: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function problem(res: ServerResponse, status: number, slug: string, detail: string): void {
  sendJson(
    res,
    status,
    { type: `urn:vigil:problem:${slug}`, title: slug, status, detail },
    'application/problem+json',
  );
}

/**
 * The agent's own endpoints: `GET /status` (what its peers' status probes read) and
 * `GET /metrics` (Prometheus text). Plain node:http: two read-only routes need no framework,
 * and dozens of agents start in one process for `vigil up` and the network test.
 */
export async function startAgentServer({
  host,
  port,
  status,
  registry,
}: {
  host: string;
  port: number;
  status: StatusSource;
  registry: Registry;
}): Promise<AgentServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      problem(res, 405, 'method-not-allowed', `${req.method} is not served here; use GET`);
      return;
    }
    const answer = async () => {
      if (path === '/status') sendJson(res, 200, await status.read());
      else if (path === '/metrics') {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text);
      } else problem(res, 404, 'not-found', `no ${path} here; the agent serves /status and /metrics`);
    };
    answer().catch((error: Error) => {
      if (!res.headersSent) problem(res, 500, 'internal', error.message);
      else res.destroy();
    });
  });
  // Peers keep connections alive between probes; keep ours open longer than Node's 5 s default.
  server.keepAliveTimeout = 65_000;
  return listen(server, port, host);
}
