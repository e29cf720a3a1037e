import { afterEach, beforeEach, expect, it } from 'vitest';
import { rollupGrain } from '../../src/core/sla/rollup.ts';
import { writeHeartbeats } from '../../src/store/repositories/heartbeats.ts';
import { registerNode } from '../../src/store/repositories/nodes.ts';
import {
  claimDelivery,
  dueDeliveries,
  enqueueDeliveries,
  listDeliveries,
  settleDelivery,
} from '../../src/store/repositories/outbox.ts';
import { recordOutcomes } from '../../src/store/repositories/outcomes.ts';
import { recordPeerProbes } from '../../src/store/repositories/peer-slices.ts';
import { pruneExpired, RETENTION_RULES } from '../../src/store/repositories/retention.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 1);

describeEachBackend('retention', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  it('prunes raw data past its age and keeps rollups and open violations longer', async () => {
    await store.db.transaction().execute(async (trx) => {
      await registerNode(
        trx,
        { node_id: 'n', public_key: null, endpoint: null, operator: null, topics: [], max_parallel: 1 },
        NOW - 200 * DAY,
      );
      for (const age of [100, 10]) {
        const at = NOW - age * DAY;
        await writeHeartbeats(
          trx,
          [{ node_id: 'n', at, busy_slots: 0, queue_length: 0, version: null }],
          300_000,
          store.capabilities,
        );
        await recordOutcomes(
          trx,
          [
            {
              job_id: `j${age}`,
              node_id: 'n',
              topic: 't',
              tenant_id: null,
              status: 'success',
              started_at: at - 5,
              finished_at: at,
            },
          ],
          { now: at, sampleSize: 100, grain: rollupGrain(7 * 86_400), caps: store.capabilities },
        );
      }
      const violation = (id: string, resolvedAt: number | null) => ({
        id,
        node_id: 'n',
        subject: 'n',
        violation_type: 'uptime_pct' as const,
        severity: 'high' as const,
        metric_value: 90,
        worst_value: 90,
        threshold: 95,
        created_at: NOW - 500 * DAY,
        updated_at: NOW - 500 * DAY,
        resolved_at: resolvedAt,
        violation_duration_ms: resolvedAt === null ? null : 1,
        metadata: '{}',
      });
      await trx
        .insertInto('sla_violations')
        .values(violation('old-resolved', NOW - 450 * DAY))
        .execute();
      await trx
        .insertInto('sla_violations')
        .values({ ...violation('old-open', null), violation_type: 'response_time_ms' })
        .execute();
    });

    for (const monitor of ['m1', 'm2']) {
      await recordPeerProbes(store, {
        monitor,
        sliceMs: 300_000,
        probeIntervalMs: 300_000,
        targets: [{ target: 'n', probes: [100, 10].map((age): [number, 0 | 1] => [NOW - age * DAY, 1]) }],
      });
    }

    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted.heartbeat_slices).toBe(1);
    // Two monitors' rows and one verdict row for the 100-day-old probes.
    expect(deleted.peer_slices).toBe(2);
    expect(deleted.peer_verdict_slices).toBe(1);
    expect(deleted.job_outcomes).toBe(1);
    // The 100-day-old outcome's hourly bucket goes with raw data; its daily bucket stays.
    expect(deleted.outcome_rollups_fine).toBe(1);
    expect(deleted.outcome_rollups).toBe(0);
    expect(deleted.sla_violations).toBe(1);

    const jobs = await store.db.selectFrom('job_outcomes').select('job_id').execute();
    expect(jobs.map((j) => j.job_id)).toEqual(['j10']);
    const rollups = await store.db.selectFrom('outcome_rollups').select(['bucket_ms']).execute();
    expect(rollups.map((r) => r.bucket_ms).sort()).toEqual([3_600_000, 86_400_000, 86_400_000]);
    const peerRows = await store.db.selectFrom('peer_slices').select(['monitor_id', 'row_start']).execute();
    expect(peerRows.map((r) => r.row_start)).toEqual([
      Math.floor((NOW - 10 * DAY) / (32 * 300_000)) * 32 * 300_000,
      Math.floor((NOW - 10 * DAY) / (32 * 300_000)) * 32 * 300_000,
    ]);
    const verdicts = await store.db.selectFrom('peer_verdict_slices').select('row_start').execute();
    expect(verdicts.map((r) => r.row_start)).toEqual([peerRows[0]?.row_start]);
    const violations = await store.db.selectFrom('sla_violations').select('id').execute();
    expect(violations.map((v) => v.id)).toEqual(['old-open']);
  });

  it('prunes topic samples past raw retention', async () => {
    const row = (sampled_at: number) => ({
      topic: 't',
      sampled_at,
      ready: 1,
      ready_now: 1,
      leased: 0,
      dead: 0,
      oldest_ready_age_ms: 0,
    });
    await store.db
      .insertInto('topic_samples')
      .values([row(NOW - 100 * DAY), row(NOW - 10 * DAY)])
      .execute();
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted['topic_samples']).toBe(1);
    const left = await store.db.selectFrom('topic_samples').select('sampled_at').execute();
    expect(left.map((r) => Number(r.sampled_at))).toEqual([NOW - 10 * DAY]);
  });

  it('keeps capacity series as long as rollups, past raw retention', async () => {
    const row = (bucket_start: number) => ({
      scope: 'fleet',
      interval_s: 3600,
      bucket_start,
      samples: 1,
      busy_sum: 1,
      queued_sum: 0,
      supply_sum: 2,
      live_nodes_sum: 1,
      arrivals: 0,
      work_slot_s: 0,
      last_sample_at: bucket_start,
    });
    await store.db
      .insertInto('capacity_series')
      .values([row(NOW - 500 * DAY), row(NOW - 100 * DAY)])
      .execute();
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted['capacity_series']).toBe(1);
    const left = await store.db.selectFrom('capacity_series').select('bucket_start').execute();
    expect(left.map((r) => Number(r.bucket_start))).toEqual([NOW - 100 * DAY]);
  });

  it('prunes a kept capacity forecast made before the raw horizon (a scope gone quiet)', async () => {
    const kept = (scope: string, computed_at: number) => ({
      scope,
      interval_s: 3600,
      horizon_steps: 24,
      request_key: 'k',
      answer: '{}',
      computed_at,
    });
    await store.db
      .insertInto('capacity_forecasts')
      .values([kept('topic:gone', NOW - 100 * DAY), kept('fleet', NOW - DAY)])
      .execute();
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted['capacity_forecasts']).toBe(1);
    const left = await store.db.selectFrom('capacity_forecasts').select('scope').execute();
    expect(left.map((r) => r.scope)).toEqual(['fleet']);
  });

  it('prunes resolved capacity alerts past the rollup horizon, and never an open one', async () => {
    const alert = (id: string, opened: number, resolved: number | null) => ({
      id,
      kind: 'capacity_utilization_high' as const,
      opened_at: opened,
      threshold_pct: 80,
      value_pct: 90,
      worst_pct: 90,
      last_value_pct: 90,
      forecast_at: null,
      updated_at: resolved ?? opened,
      resolved_at: resolved,
    });
    await store.db
      .insertInto('capacity_alerts')
      .values([
        alert('old-resolved', NOW - 500 * DAY, NOW - 450 * DAY),
        alert('old-open', NOW - 500 * DAY, null),
        alert('recent', NOW - 20 * DAY, NOW - 10 * DAY),
      ])
      .execute();
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted['capacity_alerts']).toBe(1);
    const left = await store.db.selectFrom('capacity_alerts').select('id').orderBy('id').execute();
    expect(left.map((r) => r.id)).toEqual(['old-open', 'recent']);
  });

  it('prunes monitors’ reports past the rollup horizon, and keeps newer ones', async () => {
    for (const [epoch, age] of [
      [1, 500],
      [2, 10],
    ] as const) {
      await store.db
        .insertInto('monitor_reports')
        .values({ epoch, monitor: 'm', digest: `d${epoch}`, body: '{}', received_at: NOW - age * DAY })
        .execute();
    }
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted['monitor_reports']).toBe(1);
    const left = await store.db.selectFrom('monitor_reports').select('epoch').execute();
    expect(left.map((r) => r.epoch)).toEqual([2]);
  });

  it('prunes finished jobs, dead queue items and worker history past raw retention, never unfinished jobs', async () => {
    const old = NOW - 100 * DAY;
    const recent = NOW - 10 * DAY;
    const job = (job_id: string, status: 'succeeded' | 'running' | 'cancelled', at: number) => ({
      job_id,
      topic: 't',
      tenant_id: 'acme',
      idempotency_key: null,
      payload: '{}',
      status,
      attempts: 1,
      max_attempts: 3,
      created_at: at,
      updated_at: at,
      deadline_at: null,
      node_id: null,
      worker_id: null,
      lease_token: null,
      started_at: null,
      finished_at: status === 'running' ? null : at,
      finished_token: null,
      result: null,
      error: null,
      verification_state: null,
      verifier_id: null,
      verification_claim_expires_at: null,
      verdict: null,
    });
    await store.db
      .insertInto('jobs')
      .values([
        job('old-done', 'succeeded', old),
        job('old-cancelled', 'cancelled', old),
        job('old-running', 'running', old),
        job('recent-done', 'succeeded', recent),
      ])
      .execute();
    const item = (id: string, state: 'dead' | 'ready', at: number) => ({
      id,
      topic: 't',
      payload: '{}',
      state,
      attempts: 1,
      max_attempts: 1,
      enqueued_at: at,
      available_at: at,
      lease_owner: null,
      lease_token: null,
      lease_expires_at: null,
      dead_at: state === 'dead' ? at : null,
    });
    await store.db
      .insertInto('queue_items')
      .values([
        item('old-dead', 'dead', old),
        item('old-ready', 'ready', old),
        item('recent-dead', 'dead', recent),
      ])
      .execute();
    await store.db
      .insertInto('worker_states')
      .values([
        { worker_id: 'w', node_id: 'n', state: 'ready', reason: null, at: old },
        { worker_id: 'w', node_id: 'n', state: 'working', reason: null, at: recent },
      ])
      .execute();

    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted).toMatchObject({ jobs: 2, queue_items: 1, worker_states: 1 });
    const jobs = await store.db.selectFrom('jobs').select('job_id').orderBy('job_id').execute();
    expect(jobs.map((j) => j.job_id)).toEqual(['old-running', 'recent-done']);
    const items = await store.db.selectFrom('queue_items').select('id').orderBy('id').execute();
    expect(items.map((i) => i.id)).toEqual(['old-ready', 'recent-dead']);
  });

  it('prunes settled outbox rows past raw retention and keeps pending ones whatever their age', async () => {
    const old = NOW - 100 * DAY;
    const [sent, failed, waiting] = await enqueueDeliveries(
      store.db,
      'alerts',
      [
        { channel: 'a', payload: '{}' },
        { channel: 'b', payload: '{}' },
        { channel: 'c', payload: '{}' },
      ],
      old,
    );
    const due = await dueDeliveries(store.db, 'alerts', old, 10);
    for (const row of due.filter((r) => r.id !== waiting)) {
      expect(await claimDelivery(store.db, row, old + 1)).toBe(true);
      const claimed = { id: row.id, attempts: 1, leaseUntil: old + 1 };
      await settleDelivery(
        store.db,
        claimed,
        row.id === sent
          ? { state: 'delivered', delivered_at: old, last_error: null }
          : { state: 'failed', last_error: 'gone' },
      );
    }
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW - 90 * DAY,
      rollupBefore: NOW - 400 * DAY,
      fineRollupMs: 3_600_000,
    });
    expect(deleted.outbox).toBe(2);
    expect((await listDeliveries(store.db, 'alerts')).map((r) => r.id)).toEqual([waiting]);
    expect(failed).toBeDefined();
  });

  it('runs every rule on an empty store and names each in its counts', async () => {
    const deleted = await pruneExpired(store.db, {
      rawBefore: NOW,
      rollupBefore: NOW,
      fineRollupMs: 3_600_000,
    });
    expect(Object.keys(deleted)).toEqual(RETENTION_RULES.map((r) => r.name));
    expect(Object.values(deleted).every((n) => n === 0)).toBe(true);
  });
});
