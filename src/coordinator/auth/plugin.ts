import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Role } from '../../store/schema.ts';
import { ProblemError } from '../http/problem.ts';
import type { VerifiedKey } from './keys.ts';
import { SESSION_COOKIE, type Sessions } from './sessions.ts';
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
    /** True when the actor came from a dashboard session cookie rather than a bearer key. */
    viaSession: boolean;
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

/**
 * A session cookie is sent by the browser whoever's page made the request, so a change made
 * with one must come from the dashboard's own origin. SameSite=Strict already keeps the
 * cookie off cross-site requests; this refuses them again where the browser says where a
 * request came from (Sec-Fetch-Site, Origin), in case a browser does not honour SameSite.
 */
function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const host = request.headers.host;
  const sameOrigin =
    (site === undefined || site === 'same-origin') &&
    (origin === undefined ||
      // Both through URL, so `http://h:80` and a Host of `h:80` compare equal.
      (host !== undefined && URL.parse(origin)?.host === URL.parse(`http://${host}`)?.host));
  if (!sameOrigin) {
    throw new ProblemError(
      403,
      'forbidden',
      'Forbidden',
      'a change made with a dashboard session must come from the dashboard itself; send an API key instead',
    );
  }
}

export function registerAuth(
  app: FastifyInstance,
  {
    verify,
    requireKeyForReads,
    signed,
    sessions,
  }: {
    verify: (key: string) => Promise<VerifiedKey | null>;
    requireKeyForReads: boolean;
    /** Checks node-signed routes; without it they refuse every call. */
    signed?: SignedRequestVerifier;
    /** Dashboard sessions; without them a session cookie counts for nothing. */
    sessions?: Sessions;
  },
): void {
  /**
   * Who is asking: the bearer key when there is one (a wrong one is a 401), else the
   * dashboard session in the cookie. A stale cookie is ignored rather than refused, so a
   * browser whose session ended sees the sign-in page, not an error, on public pages.
   */
  async function identify(request: FastifyRequest): Promise<void> {
    const key = bearer(request);
    if (key !== null) {
      request.actor = await verifiedOrRefused(verify, key);
      return;
    }
    const token = request.cookies?.[SESSION_COOKIE];
    if (sessions === undefined || token === undefined || token === '') return;
    const session = await sessions.verify(token);
    if (session === null) return;
    request.actor = session.key;
    request.viaSession = true;
  }

  app.decorateRequest('actor', null);
  app.decorateRequest('viaSession', false);
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
      await identify(request);
      return;
    }
    if (access === 'node-signed') {
      if (signed === undefined) throw new Error('a node-signed route needs a signed-request verifier');
      // Everything but the body now, so an unsigned request is refused before its body is read.
      await signed.checkHeaders(request);
      return;
    }
    await identify(request);
    if (request.viaSession && MUTATING.has(request.method)) refuseCrossSite(request);
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
