import { describe, expect, it } from 'vitest';
import { queueTicks } from '../../../src/autoscaler/sources/queue-ticks.ts';
import { topicSource } from '../../../src/autoscaler/sources/topic.ts';
import {
  claim,
  nodeWithWorker,
  resultOf,
  sendResults,
  submitted,
  useWorkApi,
} from '../../coordinator/jobs/support.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

describeEachBackend('autoscaler: a topic as a source', (backend) => {
  const api = useWorkApi(backend);

  it('reads backlog, oldest age, arrivals and the throughput one replica showed', async () => {
    const source = topicSource(
      { topic: 'hash', concurrency: 2, rateWindowS: 60 },
      { db: api().store.db, queue: api().work.queue, now: () => api().clock.now },
    );
    const empty = await source.read();
    expect(empty['topic.backlog']?.value).toBe(0);
    expect(empty['topic.per_replica_per_s']).toBeUndefined();

    const worker = await nodeWithWorker(api(), 'n');
    for (let i = 0; i < 6; i++) await submitted(api(), 'hash', { i });
    const startedAt = api().clock.now;
    const claimed = await claim(api(), worker, 'hash', { max: 2 });
    // Two attempts of 400 ms each: one replica running two at a time does 5 jobs a second.
    api().clock.now += 400;
    await sendResults(
      api(),
      worker.node,
      claimed.map((job) => resultOf(job, worker.workerId, startedAt, {}, 400)),
    );
    api().clock.now += 9_600;
    const readings = await source.read();
    expect(readings['topic.backlog']?.value).toBe(4);
    expect(readings['topic.ready']?.value).toBe(4);
    expect(readings['topic.leased']?.value).toBe(0);
    expect(readings['topic.oldest_age_s']?.value).toBeGreaterThanOrEqual(10);
    expect(readings['topic.arrival_per_s']?.value).toBeCloseTo(6 / 60, 6);
    expect(readings['topic.per_replica_per_s']?.value).toBeCloseTo(5, 6);
    expect(readings['topic.backlog']?.at).toBe(api().clock.now);

    // Past the window nothing has arrived or ended: the rate is zero, the throughput unknown.
    api().clock.now += 120_000;
    const later = await source.read();
    expect(later['topic.arrival_per_s']?.value).toBe(0);
    expect(later['topic.per_replica_per_s']).toBeUndefined();
  });

  it('ticks when a watched topic’s queue grows, not for other topics or a shrinking queue', async () => {
    const ticks: Array<Record<string, unknown> | undefined> = [];
    const source = queueTicks(api().work.queue, { topics: ['hash'], pollMs: 20, now: () => api().clock.now });
    source.start((tick) => ticks.push(tick.detail));
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && ticks.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toEqual([]);
    await submitted(api(), 'once', { i: 0 });
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toEqual([]);
    await submitted(api(), 'hash', { i: 1 });
    await waitFor(1);
    expect(ticks).toEqual([{ topics: ['hash'] }]);
    // Unchanged: no more ticks.
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks).toHaveLength(1);
    await source.stop();
  });
});

describe('autoscaler: a topic source that cannot read', () => {
  it('says which topic and why, as a SourceError', async () => {
    const source = topicSource(
      { topic: 'hash', concurrency: 1 },
      {
        db: {} as never,
        queue: { stats: () => Promise.reject(new Error('connection refused')) } as never,
        now: () => 0,
      },
    );
    await expect(source.read()).rejects.toThrow('topic source: cannot read topic hash: connection refused');
  });
});
