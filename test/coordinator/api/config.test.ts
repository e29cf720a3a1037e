import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, useApi } from './support.ts';

interface ConfigJson {
  config: Record<string, unknown>;
  settings: Array<{ key: string; value: unknown; source: string; origin: string; env: string }>;
}

describeEachBackend('API: GET /config', (backend) => {
  const api = useApi(backend, (c) => {
    c.sla.collection_interval_s = 60;
    c.billing.api_key = 'billing-secret';
    c.alerts.webhooks = [
      {
        url: 'https://hooks.example.com/services/T0/B0/hook-secret',
        format: 'slack',
        headers: { 'x-token': 't0ken' },
      },
    ];
  });

  it('answers an operator or admin key with the effective configuration, secrets redacted', async () => {
    for (const role of ['operator', 'admin'] as const) {
      const res = await get(api(), '/config', role);
      expect(res.statusCode, res.body).toBe(200);
      for (const secret of ['billing-secret', 'hook-secret', 't0ken']) expect(res.body).not.toContain(secret);
      const body = res.json() as ConfigJson;
      expect(body.config).toMatchObject({
        sla: { collection_interval_s: 60 },
        billing: { api_key: '[redacted]' },
        alerts: { webhooks: [{ url: 'https://hooks.example.com/…', headers: { 'x-token': '[redacted]' } }] },
      });
      const setting = (key: string) => body.settings.find((s) => s.key === key);
      expect(setting('sla.collection_interval_s')).toEqual({
        key: 'sla.collection_interval_s',
        value: 60,
        // Built in code, as tests build it: the value is known, where it came from is not.
        source: 'unknown',
        origin: 'unknown',
        env: 'VIGIL_SLA__COLLECTION_INTERVAL_S',
      });
      expect(setting('sla.slice_s')).toMatchObject({ value: 300, source: 'default', origin: 'default' });
      expect(setting('billing.api_key')).toMatchObject({ value: '[redacted]', source: 'unknown' });
    }
  });

  it('refuses read, tenant and node keys with 403, no key with 401, and any query parameter with 400', async () => {
    for (const role of ['read', 'tenant', 'node'] as const) {
      expectProblem(await get(api(), '/config', role), 403, 'forbidden', /operator or admin/);
    }
    expectProblem(await get(api(), '/config', null), 401, 'unauthorized');
    expectProblem(await get(api(), '/config?verbose=1', 'admin'), 400, 'invalid-request', /"verbose"/);
  });
});
