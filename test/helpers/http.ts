import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 and a free port, for probes and fakes to talk to. */
export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  { path }: { path?: string } = {},
): Promise<LocalServer> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(error.message);
    });
  });
  await new Promise<void>((resolve) => {
    if (path === undefined) server.listen(0, '127.0.0.1', resolve);
    else server.listen(path, resolve);
  });
  const port = path === undefined ? (server.address() as AddressInfo).port : 0;
  return {
    url: path === undefined ? `http://127.0.0.1:${port}` : path,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text. */
export async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
): void {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

/** A problem+json answer the way the coordinator writes them. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  slug: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  sendJson(
    res,
    status,
    { type: `urn:vigil:problem:${slug}`, title: slug, status, detail },
    'application/problem+json',
  );
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const s = await serve(() => {});
  await s.close();
  return s.port;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
