import { expect, it } from 'vitest';
import { sampleCapacity } from '../../../src/coordinator/capacity/sampler.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { claim, nodeWithWorker, resultOf, sendResults, submitted, useWorkApi } from '../jobs/support.ts';

const HOUR_MS = 3_600_000;

describeEachBackend('capacity sampling', (backend) => {
  const api = useWorkApi(backend);

  const sample = (a: TestApi) =>
    sampleCapacity({
      store: a.store,
      queue: a.work.queue,
      now: () => a.clock.now,
      intervalS: 3600,
      sampleIntervalS: 60,
      livenessTimeoutS: 600,
    });

  const rows = async (a: TestApi) => {
    const all = await a.store.db.selectFrom('capacity_series').selectAll().orderBy('scope').execute();
    return new Map(all.map((r) => [`${r.scope}@${Number(r.bucket_start)}`, r]));
  };

  const heartbeat = (a: TestApi, nodeId: string, at: number) =>
    a.store.db
      .insertInto('node_status')
      .values({
        node_id: nodeId,
        first_heartbeat_at: at,
        last_heartbeat_at: at,
        busy_slots: 1,
        queue_length: 0,
        version: null,
      })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ last_heartbeat_at: at }))
      .execute();

  it('adds supply, busy slots and queue to the interval’s buckets, and counts the work that arrived in slot-seconds', async () => {
    const a = api();
    a.clock.now = Date.UTC(2026, 10, 1, 12, 10);
    const bucket = Date.UTC(2026, 10, 1, 12);
    const worker = await nodeWithWorker(a, 'cap', ['hash', 'once']);
    await heartbeat(a, worker.node.id, a.clock.now);
    for (let i = 0; i < 3; i++) await submitted(a, 'hash', { i });
    const claimed = await claim(a, worker, 'hash', { max: 2 });
    expect(claimed).toHaveLength(2);
    // One attempt of two seconds (by the coordinator's clock) ends: the topic's mean attempt is
    // 2 s, so its three arrivals are 6 slot-seconds.
    const claimedAt = a.clock.now;
    a.clock.now += 2_000;
    await sendResults(a, worker.node, [resultOf(claimed[0]!, worker.workerId, claimedAt, {}, 2_000)]);

    // Four configured topics and the fleet.
    expect(await sample(a)).toBe(5);
    const first = await rows(a);
    expect(first.get(`topic:hash@${bucket}`)).toMatchObject({
      samples: 1,
      busy_sum: 1,
      queued_sum: 1,
      supply_sum: 4,
      live_nodes_sum: 1,
      arrivals: 3,
      work_slot_s: 6,
    });
    expect(first.get(`topic:once@${bucket}`)).toMatchObject({ supply_sum: 4, arrivals: 0, busy_sum: 0 });
    expect(first.get(`topic:timed@${bucket}`)).toMatchObject({ supply_sum: 0, live_nodes_sum: 0 });
    // The fleet: the node's max_parallel (1) and its reported busy slot, the queue, all arrivals.
    expect(first.get(`fleet@${bucket}`)).toMatchObject({
      samples: 1,
      supply_sum: 1,
      busy_sum: 1,
      queued_sum: 1,
      live_nodes_sum: 1,
      arrivals: 3,
      work_slot_s: 6,
    });

    // Within half a sampling interval of the last: another coordinator already sampled.
    a.clock.now += 20_000;
    expect(await sample(a)).toBe(0);

    // A minute later the sums grow by a second sampling; the node has gone silent by then.
    a.clock.now += 700_000;
    expect(await sample(a)).toBe(5);
    const second = await rows(a);
    expect(second.get(`topic:hash@${bucket}`)).toMatchObject({
      samples: 2,
      supply_sum: 4,
      live_nodes_sum: 1,
    });
    expect(second.get(`fleet@${bucket}`)).toMatchObject({ samples: 2, supply_sum: 1, live_nodes_sum: 1 });

    // The next hour opens new buckets; the previous one's arrivals stay counted.
    a.clock.now = bucket + HOUR_MS + 60_000;
    await heartbeat(a, worker.node.id, a.clock.now);
    await submitted(a, 'hash', { late: true });
    expect(await sample(a)).toBe(5);
    const third = await rows(a);
    expect(third.get(`topic:hash@${bucket}`)).toMatchObject({ arrivals: 3, samples: 2 });
    expect(third.get(`topic:hash@${bucket + HOUR_MS}`)).toMatchObject({
      arrivals: 1,
      samples: 1,
      queued_sum: 2,
    });
  });
});
