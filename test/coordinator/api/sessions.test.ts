import { describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../../src/store/repositories/api-keys.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, type Response, useApi } from './support.ts';

function signIn(api: TestApi, key: string): Promise<Response> {
  return api.app.inject({ method: 'POST', url: '/auth/session', payload: { key } });
}

/** The `vigil_session=…` pair of a response's Set-Cookie, to send back as a Cookie header. */
function sessionCookie(res: Response): string {
  const header = String(res.headers['set-cookie']);
  const pair = /vigil_session=[^;]*/.exec(header)?.[0];
  if (pair === undefined) throw new Error(`no session cookie in ${header}`);
  return pair;
}

function withCookie(
  api: TestApi,
  cookie: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  extra = {},
) {
  return api.app.inject({ method, url, headers: { cookie, ...extra } });
}

async function keyId(api: TestApi, key: string): Promise<string> {
  const row = await api.store.db
    .selectFrom('api_keys')
    .select('id')
    .where('prefix', '=', key.slice(0, 12))
    .executeTakeFirstOrThrow();
  return row.id;
}

describeEachBackend('API: dashboard sessions', (backend) => {
  const api = useApi(backend);

  it('exchanges a key for an HttpOnly, SameSite=Strict cookie that acts with the key’s role', async () => {
    const res = await signIn(api(), api().keys.read);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ role: 'read', via: 'session', tenant: null });
    const header = String(res.headers['set-cookie']);
    expect(header).toMatch(/HttpOnly/);
    expect(header).toMatch(/SameSite=Strict/);
    expect(header).toMatch(/Path=\//);
    expect(header).toMatch(/Max-Age=43200/);
    expect(header).not.toMatch(/Secure/);
    const cookie = sessionCookie(res);

    const who = await withCookie(api(), cookie, 'GET', '/auth/session');
    expect(who.json()).toMatchObject({ role: 'read', via: 'session' });
    expect((await withCookie(api(), cookie, 'GET', '/sla/status')).statusCode).toBe(200);
    // A read key's session may not change anything, like the key itself.
    const refused = await withCookie(api(), cookie, 'POST', '/sla/metrics/collect', {
      origin: 'http://localhost:80',
      host: 'localhost:80',
    });
    expectProblem(refused, 403, 'forbidden', /role read/);
  });

  it('refuses an unknown key with 401 and no cookie', async () => {
    const res = await signIn(api(), 'vgl_not-a-key');
    expectProblem(res, 401, 'unauthorized', /unknown or revoked/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expectProblem(
      await api().app.inject({ method: 'POST', url: '/auth/session', payload: {} }),
      400,
      'invalid-request',
    );
  });

  it('names a tenant key’s tenant, so the dashboard shows it only its jobs', async () => {
    const res = await signIn(api(), api().keys.tenant);
    expect(res.json()).toMatchObject({ role: 'tenant', tenant: 'test tenant' });
  });

  it('ends the session on sign-out: the old cookie stops working at once', async () => {
    const cookie = sessionCookie(await signIn(api(), api().keys.operator));
    const out = await withCookie(api(), cookie, 'DELETE', '/auth/session');
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/vigil_session=;/);
    expect((await withCookie(api(), cookie, 'GET', '/auth/session')).json()).toEqual({ signed_in: false });
    expectProblem(await withCookie(api(), cookie, 'GET', '/sla/status'), 401, 'unauthorized');
  });

  it('ends a session when it expires and when its key is revoked', async () => {
    const expiring = sessionCookie(await signIn(api(), api().keys.read));
    api().clock.now += 43_200_000 + 1;
    expectProblem(await withCookie(api(), expiring, 'GET', '/sla/status'), 401, 'unauthorized');

    const revoked = sessionCookie(await signIn(api(), api().keys.operator));
    await revokeApiKey(api().store.db, await keyId(api(), api().keys.operator), api().clock.now);
    // The check is cached for auth.key_cache_ttl_s, as keys are.
    api().clock.now += api().config.auth.key_cache_ttl_s * 1000 + 1;
    expect((await withCookie(api(), revoked, 'GET', '/auth/session')).json()).toEqual({ signed_in: false });
  });

  it('refuses a change made with the cookie from another origin', async () => {
    const cookie = sessionCookie(await signIn(api(), api().keys.operator));
    const crossOrigin = await withCookie(api(), cookie, 'POST', '/sla/metrics/collect', {
      host: 'localhost:8080',
      origin: 'http://evil.example',
    });
    expectProblem(crossOrigin, 403, 'forbidden', /must come from the dashboard itself/);
    const crossSite = await withCookie(api(), cookie, 'POST', '/sla/metrics/collect', {
      'sec-fetch-site': 'cross-site',
    });
    expectProblem(crossSite, 403, 'forbidden', /must come from the dashboard itself/);
    const garbled = await withCookie(api(), cookie, 'POST', '/sla/metrics/collect', {
      host: 'localhost:8080',
      origin: '::not a url',
    });
    expectProblem(garbled, 403, 'forbidden');
    const sameOrigin = await withCookie(api(), cookie, 'POST', '/sla/metrics/collect', {
      host: 'localhost:8080',
      origin: 'http://localhost:8080',
      'sec-fetch-site': 'same-origin',
    });
    expect(sameOrigin.statusCode, sameOrigin.body).toBe(200);
  });

  it('ignores a stale cookie on public routes, and a bearer key wins over a cookie', async () => {
    const stale = 'vigil_session=not-a-session';
    expect((await withCookie(api(), stale, 'GET', '/healthz')).statusCode).toBe(200);
    expectProblem(await withCookie(api(), stale, 'GET', '/sla/status'), 401, 'unauthorized');
    const cookie = sessionCookie(await signIn(api(), api().keys.read));
    const who = await api().app.inject({
      method: 'GET',
      url: '/auth/session',
      headers: { cookie, authorization: `Bearer ${api().keys.admin}` },
    });
    expect(who.json()).toMatchObject({ role: 'admin', via: 'key', expires_at: null });
  });

  describe('one-time sign-in links', () => {
    it('a link starts a session once; used again, it opens the sign-in page', async () => {
      const link = await api().sessions.link(await keyId(api(), api().keys.admin));
      const first = await api().app.inject({ method: 'GET', url: `/auth/sign-in?token=${link.token}` });
      expect(first.statusCode).toBe(200);
      expect(first.headers['content-type']).toMatch(/^text\/html/);
      expect(first.body).toContain('url=/"');
      const who = await withCookie(api(), sessionCookie(first), 'GET', '/auth/session');
      expect(who.json()).toMatchObject({ role: 'admin', via: 'session' });

      const again = await api().app.inject({ method: 'GET', url: `/auth/sign-in?token=${link.token}` });
      expect(again.statusCode).toBe(200);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect(again.body).toContain('link=used-or-expired');
    });

    it('an expired link lets no one in', async () => {
      const link = await api().sessions.link(await keyId(api(), api().keys.admin));
      api().clock.now += api().config.dashboard.sign_in_link_ttl_s * 1000 + 1;
      const res = await api().app.inject({ method: 'GET', url: `/auth/sign-in?token=${link.token}` });
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toContain('link=used-or-expired');
    });

    it('a session token is not a link, and a link is not a session', async () => {
      const cookie = sessionCookie(await signIn(api(), api().keys.admin));
      const token = cookie.split('=')[1];
      const res = await api().app.inject({ method: 'GET', url: `/auth/sign-in?token=${token}` });
      expect(res.headers['set-cookie']).toBeUndefined();
      const link = await api().sessions.link(await keyId(api(), api().keys.admin));
      expect((await withCookie(api(), `vigil_session=${link.token}`, 'GET', '/auth/session')).json()).toEqual(
        {
          signed_in: false,
        },
      );
    });
  });
});
