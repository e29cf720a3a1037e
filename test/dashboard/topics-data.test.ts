import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attemptRows } from '../../src/dashboard/pages/topics/attempt-rows.ts';
import { cursorOf, nextCursor, pageOf, pageRequest } from '../../src/dashboard/pages/topics/paging.ts';
import {
  appendSample,
  columnsFromSeries,
  type SeriesAnswer,
  withLiveSamples,
} from '../../src/dashboard/pages/topics/queue-samples.ts';
import type { JobView } from '../../src/dashboard/pages/topics/types.ts';

/** GET /jobs over `all` (newest first by created_at_ms then job_id), as the store answers it. */
function listJobs(
  all: ReadonlyArray<{ id: string; created_at_ms: number }>,
  beforeMs: number | undefined,
  limit: number,
) {
  return all.filter((j) => beforeMs === undefined || j.created_at_ms < beforeMs).slice(0, limit);
}

describe('paging through GET /jobs', () => {
  it('walks every job exactly once, even when many share a millisecond', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 1, max: 7 }),
        (times, limit) => {
          const all = times
            .map((t, i) => ({ id: `job-${String(i).padStart(3, '0')}`, created_at_ms: t }))
            .sort((a, b) => b.created_at_ms - a.created_at_ms || b.id.localeCompare(a.id));
          const seen: string[] = [];
          let cursor = null as ReturnType<typeof nextCursor>;
          for (let guard = 0; guard < 100; guard++) {
            const ask = pageRequest(cursor, limit);
            const page = pageOf(listJobs(all, ask.before_ms, ask.limit), cursor);
            seen.push(...page.map((j) => j.id));
            cursor = nextCursor(page, cursor, limit);
            if (cursor === null) break;
          }
          expect(seen).toEqual(all.map((j) => j.id));
        },
      ),
    );
  });

  it('reads its cursor from the fragment and ignores nonsense', () => {
    expect(cursorOf(new URLSearchParams('before=1700&skip=2'))).toEqual({ beforeMs: 1700, skip: 2 });
    expect(cursorOf(new URLSearchParams('before=1700'))).toEqual({ beforeMs: 1700, skip: 0 });
    expect(cursorOf(new URLSearchParams('before=x'))).toBeNull();
    expect(cursorOf(new URLSearchParams(''))).toBeNull();
    expect(pageRequest({ beforeMs: 5, skip: 990 }, 50).limit).toBe(1000);
  });
});

describe('a topic queue’s history', () => {
  const series = (name: string, points: Array<[number, number]>): SeriesAnswer => ({
    name,
    topic: 'hash',
    from: 0,
    to: 10_000,
    points: points.map(([t, value]) => ({ t, value, min: value, max: value, count: 1 })),
  });

  it('lines the three series up on the union of their times', () => {
    const columns = columnsFromSeries({
      'topic.ready': series('topic.ready', [
        [1000, 3],
        [2000, 4],
      ]),
      'topic.leased': series('topic.leased', [[2000, 1]]),
    });
    expect(columns).toEqual({
      x: [1000, 2000],
      ready: [3, 4],
      leased: [null, 1],
      oldest_age_s: [null, null],
    });
  });

  it('follows the coordinator’s samples with the page’s own newer readings', () => {
    const columns = columnsFromSeries({ 'topic.ready': series('topic.ready', [[1000, 3]]) });
    const live = [
      { t: 500, ready: 9, leased: 9, oldest_age_s: 9 },
      { t: 1500, ready: 5, leased: 2, oldest_age_s: 1.5 },
    ];
    expect(withLiveSamples(columns, live)).toEqual({
      x: [1000, 1500],
      ready: [3, 5],
      leased: [null, 2],
      oldest_age_s: [null, 1.5],
    });
  });

  it('keeps readings in time order within the window, and ignores one that is not newer', () => {
    const s = (t: number) => ({ t, ready: t, leased: 0, oldest_age_s: 0 });
    let kept = appendSample([], s(1000), { keepMs: 5000, keepCount: 3 });
    kept = appendSample(kept, s(2000), { keepMs: 5000, keepCount: 3 });
    expect(appendSample(kept, s(2000)).map((x) => x.t)).toEqual([1000, 2000]);
    kept = appendSample(kept, s(6500), { keepMs: 5000, keepCount: 3 });
    expect(kept.map((x) => x.t)).toEqual([2000, 6500]);
    for (const t of [7000, 8000, 9000]) kept = appendSample(kept, s(t), { keepMs: 5000, keepCount: 3 });
    expect(kept.map((x) => x.t)).toEqual([7000, 8000, 9000]);
  });
});

describe('a job’s attempts', () => {
  const job = (over: Partial<JobView>): JobView => ({
    job_id: 'j',
    topic: 'hash',
    tenant_id: 't',
    idempotency_key: null,
    status: 'running',
    attempts: 2,
    max_attempts: 3,
    created_at_ms: 0,
    updated_at_ms: 0,
    deadline_at_ms: null,
    node_id: 'node-b',
    worker_id: 'node-b/main',
    started_at_ms: 5000,
    finished_at_ms: null,
    duration_ms: null,
    result: null,
    error: null,
    verification: null,
    ...over,
  });
  const first = {
    attempt: 1,
    node_id: 'node-a',
    status: 'failure' as const,
    started_at_ms: 1000,
    finished_at_ms: 1200,
    duration_ms: 200,
  };

  it('shows the ended attempts as recorded and the running one from the job', () => {
    const rows = attemptRows(job({}), [first]);
    expect(rows).toEqual([
      { ...first, worker_id: null, outcome: 'failure' },
      {
        attempt: 2,
        node_id: 'node-b',
        worker_id: 'node-b/main',
        started_at_ms: 5000,
        finished_at_ms: null,
        duration_ms: null,
        outcome: 'running',
      },
    ]);
  });

  it('gives the last attempt the job’s worker, and says when an attempt left no record', () => {
    const done = { ...first, attempt: 2, node_id: 'node-b', status: 'success' as const };
    const rows = attemptRows(job({ status: 'succeeded' }), [done]);
    expect(rows[0]).toMatchObject({ attempt: 1, node_id: null, outcome: 'not recorded' });
    expect(rows[1]).toMatchObject({ attempt: 2, worker_id: 'node-b/main', outcome: 'success' });
    expect(
      attemptRows(job({ status: 'cancelled', finished_at_ms: 6000, duration_ms: 1000 }), [first])[1],
    ).toMatchObject({ outcome: 'cancelled', finished_at_ms: 6000 });
  });
});
