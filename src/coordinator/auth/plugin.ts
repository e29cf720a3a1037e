import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../store/schema.ts';
import { ProblemError } from '../http/problem.ts';
import type { VerifiedKey } from './keys.ts';
import type { SignedRequestVerifier } from './signed-requests.ts';

/**
 * Per-route access, declared in the route's `config.access`:
 * - `public`: anyone (health, readiness, the API description, epochs and settlements, which
 *   anyone must be able to check);
 * - `read`: any valid key, or anyone where the operator opened reads
 *   (`auth.require_key_for_reads: false`);
 * - a list of roles: a key with one of them (admin may do everything);
 * - `node-signed`: signed with a registered node's key (contract: node-signed requests); API
 *   keys do not count, and the handler reads the signing node from `request.signer`.
 * A mutating route that declares nothing is admin-only, so a forgotten declaration fails closed.
 */
export type Access = 'public' | 'read' | 'node-signed' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: VerifiedKey | null;
  }
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The access a route really has: what it declares, else admin-only for a mutating method and
 * `read` for the others. The API description's pages are public.
 */
export function effectiveAccess(method: string, url: string, declared: Access | undefined): Access {
  if (url.startsWith('/docs')) return 'public';
  return declared ?? (MUTATING.has(method) ? ['admin'] : 'read');
}
const challenge = { 'WWW-Authenticate': 'Bearer realm="vigil"' };

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) {
    throw new ProblemError(
      401,
      'unauthorized',
      'Unauthorized',
      'the Authorization header must be "Bearer <api key>"',
      {
        headers: challenge,
      },
    );
  }
  return match[1] ?? null;
}

async function verifiedOrRefused(
  verify: (key: string) => Promise<VerifiedKey | null>,
  key: string,
): Promise<VerifiedKey> {
  const verified = await verify(key);
  if (verified === null) {
    throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'the API key is unknown or revoked', {
      headers: challenge,
    });
  }
  return verified;
}

export function registerAuth(
  app: FastifyInstance,
  {
    verify,
    requireKeyForReads,
    signed,
  }: {
    verify: (key: string) => Promise<VerifiedKey | null>;
    requireKeyForReads: boolean;
    /** Checks node-signed routes; without it they refuse every call. */
    signed?: SignedRequestVerifier;
  },
): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('signer', null);
  app.addHook('onRequest', async (request) => {
    // An unknown route gets its 404 whoever asks; the API description's browsable pages are
    // as public as /openapi.json.
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const access = effectiveAccess(request.method, route, request.routeOptions.config?.access);
    if (access === 'public') {
      // Anyone may call it, but a key sent with it is still checked: a wrong key is a 401, so
      // a client learns of its mistake here rather than on its next call.
      const key = bearer(request);
      if (key !== null) request.actor = await verifiedOrRefused(verify, key);
      return;
    }
    if (access === 'node-signed') {
      if (signed === undefined) throw new Error('a node-signed route needs a signed-request verifier');
      // Everything but the body now, so an unsigned request is refused before its body is read.
      await signed.checkHeaders(request);
      return;
    }
    const key = bearer(request);
    if (key !== null) request.actor = await verifiedOrRefused(verify, key);
    if (access === 'read') {
      if (requireKeyForReads && request.actor === null) {
        throw new ProblemError(
          401,
          'unauthorized',
          'Unauthorized',
          'reads need an API key (any role); an operator can open them with auth.require_key_for_reads: false',
          {
            headers: challenge,
          },
        );
      }
      return;
    }
    if (request.actor === null) {
      throw new ProblemError(
        401,
        'unauthorized',
        'Unauthorized',
        `this call needs an API key with role ${access.join(' or ')}`,
        {
          headers: challenge,
        },
      );
    }
    if (request.actor.role !== 'admin' && !access.includes(request.actor.role)) {
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        `a key with role ${request.actor.role} may not do this; it needs role ${[...access, 'admin'].join(' or ')}`,
      );
    }
  });
  // The body digest and the replay check need the body, and come before schema validation
  // so a refused request learns nothing about its body's shape.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.config?.access !== 'node-signed') return;
    await signed?.checkBody(request);
  });
}
