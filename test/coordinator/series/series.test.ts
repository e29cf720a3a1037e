import { expect, it } from 'vitest';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { sampleTopics } from '../../../src/coordinator/topics/samples.ts';
import type { TestApi } from '../../helpers/api.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, expectProblem, get, liveMinutes, registerAll } from '../api/support.ts';
import {
  claim,
  nodeWithWorker,
  resultOf,
  sendResults,
  submit,
  submitted,
  useWorkApi,
} from '../jobs/support.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Point {
  t: number;
  value: number;
  min: number;
  max: number;
  count: number;
}

interface Series {
  name: string;
  from: string;
  to: string;
  bucket_ms: number;
  unit: string;
  bucket_value: string;
  points: Point[];
  threshold?: { metric: string; direction: string; value: number; bands: unknown[] };
  [key: string]: unknown;
}

async function series(api: TestApi, query: string, headers = api.as('read')): Promise<Series> {
  const res = await api.app.inject({ method: 'GET', url: `/series?${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Series;
}

/** Capacity snapshots and a node's uptime readings written as a collection every `every` ms would. */
async function history(api: TestApi, { count, every }: { count: number; every: number }): Promise<number> {
  const end = api.clock.now;
  for (let i = 0; i < count; i++) {
    const at = end - (count - 1 - i) * every;
    await api.store.db
      .insertInto('capacity_snapshots')
      .values({
        id: `s${i}`,
        timestamp: at,
        total_nodes: 10,
        live_nodes: 9,
        total_parallel_capacity: 40,
        live_parallel_capacity: 36,
        busy_slots: i === 17 ? 36 : i % 4,
        free_slots: 36 - (i % 4),
        total_queue_length: i,
        capacity_utilization_pct: null,
        capacity_availability_pct: 90,
        metadata: '{}',
      })
      .execute();
    await api.store.db
      .insertInto('sla_metrics')
      .values({
        id: `m${i}`,
        node_id: 'n1',
        metric_type: 'uptime_pct',
        metric_value: i === 29 ? null : 100 - (i % 3),
        threshold: 95,
        severity: null,
        timestamp: at,
        metadata: '{}',
      })
      .execute();
  }
  return end - (count - 1) * every;
}

describeEachBackend('GET /series', (backend) => {
  const api = useWorkApi(backend, {
    adjust: (c) => {
      c.sla.slice_s = 60;
      c.sla.uptime_window_s = 3_600;
    },
  });

  it('draws a node’s SLA metric from its collections, with the configured threshold', async () => {
    await registerAll(api(), { node_id: 'good', max_parallel: 4 }, { node_id: 'flaky', max_parallel: 4 });
    await liveMinutes(api(), 30, ['good', 'flaky']);
    const first = api().clock.now;
    await collect(api());
    await liveMinutes(api(), 30, ['good']);
    await collect(api());
    const s = await series(api(), 'name=node.uptime_pct&node_id=flaky&hours=2');
    expect(s).toMatchObject({
      name: 'node.uptime_pct',
      node_id: 'flaky',
      from: new Date(api().clock.now - 2 * HOUR).toISOString(),
      to: new Date(api().clock.now).toISOString(),
      bucket_ms: 30_000,
      unit: '%',
      bucket_value: 'mean',
      threshold: {
        metric: 'uptime_pct',
        direction: 'min',
        value: 95,
        bands: [
          { severity: 'critical', value: 85.5 },
          { severity: 'high', value: 95 },
        ],
      },
    });
    // Up for the first 30 of 30 minutes, then for 30 of 60.
    expect(s.points).toEqual([
      { t: first, value: 100, min: 100, max: 100, count: 1 },
      { t: api().clock.now, value: 50, min: 50, max: 50, count: 1 },
    ]);
    const slow = await series(api(), 'name=node.response_time_ms&node_id=good&hours=2');
    expect(slow).toMatchObject({ unit: 'ms', percentile: 95, threshold: { direction: 'max', value: 1000 } });
    // No outcomes: no response time was measured, and no data is no point rather than 0.
    expect(slow.points).toEqual([]);
  });

  it('downsamples to at most `points`, keeping every reading counted and the spikes', async () => {
    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    const start = await history(api(), { count: 120, every: MINUTE });
    const s = await series(api(), 'name=fleet.busy&hours=3&points=5');
    expect(s.points.length).toBeLessThanOrEqual(5);
    expect(s.bucket_ms).toBe(HOUR);
    expect(s.points.reduce((a, p) => a + p.count, 0)).toBe(120);
    expect(Math.max(...s.points.map((p) => p.max))).toBe(36);
    for (const p of s.points) {
      expect(p.t % HOUR).toBe(0);
      expect(p.min).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(p.max);
    }
    // The same readings at full resolution: one point per minute.
    const fine = await series(api(), `name=fleet.queued&from=${new Date(start).toISOString()}&points=120`);
    expect(fine.bucket_ms).toBe(MINUTE);
    expect(fine.points.map((p) => p.value)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    const live = await series(api(), 'name=fleet.availability_pct&hours=3&points=3');
    expect(live.threshold).toMatchObject({ metric: 'capacity_availability_pct', value: 80 });
    // A collection without a reading (null) leaves no sample.
    const node = await series(api(), 'name=node.uptime_pct&node_id=n1&hours=3&points=2000');
    expect(node.points.length).toBe(119);
    // A fraction of an hour: the last quarter hour, one point per minute.
    const quarter = await series(api(), 'name=fleet.queued&hours=0.25&points=20');
    expect(quarter.bucket_ms).toBe(MINUTE);
    const values = quarter.points.map((p) => p.value);
    expect(values.length).toBeGreaterThanOrEqual(14);
    expect(values).toEqual(Array.from({ length: values.length }, (_, i) => 120 - values.length + i));
  });

  it('counts the open violations at each collection', async () => {
    await registerAll(api(), { node_id: 'a', max_parallel: 4 }, { node_id: 'b', max_parallel: 4 });
    const counts: number[] = [];
    const open = async () => {
      await collect(api());
      const status = (await get(api(), '/sla/status')).json() as { active_violations: number };
      counts.push(status.active_violations);
    };
    await liveMinutes(api(), 10, ['a', 'b']);
    await open();
    await liveMinutes(api(), 10, ['a']);
    await open();
    await liveMinutes(api(), 50, ['a', 'b']);
    await open();
    const s = await series(api(), 'name=fleet.violations_open&hours=2&points=2000');
    expect(s.bucket_value).toBe('last');
    expect(s.points.map((p) => p.value)).toEqual(counts);
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  it('counts jobs per minute, by status, topic and tenant', async () => {
    const worker = await nodeWithWorker(api(), 'w');
    api().clock.now = Math.floor(api().clock.now / HOUR) * HOUR + 10 * MINUTE;
    const t0 = api().clock.now;
    for (let i = 0; i < 4; i++) await submitted(api(), 'hash');
    expect(
      (await submit(api(), { topic: 'once', payload: {}, tenant_id: 'other' }, 'operator')).statusCode,
    ).toBe(201);
    const jobs = await claim(api(), worker, 'hash', { max: 4 });
    await sendResults(
      api(),
      worker.node,
      jobs.slice(0, 3).map((j) => resultOf(j, worker.workerId, api().clock.now)),
    );
    api().clock.now += 2 * MINUTE;
    await sendResults(api(), worker.node, [
      resultOf(jobs[3]!, worker.workerId, api().clock.now - 1_000, {
        status: 'failure',
        error: { code: 'x', message: 'no', retryable: false },
      }),
    ]);
    api().clock.now += 30_000;

    const finished = await series(api(), 'name=jobs.finished&hours=1&points=200');
    expect(finished).toMatchObject({ unit: 'jobs/min', bucket_ms: MINUTE, tenant_id: null });
    expect(finished.to).toBe(new Date(Math.floor(api().clock.now / MINUTE) * MINUTE).toISOString());
    expect(finished.points.length).toBe(60);
    // Three successes in the minute they were claimed in, the failure (dead) two minutes later.
    expect(finished.points.filter((p) => p.value > 0)).toEqual([
      { t: t0, value: 3, min: 3, max: 3, count: 1 },
      { t: t0 + MINUTE, value: 1, min: 1, max: 1, count: 1 },
    ]);
    const dead = await series(api(), 'name=jobs.finished&status=dead&hours=1&points=2');
    expect(dead.points.reduce((a, p) => a + p.value * p.count, 0)).toBe(1);
    expect(Math.max(...dead.points.map((p) => p.max))).toBe(1);
    const submittedAll = await series(api(), 'name=jobs.submitted&hours=1&points=2');
    expect(submittedAll.points.reduce((a, p) => a + p.value * p.count, 0)).toBe(5);
    const onceOnly = await series(api(), 'name=jobs.submitted&topic=once&hours=1&points=2');
    expect(onceOnly.points.reduce((a, p) => a + p.value * p.count, 0)).toBe(1);
    // A tenant key counts its own tenant's jobs.
    const own = await series(api(), 'name=jobs.submitted&hours=1&points=2', api().as('tenant'));
    expect(own.points.reduce((a, p) => a + p.value * p.count, 0)).toBe(4);
    expect(own.tenant_id).not.toBeNull();
    const otherKey = (await createApiKey(api().store.db, 'tenant', 'other', api().clock.now)).key;
    const other = await series(api(), 'name=jobs.finished&hours=1&points=2', {
      authorization: `Bearer ${otherKey}`,
    });
    expect(other.points.every((p) => p.value === 0)).toBe(true);
  });

  it('draws a topic’s queue from its samples', async () => {
    const worker = await nodeWithWorker(api(), 'w');
    const sample = () =>
      sampleTopics({
        store: api().store,
        queue: api().work.queue,
        now: () => api().clock.now,
        intervalMs: 5 * MINUTE,
      });
    await sample();
    for (let i = 0; i < 3; i++) await submitted(api(), 'hash');
    api().clock.now += 5 * MINUTE;
    await sample();
    await claim(api(), worker, 'hash', { max: 1 });
    api().clock.now += 5 * MINUTE;
    await sample();
    const ready = await series(api(), 'name=topic.ready&topic=hash&hours=1&points=2000');
    expect(ready).toMatchObject({ topic: 'hash', unit: 'jobs' });
    expect(ready.points.map((p) => p.value)).toEqual([0, 3, 2]);
    const leased = await series(api(), 'name=topic.leased&topic=hash&hours=1&points=2000');
    expect(leased.points.map((p) => p.value)).toEqual([0, 0, 1]);
    const age = await series(api(), 'name=topic.oldest_age_s&topic=hash&hours=1&points=2000');
    expect(age).toMatchObject({ unit: 's' });
    expect(age.points.map((p) => p.value)).toEqual([0, 300, 600]);
  });

  it('refuses every bad parameter with a 400 naming it, and unknown nodes and topics with a 404', async () => {
    const bad = async (query: string, param: string) => {
      const res = await get(api(), `/series?${query}`);
      const body = expectProblem(res, 400, 'invalid-request');
      // Validation names the parameter in `location`, or in the message when it is missing.
      const errors = body['errors'] as Array<{ location: string; message: string }>;
      expect(
        errors.some((e) => e.location === `querystring.${param}` || e.message.includes(`"${param}"`)),
        `${query}: ${JSON.stringify(errors)}`,
      ).toBe(true);
    };
    await bad('name=node.uptime', 'name');
    await bad('node_id=n1', 'name');
    await bad('name=node.uptime_pct', 'node_id');
    await bad('name=topic.ready', 'topic');
    await bad('name=fleet.slots&node_id=n1', 'node_id');
    await bad('name=node.uptime_pct&node_id=n1&topic=hash', 'topic');
    await bad('name=jobs.submitted&status=dead', 'status');
    await bad('name=jobs.finished&status=queued', 'status');
    await bad('name=fleet.slots&hours=2&from=2026-10-31T00:00:00Z', 'hours');
    await bad('name=fleet.slots&hours=0', 'hours');
    await bad('name=fleet.slots&hours=0.001', 'hours');
    // A fraction of an hour that is no whole number of milliseconds is still an answer.
    expect((await get(api(), '/series?name=fleet.queued&hours=0.010000000033908421')).statusCode).toBe(200);
    await bad('name=fleet.slots&hours=9601', 'hours');
    await bad('name=fleet.slots&from=2026-11-01T00:00:00Z&to=2026-10-31T00:00:00Z', 'from');
    await bad('name=fleet.slots&from=2026-11-01T00:00:00Z&to=2026-11-01T00:00:00Z', 'from');
    await bad('name=fleet.slots&from=2016-12-31T23:59:60Z', 'from');
    await bad('name=fleet.slots&to=2026-02-30T00:00:00Z', 'to');
    await bad('name=fleet.slots&from=yesterday', 'from');
    await bad('name=fleet.slots&from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from');
    await bad('name=fleet.slots&points=1', 'points');
    await bad('name=fleet.slots&points=2001', 'points');
    await bad('name=fleet.slots&points=abc', 'points');
    await bad('name=fleet.slots&bucket=5m', 'bucket');

    expectProblem(await get(api(), '/series?name=node.uptime_pct&node_id=ghost'), 404, 'not-found', /ghost/);
    expectProblem(await get(api(), '/series?name=topic.ready&topic=nope'), 404, 'unknown-topic', /nope/);
    expect((await get(api(), '/series?name=fleet.slots', null)).statusCode).toBe(401);
  });

  it('answers the default range, the last 24 hours in at most 300 points', async () => {
    const s = await series(api(), 'name=fleet.slots');
    expect(s).toMatchObject({
      from: new Date(api().clock.now - 24 * HOUR).toISOString(),
      to: new Date(api().clock.now).toISOString(),
      bucket_ms: 5 * MINUTE,
      points: [],
    });
  });
});
