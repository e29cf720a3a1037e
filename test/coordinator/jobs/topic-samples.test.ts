import { expect, it } from 'vitest';
import { sampleTopics } from '../../../src/coordinator/topics/samples.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { claim, nodeWithWorker, submitted, useWorkApi } from './support.ts';

const INTERVAL_MS = 300_000;

const sample = (api: TestApi) =>
  sampleTopics({
    store: api.store,
    queue: api.work.queue,
    now: () => api.clock.now,
    intervalMs: INTERVAL_MS,
  });

const rows = (api: TestApi) =>
  api.store.db.selectFrom('topic_samples').selectAll().orderBy('sampled_at').orderBy('topic').execute();

describeEachBackend('topic samples', (backend) => {
  const api = useWorkApi(backend);

  it('records every topic’s queue as GET /topics shows it, idle topics as zeros', async () => {
    const worker = await nodeWithWorker(api(), 'w');
    for (let i = 0; i < 3; i++) await submitted(api(), 'hash');
    await claim(api(), worker, 'hash', { max: 1 });
    api().clock.now += 7_000;
    expect(await sample(api())).toBe(4);
    const at = api().clock.now;
    expect(await rows(api())).toEqual([
      {
        topic: 'checked',
        sampled_at: at,
        ready: 0,
        ready_now: 0,
        leased: 0,
        dead: 0,
        oldest_ready_age_ms: 0,
      },
      {
        topic: 'hash',
        sampled_at: at,
        ready: 2,
        ready_now: 2,
        leased: 1,
        dead: 0,
        oldest_ready_age_ms: 7_000,
      },
      { topic: 'once', sampled_at: at, ready: 0, ready_now: 0, leased: 0, dead: 0, oldest_ready_age_ms: 0 },
      { topic: 'timed', sampled_at: at, ready: 0, ready_now: 0, leased: 0, dead: 0, oldest_ready_age_ms: 0 },
    ]);
  });

  it('samples once per interval however many coordinators share the database', async () => {
    expect(await sample(api())).toBe(4);
    // A second coordinator whose schedule runs a moment later skips its turn.
    api().clock.now += INTERVAL_MS / 2 - 1;
    expect(await sample(api())).toBe(0);
    api().clock.now += 1;
    expect(await sample(api())).toBe(4);
    expect(new Set((await rows(api())).map((r) => r.sampled_at)).size).toBe(2);
  });
});
