import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * ETags on the API's JSON reads, so a poll whose answer has not changed costs a 304 and no
 * body. Every successful GET (and HEAD) with a JSON body gets a strong ETag, the hash of
 * the body as sent, and `Cache-Control: private, no-cache`: a browser keeps the answer but
 * asks again every time (If-None-Match), and no shared cache keeps it at all. A route that
 * sets its own ETag or Cache-Control (the dashboard's files, sign-in) keeps its own.
 *
 * Written here rather than taken from @fastify/etag, which tags every method and status
 * (an error or a POST's answer would get an ETag and could be answered 304).
 */
export function registerConditionalGets(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return payload;
    if (reply.statusCode !== 200 || reply.hasHeader('etag') || reply.hasHeader('cache-control'))
      return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    const etag = `"${hash('sha1', payload, 'base64url')}"`;
    reply.header('etag', etag);
    reply.header('cache-control', 'private, no-cache');
    if (!noneMatch(request.headers['if-none-match'], etag)) return payload;
    reply.code(304);
    return '';
  });
}

/**
 * Whether If-None-Match names `etag` (RFC 9110 §13.1.2: a list of entity tags or `*`,
 * compared weakly, so `W/"x"` matches `"x"`).
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const wanted = etag.replace(/^W\//, '');
  return header.split(',').some((raw) => {
    const tag = raw.trim();
    return tag === '*' || tag.replace(/^W\//, '') === wanted;
  });
}
