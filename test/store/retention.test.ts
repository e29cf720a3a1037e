import { afterEach, beforeEach, expect, it } from 'vitest';
import { rollupGrain } from '../../src/core/sla/rollup.ts';
import { writeHeartbeats } from '../../src/store/repositories/heartbeats.ts';
import { registerNode } from '../../src/store/repositories/nodes.ts';
import { recordOutcomes } from '../../src/store/repositories/outcomes.ts';
import { recordPeerProbes } from '../../src/store/repositories/peer-slices.ts';
import { pruneExpired } from '../../src/store/repositories/retention.ts';
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
});
