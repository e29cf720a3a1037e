import { beforeEach, expect, it } from 'vitest';
import { type TopicDefinition, topicSchema } from '../../../src/config/topic-schema.ts';
import { problemOf } from '../../../src/coordinator/http/problem.ts';
import {
  checkClaimAdmission,
  checkVerificationAdmission,
} from '../../../src/coordinator/workers/admission.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { useApi } from '../api/support.ts';
import { declared, enc, hostsWithTopics, operator, syncOk, type TestNode } from './support.ts';

describeEachBackend('workers: claim admission', (backend) => {
  const api = useApi(backend);
  let a: TestNode;
  let b: TestNode;
  const hash: TopicDefinition = topicSchema.parse({ name: 'hash', min_benchmark_score: 2 });
  const primes: TopicDefinition = topicSchema.parse({ name: 'primes' });
  const worker = () => `${a.id}/main`;

  beforeEach(async () => {
    [a, b] = (await hostsWithTopics(api(), 2, [hash, primes])) as [TestNode, TestNode];
  });

  async function claimRefusal(nodeId: string, workerId: string, topic: TopicDefinition) {
    const problem = await checkClaimAdmission(api().store.db, { nodeId, workerId, topic });
    if (problem === null) return null;
    const { status, type } = problemOf(problem);
    return { status, type: type.split(':').at(-1) };
  }

  async function report(benchmark: Record<string, number>, verify: string[] = []) {
    await syncOk(api(), a, [
      declared(worker(), {
        declared: {
          topics: [
            { topic: 'hash', concurrency: 1 },
            { topic: 'primes', concurrency: 1 },
          ],
          verify_topics: verify,
        },
        benchmark,
      }),
    ]);
  }

  it('admits the node’s own enabled worker on an assigned topic with a high enough benchmark', async () => {
    await report({ hash: 2 });
    expect(await claimRefusal(a.id, worker(), hash)).toBeNull();
    // A topic without a minimum needs no benchmark at all.
    expect(await claimRefusal(a.id, worker(), primes)).toBeNull();
  });

  it('refuses an unknown worker and another node’s worker alike: 404 unknown-worker', async () => {
    await report({ hash: 5 });
    expect(await claimRefusal(a.id, 'nobody', hash)).toEqual({ status: 404, type: 'unknown-worker' });
    expect(await claimRefusal(b.id, worker(), hash)).toEqual({ status: 404, type: 'unknown-worker' });
  });

  it('refuses a disabled worker (409) until it is enabled again', async () => {
    await report({ hash: 5 });
    await operator(api(), 'POST', `/pools/default/workers/${enc(worker())}/disable`);
    expect(await claimRefusal(a.id, worker(), hash)).toEqual({ status: 409, type: 'worker-disabled' });
    await operator(api(), 'POST', `/pools/default/workers/${enc(worker())}/enable`);
    expect(await claimRefusal(a.id, worker(), hash)).toBeNull();
  });

  it('refuses a topic the worker is not assigned: 409 topic-not-assigned', async () => {
    await syncOk(api(), a, [declared(worker(), { benchmark: { hash: 5 } })]);
    expect(await claimRefusal(a.id, worker(), primes)).toEqual({ status: 409, type: 'topic-not-assigned' });
  });

  it('refuses a benchmark below the topic’s minimum, or none reported: 403 benchmark-too-low', async () => {
    await report({});
    expect(await claimRefusal(a.id, worker(), hash)).toEqual({ status: 403, type: 'benchmark-too-low' });
    await report({ hash: 1.99 });
    const low = await checkClaimAdmission(api().store.db, { nodeId: a.id, workerId: worker(), topic: hash });
    expect(low === null ? null : problemOf(low).status).toBe(403);
    expect(low?.extras).toEqual({ score: 1.99, min_benchmark_score: 2 });
    expect(low?.message).toMatch(/scored 1\.99.*minimum of 2/);
    await report({ hash: 2.5 });
    expect(await claimRefusal(a.id, worker(), hash)).toBeNull();
  });

  it('admits verification claims only for topics the worker verifies', async () => {
    await report({}, ['primes']);
    const check = (nodeId: string, topic: string) =>
      checkVerificationAdmission(api().store.db, { nodeId, workerId: worker(), topic });
    expect(await check(a.id, 'primes')).toBeNull();
    expect((await check(a.id, 'hash'))?.slug).toBe('topic-not-assigned');
    expect((await check(b.id, 'primes'))?.slug).toBe('unknown-worker');
  });
});
