import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Middleware } from 'openapi-fetch';
import { REQUEST_SIGNATURE_HEADERS, sha256Hex, signRequest } from '../../src/core/crypto/index.ts';
import type { Role } from '../../src/store/schema.ts';
import type { TestApi } from './api.ts';

// What an operator's generated client needs beside the types: the coordinator on a real port,
// and the two ways to authenticate (a bearer key, or the node's signature over the request).

/** Listens on a free local port; the app's close stops it. Returns the base URL. */
export async function listening(api: TestApi): Promise<string> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** `Authorization: Bearer <key>` with the test key of a role. */
export function bearer(api: TestApi, role: Role): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('authorization', api.as(role).authorization);
      return request;
    },
  };
}

/**
 * Signs each request as docs/api.md says (node-signed requests): the method, the target as
 * sent, the body's digest, a timestamp and the node id, with the node's private key.
 */
export function signedAs(api: TestApi, node: { id: string; privateKey: KeyObject }): Middleware {
  let last = 0;
  return {
    async onRequest({ request }) {
      const body = await request.clone().arrayBuffer();
      // Strictly increasing, so two requests in the same millisecond are not replays.
      last = Math.max(api.clock.now, last + 1);
      const url = new URL(request.url);
      const toSign = {
        method: request.method,
        path: `${url.pathname}${url.search}`,
        bodySha256: sha256Hex(Buffer.from(body)),
        timestampMs: last,
        keyId: node.id,
      };
      request.headers.set(REQUEST_SIGNATURE_HEADERS.keyId, toSign.keyId);
      request.headers.set(REQUEST_SIGNATURE_HEADERS.timestampMs, String(toSign.timestampMs));
      request.headers.set(REQUEST_SIGNATURE_HEADERS.bodySha256, toSign.bodySha256);
      request.headers.set(REQUEST_SIGNATURE_HEADERS.signature, signRequest(toSign, node.privateKey));
      return request;
    },
  };
}

/**
 * Whether a response's Content-Type is one the document declares: the same type, and every
 * parameter the declaration names (`version=0.0.4`) with the same value; others (charset) may
 * be added.
 */
export function mediaTypeMatches(declared: string, sent: string): boolean {
  const parse = (text: string) => {
    const [essence = '', ...params] = text.split(';').map((part) => part.trim().toLowerCase());
    return { essence, params: new Set(params.filter((p) => p !== '')) };
  };
  const d = parse(declared);
  const s = parse(sent);
  return d.essence === s.essence && [...d.params].every((p) => s.params.has(p));
}
