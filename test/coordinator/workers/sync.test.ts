import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, useApi } from '../api/support.ts';
import { signedInject } from '../epochs/support.ts';
import {
  declared,
  enc,
  hostsWithTopics,
  operator,
  type SyncJson,
  sync,
  syncOk,
  type TestNode,
} from './support.ts';

describeEachBackend('workers: sync', (backend) => {
  const api = useApi(backend);
  let a: TestNode;
  let b: TestNode;

  beforeEach(async () => {
    [a, b] = (await hostsWithTopics(api(), 2, [
      {
        name: 'hash',
        min_benchmark_score: 2,
        adapter: { kind: 'command', command: 'crunch', env: { TOKEN: 'hash-run-s3cret' } },
        verification: {
          adapter: {
            kind: 'http',
            url: 'http://127.0.0.1:9/judge',
            headers: { 'x-key': 'hash-judge-s3cret' },
          },
        },
      },
      {
        name: 'primes',
        adapter: {
          kind: 'http',
          url: 'http://127.0.0.1:9/run',
          headers: { authorization: 'primes-run-s3cret' },
        },
        verification: { adapter: { kind: 'command', command: 'check', env: { KEY: 'primes-judge-s3cret' } } },
      },
      { name: 'unused' },
    ])) as [TestNode, TestNode];
  });

  it('upserts declared workers, creates their pool, and answers the desired state with full topics', async () => {
    const answer = await syncOk(api(), a, [
      declared(`${a.id}/main`, {
        pool: 'edge',
        declared: { topics: [{ topic: 'hash', concurrency: 4 }], verify_topics: ['primes'] },
        state: 'working',
        busy_slots: 3,
        queue_length: 5,
        benchmark: { hash: 12.5 },
      }),
    ]);
    expect(answer).toMatchObject({
      node_id: a.id,
      server_time_ms: api().clock.now,
      lease_ms: api().config.queue.lease_ms,
      refused: [],
      workers: [
        {
          worker_id: `${a.id}/main`,
          pool: 'edge',
          source: 'config',
          enabled: true,
          generation: 0,
          topics: [{ topic: 'hash', concurrency: 4 }],
          verify_topics: ['primes'],
        },
      ],
    });
    // Full definitions of what it runs or verifies, and nothing else.
    expect(answer.topics.map((t) => t.name)).toEqual(['hash', 'primes']);
    expect(answer.topics[0]).toMatchObject({ name: 'hash', min_benchmark_score: 2, timeout_ms: 30_000 });

    const pool = await get(api(), '/pools/edge');
    expect(pool.statusCode, pool.body).toBe(200);
    expect(pool.json()).toMatchObject({ name: 'edge', workers: [{ worker_id: `${a.id}/main` }] });

    const worker = (await get(api(), `/workers/${enc(`${a.id}/main`)}`)).json();
    expect(worker).toMatchObject({
      node_id: a.id,
      state: 'working',
      state_at_ms: api().clock.now,
      busy_slots: 3,
      queue_length: 5,
      benchmark: { hash: 12.5 },
      last_seen_at_ms: api().clock.now,
    });
  });

  it('is the node’s heartbeat, with busy slots and queue length summed over its workers', async () => {
    await syncOk(api(), a, [
      declared(`${a.id}/main`, { busy_slots: 2, queue_length: 1 }),
      declared(`${a.id}/second`, { busy_slots: 3, queue_length: 4 }),
    ]);
    const node = (await get(api(), `/nodes/${a.id}`)).json() as { status: Record<string, unknown> };
    expect(node.status).toMatchObject({ live: true, busy_slots: 5, queue_length: 5, version: '0.1.0' });
  });

  it('keeps each transition once when a host resends them, and lists them newest first', async () => {
    const t = api().clock.now;
    const transitions = [
      { state: 'starting', reason: null, at_ms: t - 3_000 },
      { state: 'benchmarking', reason: null, at_ms: t - 2_000 },
      { state: 'ready', reason: null, at_ms: t - 1_000 },
    ];
    const report = declared(`${a.id}/main`, { state: 'ready', transitions });
    await syncOk(api(), a, [report]);
    api().clock.now += 5_000;
    // The answer was lost: the host sends the same transitions again, with one more.
    await syncOk(api(), a, [
      {
        ...report,
        state: 'working',
        transitions: [...transitions, { state: 'working', reason: null, at_ms: t + 4_000 }],
      },
    ]);
    const states = (await get(api(), `/workers/${enc(`${a.id}/main`)}/states`)).json() as {
      states: Array<{ state: string; at_ms: number }>;
    };
    expect(states.states.map((s) => [s.state, s.at_ms])).toEqual([
      ['working', t + 4_000],
      ['ready', t - 1_000],
      ['benchmarking', t - 2_000],
      ['starting', t - 3_000],
    ]);
    const worker = (await get(api(), `/workers/${enc(`${a.id}/main`)}`)).json();
    expect(worker).toMatchObject({ state: 'working', state_at_ms: t + 4_000 });
  });

  it('refuses another node’s worker id item by item, and goes on with the rest', async () => {
    await syncOk(api(), a, [declared(`${a.id}/main`, { benchmark: { hash: 9 } })]);
    const answer = (
      await sync(api(), b, [
        declared(`${a.id}/main`, {
          declared: { topics: [{ topic: 'primes', concurrency: 1 }], verify_topics: [] },
        }),
        declared(`${b.id}/main`),
        // Undeclared: only an operator-added worker of this node may be reported without a declaration.
        { ...declared(`${a.id}/main`), declared: null, benchmark: { hash: 100 } },
      ])
    ).json() as SyncJson;
    expect(answer.refused.map((r) => [r.worker_id, r.type])).toEqual([
      [`${a.id}/main`, 'unknown-worker'],
      [`${a.id}/main`, 'unknown-worker'],
    ]);
    expect(answer.workers.map((w) => w.worker_id)).toEqual([`${b.id}/main`]);
    const stolen = (await get(api(), `/workers/${enc(`${a.id}/main`)}`)).json();
    expect(stolen).toMatchObject({
      node_id: a.id,
      topics: [{ topic: 'hash', concurrency: 4 }],
      benchmark: { hash: 9 },
    });
  });

  it('gives a node only the secrets of what its enabled workers run or verify', async () => {
    const answer = await syncOk(api(), a, [
      declared(`${a.id}/main`, {
        declared: { topics: [{ topic: 'hash', concurrency: 1 }], verify_topics: ['primes'] },
      }),
    ]);
    const [hash, primes] = answer.topics as unknown as Array<{
      adapter: Record<string, unknown>;
      verification: { adapter: Record<string, unknown> };
    }>;
    // It runs hash: hash's adapter secrets, not its judge's; it judges primes: the other way round.
    expect(hash!.adapter['env']).toEqual({ TOKEN: 'hash-run-s3cret' });
    expect(hash!.verification.adapter['headers']).toEqual({ 'x-key': '[redacted]' });
    expect(primes!.adapter['headers']).toEqual({ authorization: '[redacted]' });
    expect(primes!.verification.adapter['env']).toEqual({ KEY: 'primes-judge-s3cret' });

    // Disabled by the operator, the worker still hears of its topics, with no secret at all.
    await operator(api(), 'POST', `/pools/default/workers/${enc(`${a.id}/main`)}/disable`);
    const off = await syncOk(api(), a, [declared(`${a.id}/main`)]);
    expect(JSON.stringify(off.topics)).not.toContain('s3cret');
  });

  it('takes topics from the declaration but keeps enabled and generation as the operator set them', async () => {
    await syncOk(api(), a, [declared(`${a.id}/main`)]);
    expect(
      (await operator(api(), 'POST', `/pools/default/workers/${enc(`${a.id}/main`)}/disable`)).statusCode,
    ).toBe(200);
    expect(
      (await operator(api(), 'POST', `/pools/default/workers/${enc(`${a.id}/main`)}/restart`)).statusCode,
    ).toBe(200);
    const answer = await syncOk(api(), a, [
      declared(`${a.id}/main`, {
        declared: { topics: [{ topic: 'primes', concurrency: 2 }], verify_topics: [] },
      }),
    ]);
    expect(answer.workers).toEqual([
      {
        worker_id: `${a.id}/main`,
        pool: 'default',
        source: 'config',
        enabled: false,
        generation: 1,
        topics: [{ topic: 'primes', concurrency: 2 }],
        verify_topics: [],
      },
    ]);
    expect(answer.topics.map((t) => t.name)).toEqual(['primes']);
  });

  it('merges benchmark scores so a score stands until the worker measures it again', async () => {
    await syncOk(api(), a, [declared(`${a.id}/main`, { benchmark: { hash: 3 } })]);
    await syncOk(api(), a, [declared(`${a.id}/main`, { benchmark: {} })]);
    await syncOk(api(), a, [declared(`${a.id}/main`, { benchmark: { primes: 1.5 } })]);
    const worker = (await get(api(), `/workers/${enc(`${a.id}/main`)}`)).json();
    expect(worker).toMatchObject({ benchmark: { hash: 3, primes: 1.5 } });
  });

  it('needs the node’s signature, and refuses a malformed report whole', async () => {
    const unsigned = await api().app.inject({
      method: 'POST',
      url: '/workers/sync',
      headers: api().as('operator'),
      payload: { version: '0.1.0', workers: [] },
    });
    expectProblem(unsigned, 401, 'signature-required');
    expectProblem(
      await sync(api(), a, [declared(`${a.id}/main`, { state: 'sleeping' })]),
      400,
      'invalid-request',
      /state must be one of/,
    );
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ state: 'ready', reason: null, at_ms: i }));
    expectProblem(
      await sync(api(), a, [declared(`${a.id}/main`, { transitions: tooMany })]),
      400,
      'invalid-request',
    );
    const forged = await signedInject(api(), a, '/workers/sync', {
      body: JSON.stringify({ version: '0.1.0', workers: [] }),
      signWith: b.privateKey,
    });
    expectProblem(forged, 401, 'bad-signature');
  });
});
