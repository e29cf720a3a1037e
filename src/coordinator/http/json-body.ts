import type { FastifyInstance } from 'fastify';
import { ProblemError } from './problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received, kept only for routes that check a signature over them. */
    rawBody?: Buffer;
  }
}

/**
 * How deep a JSON body may nest. Real requests nest a few levels and a job payload a few dozen;
 * thousands of levels only serve to exhaust the stack of whatever walks the value next
 * (JSON.stringify, a validator), so the body is refused before it is parsed (decision 0040).
 */
export const MAX_JSON_DEPTH = 256;

const malformed = (detail: string) => new ProblemError(400, 'malformed-json', 'Malformed JSON', detail);

/** The deepest nesting of arrays and objects in a JSON text, counted outside strings, or Infinity past `limit`. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return Number.POSITIVE_INFINITY;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** A JSON path to the first number JSON.parse made infinite (1e309 spells one), or null. */
export function infiniteNumberAt(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, 'body']];
  while (stack.length > 0) {
    const [item, path] = stack.pop() as [unknown, string];
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return path;
    } else if (Array.isArray(item)) {
      for (const [i, v] of item.entries()) stack.push([v, `${path}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [k, v] of Object.entries(item)) stack.push([v, `${path}.${k}`]);
    }
  }
  return null;
}

/**
 * The API's JSON body parser: Fastify's own (prototype-poisoning protection, its errors for an
 * empty or malformed body), after a depth check on the text and before a check that no number
 * overflowed to Infinity, which JSON.stringify would store as null and no column can hold. It
 * keeps the body bytes for node-signed routes: their signature covers the SHA-256 of the bytes
 * as sent, which re-serialising the parsed value cannot reproduce.
 */
export function registerJsonBodies(app: FastifyInstance, needsRaw: (access: unknown) => boolean): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (needsRaw(request.routeOptions.config?.access)) request.rawBody = bytes;
    const text = bytes.toString('utf8');
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(malformed(`the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      if (error !== null) return done(error, undefined);
      const infinite = infiniteNumberAt(value);
      if (infinite !== null) {
        return done(
          malformed(`${infinite} is a number too large to represent (it overflows to infinity)`),
          undefined,
        );
      }
      done(null, value);
    });
  });
}
