import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ProblemError } from '../http/problem.ts';
import { Nullable } from '../http/schemas.ts';
import type { VerifiedKey } from './keys.ts';
import { SESSION_COOKIE, type Sessions, type StartedSession } from './sessions.ts';

const Identity = Type.Object({
  signed_in: Type.Literal(true),
  role: Type.String({ description: 'the role of the key the session acts with' }),
  key_prefix: Type.String({
    description: 'the first characters of that key, as `vigil keys list` shows them',
  }),
  tenant: Nullable(Type.String({ description: 'a tenant key’s tenant: it sees only its own jobs' })),
  operator: Nullable(Type.String({ description: 'an operator key’s operator: it acts only for its nodes' })),
  node_id: Nullable(Type.String({ description: 'a node key’s node' })),
  via: Type.String({ enum: ['session', 'key'], description: 'how this request was authenticated' }),
  expires_at: Nullable(Type.String({ format: 'date-time', description: 'when the session ends' })),
});

const SignedOut = Type.Object({
  signed_in: Type.Literal(false, {
    description: 'no session and no API key: sign in with POST /auth/session',
  }),
});

function identity(key: VerifiedKey, via: 'session' | 'key', expiresAt: number | null) {
  return {
    signed_in: true as const,
    role: key.role,
    key_prefix: key.prefix,
    tenant: key.role === 'tenant' ? key.label : null,
    operator: key.operator,
    node_id: key.node_id,
    via,
    expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
  };
}

/**
 * Dashboard sign-in (docs/dashboard.md, decision 0063): an API key, or a one-time link,
 * exchanged for a session cookie that is HttpOnly (page scripts never see it), SameSite=Strict
 * (other sites' pages cannot send it) and expires; signing out ends the session on the server.
 */
export function sessionRoutes(
  app: FastifyInstance,
  {
    sessions,
    verifyKey,
    secureCookie,
    now,
  }: {
    sessions: Sessions;
    verifyKey: (key: string) => Promise<VerifiedKey | null>;
    secureCookie: boolean;
    now: () => number;
  },
): void {
  function setCookie(reply: FastifyReply, session: StartedSession): void {
    reply.setCookie(SESSION_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie,
      maxAge: Math.max(1, Math.floor((session.expiresAt - now()) / 1000)),
    });
  }

  app.post<{ Body: { key: string } }>(
    '/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: 'Sign in: exchange an API key for a session cookie',
        description:
          'Answers with the key’s identity and sets an HttpOnly, SameSite=Strict `vigil_session` cookie that acts with the key’s role and scope until it expires, is signed out of, or the key is revoked.',
        body: Type.Object(
          { key: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 201: Identity },
      },
    },
    async (request, reply) => {
      const key = await verifyKey(request.body.key);
      if (key === null) {
        throw new ProblemError(401, 'unauthorized', 'Unauthorized', 'the API key is unknown or revoked');
      }
      const session = await sessions.start(key);
      setCookie(reply, session);
      reply.code(201);
      return identity(key, 'session', session.expiresAt);
    },
  );

  app.get(
    '/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: 'Who this request acts as: the session’s (or bearer key’s) role and scope',
        description:
          'Answers `{"signed_in":false}` when the request has neither a live session nor a key, so a page can ask before it signs in.',
        response: { 200: Type.Union([Identity, SignedOut]) },
      },
    },
    async (request) => {
      const actor = request.actor;
      if (actor === null) return { signed_in: false as const };
      if (!request.viaSession) return identity(actor, 'key', null);
      const session = await sessions.verify(request.cookies[SESSION_COOKIE] ?? '');
      return identity(actor, 'session', session?.expiresAt ?? null);
    },
  );

  app.delete(
    '/auth/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: 'Sign out: end the session and clear its cookie',
        response: { 204: Type.Null() },
      },
    },
    async (request: FastifyRequest, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token !== undefined && token !== '') await sessions.end(token);
      reply.clearCookie(SESSION_COOKIE, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookie,
      });
      reply.code(204);
    },
  );

  app.get<{ Querystring: { token: string } }>(
    '/auth/sign-in',
    {
      config: { access: 'public' },
      schema: {
        tags: ['dashboard'],
        summary: 'Use a one-time sign-in link: starts a session and opens the dashboard',
        description:
          'The link `vigil up` prints. It works once, until it expires (`dashboard.sign_in_link_ttl_s`); a used or expired link opens the sign-in page instead.',
        querystring: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.String({ description: 'an HTML page that opens the dashboard' }) },
      },
    },
    async (request, reply) => {
      const session = await sessions.redeem(request.query.token);
      if (session !== null) setCookie(reply, session);
      // An HTML page that moves on, not a redirect: the dashboard's first request is then
      // made by its own page, so the SameSite=Strict cookie goes with it whatever opened the
      // link (a terminal, a chat window).
      const target = session === null ? '/#/sign-in?link=used-or-expired' : '/';
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer');
      return `<!doctype html><meta charset="utf-8"><link rel="icon" href="/favicon.svg"><meta http-equiv="refresh" content="0;url=${target}"><title>Vigil</title><a href="${target}">Open the dashboard</a>`;
    },
  );
}
