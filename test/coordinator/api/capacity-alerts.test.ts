import { describe, expect, it } from 'vitest';
import type { Role } from '../../../src/store/schema.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, expectProblem, get, liveMinutes, registerAll, useApi } from './support.ts';

const SECRET_PATH = '/services/T000/B000/s3cr3tXYZ';

describeEachBackend('API: capacity alert settings', (backend) => {
  const api = useApi(backend);

  const configure = (payload: unknown, role: Role | null = 'operator') =>
    api().app.inject({
      method: 'POST',
      url: '/sla/capacity/alerts/configure',
      ...(role === null ? {} : { headers: api().as(role) }),
      payload: payload as Record<string, unknown>,
    });

  it('shows the configuration’s threshold until an operator sets one, and says e-mail cannot go out without SMTP', async () => {
    const res = await get(api(), '/sla/capacity/alerts/configure');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      threshold_pct: 80,
      threshold_source: 'configuration',
      configuration_threshold_pct: 80,
      resolve_below_pct: 78,
      notification_email: null,
      email: { deliverable: false, reason: 'no notification_email is set' },
      webhooks: [],
      configured_channels: { webhooks: 0, alertmanager: false },
      updated_at: null,
      updated_by: null,
    });
  });

  it('stores the pool hub guide’s body with webhooks, shows webhook URLs redacted, and keeps absent fields', async () => {
    const set = await configure({
      threshold_pct: 75.5,
      notification_email: 'admin@example.com',
      webhooks: [
        { url: `https://hooks.slack.com${SECRET_PATH}`, format: 'slack' },
        { url: 'http://ops.example:8080/hook?token=abc' },
      ],
    });
    expect(set.statusCode, set.body).toBe(200);
    const body = set.json();
    expect(body).toMatchObject({
      threshold_pct: 75.5,
      threshold_source: 'api',
      configuration_threshold_pct: 80,
      notification_email: 'admin@example.com',
      email: { deliverable: false, reason: 'no SMTP server is configured (alerts.smtp.host)' },
      updated_at: '2026-11-01T00:00:00.000Z',
      updated_by: 'operator key test operator',
    });
    expect(body.webhooks).toEqual([
      {
        id: expect.stringMatching(/^webhook:hooks\.slack\.com:[0-9a-f]{10}$/),
        url: 'https://hooks.slack.com/…',
        format: 'slack',
      },
      {
        id: expect.stringMatching(/^webhook:ops\.example:8080:[0-9a-f]{10}$/),
        url: 'http://ops.example:8080/…',
        format: 'json',
      },
    ]);
    expect(set.body).not.toMatch(/s3cr3t|token=abc/);

    const read = await get(api(), '/sla/capacity/alerts/configure');
    expect(read.json()).toEqual(body);

    // An absent field keeps its value; null puts the threshold back to the configuration's.
    const partial = await configure({ threshold_pct: null });
    expect(partial.json()).toMatchObject({
      threshold_pct: 80,
      threshold_source: 'configuration',
      notification_email: 'admin@example.com',
      webhooks: body.webhooks,
    });
    const cleared = await configure({ notification_email: null, webhooks: [] }, 'admin');
    expect(cleared.json()).toMatchObject({
      notification_email: null,
      webhooks: [],
      updated_by: 'admin key test admin',
    });
  });

  it('refuses every bad field with a 400 problem and changes nothing', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{}, /^body must NOT have fewer than 1 properties$/],
      [{ threshold_pct: 0 }, /^body\.threshold_pct must be > 0;/],
      [{ threshold_pct: -5 }, /^body\.threshold_pct must be > 0;/],
      [{ threshold_pct: 100.5 }, /^body\.threshold_pct must be <= 100;/],
      [{ threshold_pct: 'eighty' }, /^body\.threshold_pct must be number;/],
      [{ threshold_pct: true }, /^body\.threshold_pct must be number;/],
      [
        { notification_email: 'not-an-address' },
        /^body\.notification_email "not-an-address" is not an e-mail address/,
      ],
      [{ notification_email: 'a@b@c.example' }, /not an e-mail address/],
      [
        { notification_email: 'admin@example.com\r\nBcc: x@evil.example' },
        /^body\.notification_email "admin@example\.com\\r\\nBcc: x@evil\.example" is not/,
      ],
      [{ notification_email: 42 }, /^body\.notification_email must be string;/],
      [
        { notification_email: `${'a'.repeat(250)}@example.com` },
        /^body\.notification_email must NOT have more than 254 characters;/,
      ],
      [{ webhooks: 'https://x.example' }, /^body\.webhooks must be array$/],
      [
        { webhooks: [{ url: 'ftp://files.example/x' }] },
        /^body\.webhooks\[0\]\.url must be http or https, not ftp$/,
      ],
      [{ webhooks: [{ url: 'javascript:alert(1)' }] }, /must be http or https/],
      [{ webhooks: [{ url: 'not a url' }] }, /^body\.webhooks\[0\]\.url is not a URL$/],
      [{ webhooks: [{ url: '' }] }, /^body\.webhooks\[0\]\.url must NOT have fewer than 1 characters$/],
      [
        { webhooks: [{ url: 'https://x.example', format: 'xml' }] },
        /^body\.webhooks\[0\]\.format must be one of "json", "slack"$/,
      ],
      [
        { webhooks: [{ url: 'https://x.example', headers: {} }] },
        /^body\.webhooks\[0\] has an unknown field "headers"$/,
      ],
      [{ webhooks: [{ format: 'json' }] }, /^body\.webhooks\[0\] is missing the required field "url"$/],
      [
        { webhooks: [{ url: 'https://x.example' }, { url: 'https://x.example', format: 'json' }] },
        /^body\.webhooks\[1\] repeats body\.webhooks\[0\]$/,
      ],
      [
        { webhooks: Array.from({ length: 11 }, (_, i) => ({ url: `https://h${i}.example` })) },
        /^body\.webhooks must NOT have more than 10 items$/,
      ],
      [
        { webhooks: [{ id: 'webhook:nowhere.example:0123456789' }] },
        /^body\.webhooks\[0\]\.id "webhook:nowhere\.example:0123456789" is not a webhook in effect$/,
      ],
      [
        { webhooks: [{ id: 'webhook:x:1', url: 'https://x.example' }] },
        /^body\.webhooks\[0\] keeps a webhook by id: it takes no url or format$/,
      ],
      [{ threshold: 80 }, /^body has an unknown field "threshold"$/],
      [[{ threshold_pct: 80 }], /^body must be object$/],
    ];
    for (const [payload, detail] of bad) {
      expectProblem(await configure(payload), 400, 'invalid-request', detail);
    }
    const notJson = await api().app.inject({
      method: 'POST',
      url: '/sla/capacity/alerts/configure',
      headers: { ...api().as('operator'), 'content-type': 'application/json' },
      payload: '{"threshold_pct": ',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await get(api(), '/sla/capacity/alerts/configure')).json()).toMatchObject({
      threshold_source: 'configuration',
      updated_at: null,
    });
  });

  it('keeps a webhook in effect by its id while the list changes around it, without its URL sent again', async () => {
    const first = await configure({
      webhooks: [
        { url: 'https://hooks.slack.com/services/T000/B000/SECRET', format: 'slack' },
        { url: 'https://ops.example/hook?token=abc' },
      ],
    });
    expect(first.statusCode, first.body).toBe(200);
    const [slack, ops] = (first.json() as { webhooks: Array<{ id: string; url: string }> }).webhooks;
    const next = await configure({ webhooks: [{ id: slack?.id }, { url: 'https://new.example/hook' }] });
    expect(next.statusCode, next.body).toBe(200);
    const kept = (next.json() as { webhooks: Array<{ id: string; url: string; format: string }> }).webhooks;
    expect(kept.map((w) => w.id)).toEqual([slack?.id, expect.stringMatching(/^webhook:new\.example:/)]);
    expect(kept[0]).toMatchObject({ format: 'slack' });
    expect(kept.some((w) => w.id === ops?.id)).toBe(false);
    expect(next.body).not.toContain('SECRET');
    // The stored URL is the one first sent: deliveries still reach it.
    const row = await api()
      .store.db.selectFrom('capacity_alert_settings')
      .select('webhooks')
      .executeTakeFirst();
    expect(row?.webhooks).toContain('https://hooks.slack.com/services/T000/B000/SECRET');
  });

  it('lets operators and admins configure, anyone with a key read, and nobody without one', async () => {
    expect((await configure({ threshold_pct: 70 }, null)).statusCode).toBe(401);
    expectProblem(await configure({ threshold_pct: 70 }, 'read'), 403, 'forbidden');
    expectProblem(await configure({ threshold_pct: 70 }, 'tenant'), 403, 'forbidden');
    expectProblem(await configure({ threshold_pct: 70 }, 'node'), 403, 'forbidden');
    expect((await get(api(), '/sla/capacity/alerts/configure', null)).statusCode).toBe(401);
    expect((await get(api(), '/sla/capacity/alerts', null)).statusCode).toBe(401);
    expect((await configure({ threshold_pct: 70 }, 'operator')).statusCode).toBe(200);
    expect((await get(api(), '/sla/capacity/alerts/configure', 'tenant')).json()).toMatchObject({
      threshold_pct: 70,
    });
  });

  it('fires a utilisation alert at the stored threshold after a collection and lists it until it resolves', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    expect((await configure({ threshold_pct: 70 })).statusCode).toBe(200);
    await liveMinutes(api(), 2, ['n1'], () => ({ busy_slots: 3, queue_length: 0 }));
    expect((await collect(api())).statusCode).toBe(200);
    const open = await get(api(), '/sla/capacity/alerts');
    expect(open.json()).toEqual([
      {
        id: expect.any(String),
        alert: 'capacity_utilization_high',
        opened_at: expect.any(String),
        resolved_at: null,
        threshold_pct: 70,
        value_pct: 75,
        worst_pct: 75,
        last_value_pct: 75,
        forecast_at: null,
      },
    ]);
    await liveMinutes(api(), 2, ['n1'], () => ({ busy_slots: 1, queue_length: 0 }));
    await collect(api());
    expect((await get(api(), '/sla/capacity/alerts')).json()).toEqual([]);
    const all = (await get(api(), '/sla/capacity/alerts?open=false')).json() as Array<
      Record<string, unknown>
    >;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ last_value_pct: 25, resolved_at: expect.any(String) });
    expectProblem(await get(api(), '/sla/capacity/alerts?limit=0'), 400, 'invalid-request', /limit/);
    expectProblem(await get(api(), '/sla/capacity/alerts?open=maybe'), 400, 'invalid-request', /open/);
  });
});

describe('API: capacity alert settings with an SMTP server configured', () => {
  describeEachBackend('e-mail', (backend) => {
    const api = useApi(backend, (c) => {
      c.alerts.smtp.host = 'smtp.example';
    });
    it('says e-mail is deliverable once an address is set', async () => {
      const res = await api().app.inject({
        method: 'POST',
        url: '/sla/capacity/alerts/configure',
        headers: api().as('operator'),
        payload: { notification_email: 'ops@example.com' },
      });
      expect(res.json()).toMatchObject({ email: { deliverable: true, reason: null } });
    });
  });
});
