import { expect, it } from 'vitest';
import { upsertConfigTopics } from '../../../src/store/repositories/topics.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem } from '../api/support.ts';
import { submitted, topic, useWorkApi } from './support.ts';

interface TopicJson {
  name: string;
  source: string;
  adapter: Record<string, unknown> | null;
  verification: { adapter: Record<string, unknown> } | null;
  queue: Record<string, number>;
  [key: string]: unknown;
}

describeEachBackend('topics', (backend) => {
  const api = useWorkApi(backend);
  const post = (body: unknown) =>
    api().app.inject({
      method: 'POST',
      url: '/topics',
      headers: api().as('operator'),
      payload: body as object,
    });
  const get = async (name: string) => {
    const res = await api().app.inject({ method: 'GET', url: `/topics/${name}`, headers: api().as('read') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as TopicJson;
  };

  it('lists the configured topics with their source and queue', async () => {
    await submitted(api(), 'hash');
    await submitted(api(), 'hash');
    const res = await api().app.inject({ method: 'GET', url: '/topics', headers: api().as('read') });
    expect(res.statusCode, res.body).toBe(200);
    const topics = (res.json() as { topics: TopicJson[] }).topics;
    expect(topics.map((t) => t.name)).toEqual(['checked', 'hash', 'once', 'timed']);
    const hash = topics.find((t) => t.name === 'hash')!;
    expect(hash).toMatchObject({ source: 'config', max_attempts: 3, timeout_ms: 30_000 });
    expect(hash.queue).toEqual({ ready: 2, ready_now: 2, leased: 0, dead: 0, oldest_ready_age_ms: 0 });
    expectProblem(
      await api().app.inject({ method: 'GET', url: '/topics/nope', headers: api().as('read') }),
      404,
      'unknown-topic',
    );
  });

  it('creates a topic with defaults (201), replaces it (200), and never shows header values', async () => {
    const body = {
      name: 'infer',
      adapter: {
        kind: 'http',
        url: 'http://127.0.0.1:9000/run',
        headers: { authorization: 'Bearer s3cret' },
      },
      verification: {
        adapter: { kind: 'http', url: 'http://127.0.0.1:9000/check', headers: { 'x-key': 'k' } },
        sample_rate: 0.25,
      },
    };
    const created = await post(body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['location']).toBe('/topics/infer');
    expect(created.body).not.toContain('s3cret');
    const view = created.json() as TopicJson;
    expect(view).toMatchObject({
      name: 'infer',
      source: 'api',
      max_attempts: 3,
      unit: 'job',
      deadline_ms: null,
    });
    expect(view.adapter).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:9000/run',
      headers: { authorization: '[redacted]' },
    });
    expect(view.verification?.adapter['headers']).toEqual({ 'x-key': '[redacted]' });
    // The stored definition keeps the real values for the workers that run it.
    const stored = await api()
      .store.db.selectFrom('topics')
      .select('definition')
      .where('name', '=', 'infer')
      .executeTakeFirstOrThrow();
    expect(stored.definition).toContain('s3cret');

    const replaced = await post({ ...body, max_attempts: 5 });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect((await get('infer'))['max_attempts']).toBe(5);
    expect((await get('infer'))['created_at_ms']).toBe(view['created_at_ms']);
  });

  it('never shows a command adapter’s environment values either', async () => {
    const created = await post({
      name: 'crunch',
      adapter: { kind: 'command', command: 'crunch', env: { API_TOKEN: 'tok-s3cret', MODE: 'fast' } },
      verification: { adapter: { kind: 'command', command: 'check', env: { KEY: 'v-s3cret' } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    for (const answer of [created.body, JSON.stringify(await get('crunch'))]) {
      expect(answer).not.toMatch(/s3cret/);
    }
    const view = (await get('crunch')) as unknown as TopicJson;
    expect(view.adapter?.['env']).toEqual({ API_TOKEN: '[redacted]', MODE: '[redacted]' });
    expect(view.verification?.adapter['env']).toEqual({ KEY: '[redacted]' });
  });

  it('refuses changes to a configured topic (409) and invalid definitions (400 naming the field)', async () => {
    expectProblem(await post({ name: 'hash', max_attempts: 9 }), 409, 'topic-from-config', /configuration/);
    expect((await get('hash'))['max_attempts']).toBe(3);
    expectProblem(await post({ name: 'Bad Name' }), 400, 'invalid-request', /body\.name/);
    // What JSON Schema cannot say, the configuration's own schema checks next.
    const backoff = await post({ name: 'ok', backoff: { initial_ms: 5000, max_ms: 10 } });
    expectProblem(
      backoff,
      400,
      'invalid-request',
      /body\.backoff\.max_ms: expected max_ms at least initial_ms/,
    );
    expectProblem(await post({ name: 'x', surprise: 1 }), 400, 'invalid-request', /surprise/);
    const tenant = await api().app.inject({
      method: 'POST',
      url: '/topics',
      headers: api().as('tenant'),
      payload: { name: 'x' },
    });
    expectProblem(tenant, 403, 'forbidden');
  });

  it('upserts configured topics at start, and frees a topic the configuration no longer declares', async () => {
    const db = api().store.db;
    await upsertConfigTopics(db, [topic({ name: 'hash', max_attempts: 7 })], api().clock.now + 1);
    expect(await get('hash')).toMatchObject({ max_attempts: 7, source: 'config' });
    expect(await get('once')).toMatchObject({ source: 'api' });
    expect((await post({ name: 'once', max_attempts: 2 })).statusCode).toBe(200);
  });
});
