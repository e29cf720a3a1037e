import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received, kept only for routes that check a signature over them. */
    rawBody?: Buffer;
  }
}

/**
 * Replaces Fastify's JSON parser with one that also keeps the body bytes for node-signed
 * routes: their signature covers the SHA-256 of the bytes as sent, which re-serialising the
 * parsed value cannot reproduce. Parsing itself is Fastify's own default parser (same
 * prototype-poisoning protection, same errors for an empty or malformed body).
 */
export function keepRawJsonBodies(app: FastifyInstance, needsRaw: (access: unknown) => boolean): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (needsRaw(request.routeOptions.config?.access)) request.rawBody = bytes;
    parseJson(request, bytes.toString('utf8'), done);
  });
}
