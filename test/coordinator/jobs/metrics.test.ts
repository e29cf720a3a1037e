import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { claim, LEASE_MS, nodeWithWorker, resultOf, sendResults, submitted, useWorkApi } from './support.ts';

describeEachBackend('jobs: coordinator metrics', (backend) => {
  const api = useWorkApi(backend);
  const scrape = async () => {
    const res = await api().app.inject({ method: 'GET', url: '/metrics', headers: api().as('read') });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it('counts submissions, claims, outcomes, results and expiries, and reads the queue at scrape', async () => {
    const w = await nodeWithWorker(api(), 'node-a');
    const done = await submitted(api(), 'hash');
    await submitted(api(), 'once');
    const [job] = await claim(api(), w, 'hash');
    expect(job?.job_id).toBe(done);
    await sendResults(api(), w.node, [resultOf(job!, w.workerId, api().clock.now)]);
    await sendResults(api(), w.node, [resultOf(job!, w.workerId, api().clock.now)]);
    api().clock.now += 5000;
    await submitted(api(), 'hash');
    const [stalled] = await claim(api(), w, 'once');
    expect(stalled).toBeDefined();

    const node = w.node.id;
    let text = await scrape();
    expect(text).toContain('vigil_jobs_submitted_total{topic="hash"} 2');
    expect(text).toContain('vigil_jobs_submitted_total{topic="once"} 1');
    expect(text).toContain(`vigil_jobs_claimed_total{topic="hash",node="${node}"} 1`);
    expect(text).toContain(`vigil_jobs_completed_total{topic="hash",node="${node}"} 1`);
    expect(text).toContain('vigil_job_results_total{disposition="recorded"} 1');
    expect(text).toContain('vigil_job_results_total{disposition="duplicate"} 1');
    expect(text).toContain('vigil_queue_depth{topic="hash"} 1');
    expect(text).toContain('vigil_queue_leased{topic="once"} 1');
    expect(text).toContain('vigil_queue_oldest_age_seconds{topic="hash"} 0');

    api().clock.now += LEASE_MS + 1;
    await api().work.jobs.recoverExpired();
    text = await scrape();
    expect(text).toContain(`vigil_job_lease_expiries_total{topic="once",node="${node}"} 1`);
    expect(text).toContain(`vigil_jobs_failed_total{topic="once",node="${node}"} 1`);
    expect(text).toContain('vigil_jobs_dead_lettered_total{topic="once"} 1');
  });
});
