import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sampledForVerification, samplePoint } from '../../../src/core/work/sampling.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { claim, jobOf, nodeWithWorker, resultOf, sendResults, submitted, useWorkApi } from './support.ts';

describe('verification sampling', () => {
  it('reads the first four bytes of sha256(job_id) as a fraction of 2^32', () => {
    const digest = createHash('sha256').update('job-1').digest();
    const expected =
      (digest[0]! * 2 ** 24 + digest[1]! * 2 ** 16 + digest[2]! * 2 ** 8 + digest[3]!) / 2 ** 32;
    expect(samplePoint('job-1')).toBe(expected);
    expect(sampledForVerification('job-1', expected)).toBe(false);
    expect(sampledForVerification('job-1', expected + 1e-9)).toBe(true);
  });

  it('samples nothing at 0, everything at 1, and about the rate in between', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `job-${i}`);
    expect(ids.filter((id) => sampledForVerification(id, 0))).toHaveLength(0);
    expect(ids.filter((id) => sampledForVerification(id, 1))).toHaveLength(10_000);
    // Fixed ids, so the count is fixed too: within 3 standard deviations of 1000.
    const sampled = ids.filter((id) => sampledForVerification(id, 0.1)).length;
    expect(sampled).toBeGreaterThan(910);
    expect(sampled).toBeLessThan(1090);
  });
});

describeEachBackend('jobs: verification sampling at success', (backend) => {
  const api = useWorkApi(backend);

  it('marks a success of a verified topic pending as its job id decides, and a resend changes nothing', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const half = await api().app.inject({
      method: 'POST',
      url: '/topics',
      headers: api().as('operator'),
      payload: {
        name: 'half',
        verification: { adapter: { kind: 'command', command: 'node' }, sample_rate: 0.5 },
      },
    });
    expect(half.statusCode, half.body).toBe(201);
    await api()
      .store.db.updateTable('workers')
      .set({
        topics: JSON.stringify([
          { topic: 'half', concurrency: 1 },
          { topic: 'checked', concurrency: 1 },
          { topic: 'hash', concurrency: 1 },
        ]),
      })
      .execute();

    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await submitted(api(), 'half', i));
    const always = await submitted(api(), 'checked');
    const never = await submitted(api(), 'hash');
    const jobs = [
      ...(await claim(api(), w, 'half', { max: 12 })),
      ...(await claim(api(), w, 'checked')),
      ...(await claim(api(), w, 'hash')),
    ];
    const results = jobs.map((j) => resultOf(j, w.workerId, api().clock.now));
    expect(new Set(await sendResults(api(), w.node, results))).toEqual(new Set(['recorded']));
    expect(new Set(await sendResults(api(), w.node, results))).toEqual(new Set(['duplicate']));

    const states = await Promise.all(
      ids.map(async (id) => (await jobOf(api(), id)).verification?.state ?? null),
    );
    expect(states).toEqual(ids.map((id) => (sampledForVerification(id, 0.5) ? 'pending' : null)));
    expect((await jobOf(api(), always)).verification).toEqual({ state: 'pending', verdict: null });
    expect((await jobOf(api(), never)).verification).toBeNull();
  });
});
