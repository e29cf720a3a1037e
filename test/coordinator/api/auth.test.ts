import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import type { Role } from '../../../src/store/schema.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import {
  collect,
  expectProblem,
  get,
  heartbeat,
  postOutcomes,
  register,
  registerAll,
  useApi,
} from './support.ts';

const CHALLENGE = 'Bearer realm="vigil"';
const T = Date.UTC(2026, 9, 31, 23, 0, 0);

function registerWith(api: TestApi, headers: Record<string, string>) {
  return api.app.inject({
    method: 'POST',
    url: '/nodes',
    headers,
    payload: { node_id: 'n1', max_parallel: 1 },
  });
}

describeEachBackend('API: authentication and roles', (backend) => {
  describe('by default', () => {
    const api = useApi(backend);

    it('refuses a mutating call without a key with 401 and a Bearer challenge', async () => {
      const res = await registerWith(api(), {});
      expectProblem(res, 401, 'unauthorized', /needs an API key with role operator or node/);
      expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      expectProblem(await get(api(), '/nodes/n1', 'read'), 404, 'not-found');
    });

    it('refuses a malformed Authorization header with 401', async () => {
      for (const authorization of [
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        'Bearer',
        api().keys.operator,
        'Bearer a b',
      ]) {
        const res = await registerWith(api(), { authorization });
        expectProblem(res, 401, 'unauthorized', /must be "Bearer <api key>"/);
        expect(res.headers['www-authenticate']).toBe(CHALLENGE);
      }
    });

    it('refuses an unknown key and a revoked key with 401', async () => {
      const unknown = await registerWith(api(), { authorization: 'Bearer vgl_not-a-key-anyone-made' });
      expectProblem(unknown, 401, 'unauthorized', /unknown or revoked/);
      expect(unknown.headers['www-authenticate']).toBe(CHALLENGE);

      const revoked = await createApiKey(api().store.db, 'operator', 'leaked');
      await api()
        .store.db.updateTable('api_keys')
        .set({ revoked_at: T })
        .where('id', '=', revoked.id)
        .execute();
      expectProblem(
        await registerWith(api(), { authorization: `Bearer ${revoked.key}` }),
        401,
        'unauthorized',
        /revoked/,
      );
      // A wrong key on a read is refused too, rather than silently treated as anonymous.
      const read = await api().app.inject({
        method: 'GET',
        url: '/nodes',
        headers: { authorization: 'Bearer vgl_nope' },
      });
      expectProblem(read, 401, 'unauthorized', /unknown or revoked/);
    });

    it('refuses a key with the wrong role with 403 naming the roles needed', async () => {
      const read = await register(api(), { node_id: 'n1', max_parallel: 1 }, 'read');
      expectProblem(
        read,
        403,
        'forbidden',
        /role read may not do this; it needs role operator or node or admin/,
      );
      expect(read.headers['www-authenticate']).toBeUndefined();

      await registerAll(api(), { node_id: 'n1', max_parallel: 1 });
      expectProblem(await heartbeat(api(), 'n1', undefined, 'tenant'), 403, 'forbidden', /role tenant/);
      const outcome = {
        job_id: 'j1',
        node_id: 'n1',
        topic: 't',
        status: 'success',
        started_at: T,
        finished_at: T,
      } as const;
      expectProblem(await postOutcomes(api(), outcome, 'read'), 403, 'forbidden');
      const patch = await api().app.inject({
        method: 'PATCH',
        url: '/nodes/n1',
        headers: api().as('node'),
        payload: { max_parallel: 2 },
      });
      expectProblem(patch, 403, 'forbidden', /needs role operator or admin/);
      // /metrics is for Prometheus and the people running the network, not for every key.
      expectProblem(await get(api(), '/metrics', 'tenant'), 403, 'forbidden', /needs role read or operator/);
      const del = await api().app.inject({ method: 'DELETE', url: '/nodes/n1', headers: api().as('tenant') });
      expectProblem(del, 403, 'forbidden');
      const run = await api().app.inject({
        method: 'POST',
        url: '/sla/metrics/collect',
        headers: api().as('node'),
      });
      expectProblem(run, 403, 'forbidden');
      expect((await get(api(), '/nodes/n1')).json() as { state: string; max_parallel: number }).toMatchObject(
        {
          state: 'active',
          max_parallel: 1,
        },
      );
    });

    it('lets each role do what it is for', async () => {
      const allowed: Array<[Role, () => Promise<{ statusCode: number }>, number]> = [
        ['node', () => register(api(), { node_id: 'n1', max_parallel: 1 }, 'node'), 201],
        ['node', () => heartbeat(api(), 'n1', undefined, 'node'), 202],
        ['operator', () => heartbeat(api(), 'n1', undefined, 'operator'), 202],
        ['operator', () => collect(api()), 200],
      ];
      for (const [role, call, status] of allowed) expect((await call()).statusCode, role).toBe(status);
    });

    it('lets admin do everything', async () => {
      const admin = api().as('admin');
      expect((await register(api(), { node_id: 'n1', max_parallel: 1 }, 'admin')).statusCode).toBe(201);
      expect((await heartbeat(api(), 'n1', undefined, 'admin')).statusCode).toBe(202);
      const outcome = {
        job_id: 'j1',
        node_id: 'n1',
        topic: 't',
        status: 'success',
        started_at: T,
        finished_at: T,
      } as const;
      expect((await postOutcomes(api(), outcome, 'admin')).statusCode).toBe(200);
      const patch = await api().app.inject({
        method: 'PATCH',
        url: '/nodes/n1',
        headers: admin,
        payload: { operator: 'x' },
      });
      expect(patch.statusCode).toBe(200);
      expect(
        (await api().app.inject({ method: 'POST', url: '/sla/metrics/collect', headers: admin })).statusCode,
      ).toBe(200);
      expect((await get(api(), '/nodes', 'admin')).statusCode).toBe(200);
      expect(
        (await api().app.inject({ method: 'DELETE', url: '/nodes/n1', headers: admin })).statusCode,
      ).toBe(200);
    });

    it('refuses reads and /metrics without a key with 401, and serves reads with a key of any role', async () => {
      for (const url of [
        '/nodes',
        '/nodes/n1',
        '/sla/metrics',
        '/sla/violations',
        '/sla/status',
        '/sla/capacity/snapshots',
        '/jobs',
        '/topics',
        '/pools',
        '/metrics',
      ]) {
        const res = await get(api(), url, null);
        expectProblem(res, 401, 'unauthorized');
        expect(res.headers['www-authenticate'], url).toBe(CHALLENGE);
      }
      for (const role of ['read', 'tenant', 'node', 'operator', 'admin'] as const) {
        expect((await get(api(), '/nodes', role)).statusCode, role).toBe(200);
      }
      for (const role of ['read', 'operator', 'admin'] as const) {
        const metrics = await get(api(), '/metrics', role);
        expect(metrics.statusCode, role).toBe(200);
        expect(metrics.body).toContain('# TYPE');
      }
    });

    it('serves what is public by design without a key: health, the API description, epochs, settlements', async () => {
      for (const url of [
        '/healthz',
        '/readyz',
        '/openapi.json',
        '/docs',
        '/docs/json',
        '/epochs/current',
        '/coordinator/identity',
      ]) {
        const res = await get(api(), url, null);
        expect([200, 302], `${url}: ${res.body.slice(0, 200)}`).toContain(res.statusCode);
      }
      // An epoch this coordinator has not recorded is a 404 problem, not a 401: anyone may ask.
      for (const url of ['/epochs/0', '/epochs/0/assignments', '/epochs/0/reports', '/epochs/0/settlement']) {
        expectProblem(await get(api(), url, null), 404, 'not-found');
      }
    });

    it('checks a key sent with any request, public routes included', async () => {
      for (const url of ['/docs', '/docs/json', '/healthz', '/openapi.json', '/epochs/current']) {
        const bogus = await api().app.inject({
          method: 'GET',
          url,
          headers: { authorization: 'Bearer vgl_made-up-by-someone' },
        });
        expectProblem(bogus, 401, 'unauthorized', /unknown or revoked/);
        const malformed = await api().app.inject({
          method: 'GET',
          url,
          headers: { authorization: 'nonsense' },
        });
        expectProblem(malformed, 401, 'unauthorized', /must be "Bearer <api key>"/);
        expect((await get(api(), url, 'read')).statusCode, url).not.toBe(401);
      }
    });
  });

  describe('with reads and /metrics opened by the operator', () => {
    const api = useApi(backend, (c) => {
      c.auth.require_key_for_reads = false;
      c.auth.require_key_for_metrics = false;
    });

    it('serves reads and /metrics without a key, and still checks a key that is sent', async () => {
      for (const url of ['/nodes', '/sla/metrics', '/sla/violations', '/sla/status', '/metrics']) {
        expect((await get(api(), url, null)).statusCode, url).toBe(200);
        expect((await get(api(), url, 'tenant')).statusCode, url).toBe(200);
      }
      const bogus = await api().app.inject({
        method: 'GET',
        url: '/nodes',
        headers: { authorization: 'Bearer vgl_nope' },
      });
      expectProblem(bogus, 401, 'unauthorized', /unknown or revoked/);
      // Writes need their roles whatever reads do.
      expectProblem(await registerWith(api(), {}), 401, 'unauthorized');
    });
  });

  describe('with only /metrics opened', () => {
    const api = useApi(backend, (c) => {
      c.auth.require_key_for_metrics = false;
    });

    it('serves /metrics to anyone and still needs a key for other reads', async () => {
      expect((await get(api(), '/metrics', null)).statusCode).toBe(200);
      expectProblem(
        await get(api(), '/nodes', null),
        401,
        'unauthorized',
        /auth.require_key_for_reads: false/,
      );
    });
  });
});
