import { expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem } from '../api/support.ts';
import { type JobJson, jobOf, submit, submitted, useWorkApi } from './support.ts';

describeEachBackend('jobs: submit, read, list, cancel', (backend) => {
  const api = useWorkApi(backend, {
    adjust: (c) => {
      c.jobs.max_payload_bytes = 1000;
    },
  });

  it('records a submitted job as queued for the key’s tenant and shows it', async () => {
    const res = await submit(api(), { topic: 'hash', payload: { n: 7 } });
    expect(res.statusCode, res.body).toBe(201);
    const { job_id, status } = res.json() as { job_id: string; status: string };
    expect(status).toBe('queued');
    expect(res.headers['location']).toBe(`/jobs/${job_id}`);
    const job = await jobOf(api(), job_id, 'tenant');
    expect(job).toMatchObject({
      job_id,
      topic: 'hash',
      tenant_id: 'test tenant',
      idempotency_key: null,
      status: 'queued',
      attempts: 0,
      max_attempts: 3,
      created_at_ms: api().clock.now,
      deadline_at_ms: null,
      node_id: null,
      result: null,
      error: null,
      verification: null,
    });
    expect(await api().work.queue.has([job_id])).toEqual(new Set([job_id]));
  });

  it('answers a repeated idempotency key with the first job, and a different payload with 409', async () => {
    const body = { topic: 'hash', payload: { a: 1, b: [2, 3] }, idempotency_key: 'order-42' };
    const first = await submit(api(), body);
    expect(first.statusCode, first.body).toBe(201);
    // The same JSON with its keys in another order is the same payload.
    const again = await submit(api(), { ...body, payload: { b: [2, 3], a: 1 } });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    const other = await submit(api(), { ...body, payload: { a: 2 } });
    const problem = expectProblem(other, 409, 'idempotency-conflict', /order-42.*another payload/);
    expect(problem['job_id']).toBe((first.json() as { job_id: string }).job_id);
    expectProblem(await submit(api(), { ...body, topic: 'once' }), 409, 'idempotency-conflict', /topic hash/);
    // Keys are per tenant: the operator's default tenant may use the same one.
    expect((await submit(api(), body, 'operator')).statusCode).toBe(201);
    const jobs = await api().store.db.selectFrom('jobs').select('job_id').execute();
    expect(jobs).toHaveLength(2);
  });

  it('refuses a payload above jobs.max_payload_bytes with 413 and an unknown topic with 422', async () => {
    const big = await submit(api(), { topic: 'hash', payload: 'x'.repeat(1000) });
    const problem = expectProblem(big, 413, 'payload-too-large', /1002 bytes.*max_payload_bytes \(1000\)/);
    expect(problem['payload_bytes']).toBe(1002);
    expect((await submit(api(), { topic: 'hash', payload: 'x'.repeat(998) })).statusCode).toBe(201);
    expectProblem(await submit(api(), { topic: 'nope', payload: 1 }), 422, 'unknown-topic', /no topic nope/);
    expectProblem(await submit(api(), { topic: 'hash' }), 400, 'invalid-request', /payload/);
    expectProblem(await submit(api(), { topic: 'hash', payload: 1 }, 'read'), 403, 'forbidden');
  });

  it('keeps tenants apart: own jobs only, another tenant named is 403, another’s job is 404', async () => {
    const mine = await submitted(api(), 'hash');
    const { key: otherKey } = await createApiKey(api().store.db, 'tenant', 'acme');
    const other = { authorization: `Bearer ${otherKey}` };
    const theirs = await api().app.inject({
      method: 'POST',
      url: '/jobs',
      headers: other,
      payload: { topic: 'hash', payload: 2 },
    });
    expect(theirs.statusCode, theirs.body).toBe(201);
    const theirId = (theirs.json() as { job_id: string }).job_id;
    expect((await jobOf(api(), theirId)).tenant_id).toBe('acme');

    expectProblem(
      await submit(api(), { topic: 'hash', payload: 1, tenant_id: 'acme' }),
      403,
      'forbidden',
      /acme/,
    );
    const peek = await api().app.inject({
      method: 'GET',
      url: `/jobs/${theirId}`,
      headers: api().as('tenant'),
    });
    expectProblem(peek, 404, 'not-found', new RegExp(theirId));
    const cancel = await api().app.inject({
      method: 'POST',
      url: `/jobs/${theirId}/cancel`,
      headers: api().as('tenant'),
    });
    expectProblem(cancel, 404, 'not-found');
    const list = await api().app.inject({ method: 'GET', url: '/jobs', headers: api().as('tenant') });
    expect((list.json() as { jobs: JobJson[] }).jobs.map((j) => j.job_id)).toEqual([mine]);
    const named = await api().app.inject({
      method: 'GET',
      url: '/jobs?tenant_id=acme',
      headers: api().as('tenant'),
    });
    expectProblem(named, 403, 'forbidden');
    // Operators act for any tenant and see every one.
    const forAcme = await submit(api(), { topic: 'hash', payload: 3, tenant_id: 'acme' }, 'operator');
    expect(forAcme.statusCode).toBe(201);
    const acme = await api().app.inject({
      method: 'GET',
      url: '/jobs?tenant_id=acme',
      headers: api().as('read'),
    });
    expect((acme.json() as { jobs: JobJson[] }).jobs).toHaveLength(2);
    const defaulted = await submit(api(), { topic: 'hash', payload: 4 }, 'operator');
    expect((await jobOf(api(), (defaulted.json() as { job_id: string }).job_id)).tenant_id).toBe('default');
  });

  it('lists newest first, filtered by topic and status, paged with before_ms', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      api().clock.now += 1000;
      ids.push(await submitted(api(), i % 2 === 0 ? 'hash' : 'once', i));
    }
    const list = async (query: string) => {
      const res = await api().app.inject({ method: 'GET', url: `/jobs?${query}`, headers: api().as('read') });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { jobs: JobJson[] }).jobs;
    };
    expect((await list('')).map((j) => j.job_id)).toEqual([...ids].reverse());
    expect((await list('topic=hash')).map((j) => j.job_id)).toEqual([ids[2], ids[0]]);
    const page = await list('limit=2');
    expect(page.map((j) => j.job_id)).toEqual([ids[3], ids[2]]);
    const next = await list(`limit=2&before_ms=${page[1]!['created_at_ms']}`);
    expect(next.map((j) => j.job_id)).toEqual([ids[1], ids[0]]);
    await api().app.inject({ method: 'POST', url: `/jobs/${ids[1]}/cancel`, headers: api().as('operator') });
    expect((await list('status=cancelled')).map((j) => j.job_id)).toEqual([ids[1]]);
    expectProblem(
      await api().app.inject({ method: 'GET', url: '/jobs?status=lost', headers: api().as('read') }),
      400,
      'invalid-request',
    );
  });

  it('cancels a queued job once (again is 200), takes it off the queue, and refuses a finished one', async () => {
    const id = await submitted(api(), 'hash');
    const cancel = () =>
      api().app.inject({ method: 'POST', url: `/jobs/${id}/cancel`, headers: api().as('tenant') });
    const res = await cancel();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ job_id: id, status: 'cancelled' });
    expect((await cancel()).json()).toEqual({ job_id: id, status: 'cancelled' });
    expect((await api().work.queue.has([id])).size).toBe(0);
    const job = await jobOf(api(), id);
    expect(job['finished_at_ms']).toBe(api().clock.now);

    const done = await submitted(api(), 'hash');
    await api()
      .store.db.updateTable('jobs')
      .set({ status: 'succeeded' })
      .where('job_id', '=', done)
      .execute();
    const refused = await api().app.inject({
      method: 'POST',
      url: `/jobs/${done}/cancel`,
      headers: api().as('operator'),
    });
    expectProblem(refused, 409, 'job-finished', /already succeeded/);
  });
});
