import { loadavg } from 'node:os';
import type { VigilConfig } from '../../src/config/index.ts';
import { type CollectionSummary, createSlaCollector } from '../../src/coordinator/sla/collector.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import { evaluateFleet } from '../../src/core/sla/evaluate-fleet.ts';
import { peerRowsWanted } from '../../src/core/sla/peer-rows-wanted.ts';
import { rollupGrain } from '../../src/core/sla/rollup.ts';
import { rulesFromSettings } from '../../src/core/sla/rules.ts';
import { planTransitions } from '../../src/core/sla/violations.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { type Heartbeat, writeHeartbeats } from '../../src/store/repositories/heartbeats.ts';
import { type Outcome, recordOutcomes } from '../../src/store/repositories/outcomes.ts';
import {
  readCompletionCounts,
  readFleet,
  readHeartbeatSlices,
  readPeerVerdictSlices,
  readResponseDurations,
} from '../../src/store/repositories/sla-inputs.ts';
import {
  applyTransitions,
  insertCapacitySnapshot,
  insertMetrics,
  metricRowsFor,
  readOpenViolations,
} from '../../src/store/repositories/sla-results.ts';
import type { Store } from '../../src/store/store.ts';
import { peakRss } from './common.ts';
import { aliveAt, type FleetSpec, heartbeatTimes, type NodeProfile, prng } from './fleet.ts';

/**
 * Wall time, and this process's CPU time beside it: on a shared machine the CPU time is the
 * steadier figure (on SQLite all of a collection's work is on this thread; on PostgreSQL the
 * database's share runs in the server's processes and is not in it). `load` is the 1-minute
 * load average when the step started: above the core count, other work competed.
 */
export type Timed = { wall_ms: number; cpu_ms: number; load: number };

export interface Measured {
  first: CollectionSummary & Timed;
  activity: { heartbeats: number; outcomes: number; ms: number };
  second: CollectionSummary & Timed;
  phases: Array<{ name: string; detail?: string } & Timed>;
  /** The process's RSS high-water mark after each step: which step set the peak. */
  rss_peak_bytes: Array<{ after: string; bytes: number }>;
}

/**
 * Runs in a process of its own (so its RSS peak is the collection's, not the set-up's):
 * one full collection, then one collection interval of fleet activity through the real write
 * paths, then a second collection (steady state: violations continue, some resolve), then
 * the collection's phases one by one.
 */
export async function measureCollections(
  store: Store,
  config: VigilConfig,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
): Promise<Measured> {
  const clock = { now: spec.now };
  const collector = createSlaCollector({
    store,
    settings: config.sla,
    log: silentLogger,
    now: () => clock.now,
  });

  const wall = async () => {
    const { value, ...t } = await timed(() => collector.collect());
    return { ...value, ...t };
  };
  const rss: Measured['rss_peak_bytes'] = [];
  const mark = (after: string) => rss.push({ after, bytes: peakRss() });
  mark('start (fleet profiles built, store opened)');
  const first = await wall();
  mark('first collection');
  const from = clock.now;
  clock.now += config.sla.collection_interval_s * 1000;
  const activity = await fleetActivity(store, config, spec, profiles, from, clock.now);
  mark('activity between collections');
  const second = await wall();
  mark('second collection');
  const phases = await collectionPhases(store, config, clock.now);
  mark('phases');
  return { first, activity, second, phases, rss_peak_bytes: rss };
}

/** One interval of heartbeats (group-committed 5,000 at a time, as the batcher does) and outcomes (batches of 100). */
async function fleetActivity(
  store: Store,
  config: VigilConfig,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  from: number,
  to: number,
): Promise<Measured['activity']> {
  const start = performance.now();
  const beats: Heartbeat[] = [];
  for (const p of profiles) {
    for (const at of heartbeatTimes(p, spec, from, to)) {
      beats.push({
        node_id: p.node_id,
        at,
        busy_slots: p.busy_slots,
        queue_length: p.queue_length,
        version: '1.4.2',
      });
    }
  }
  beats.sort((a, b) => a.at - b.at);
  for (let i = 0; i < beats.length; i += 5_000) {
    const batch = beats.slice(i, i + 5_000);
    await store.db
      .transaction()
      .execute((trx) => writeHeartbeats(trx, batch, spec.sliceMs, store.capabilities));
  }
  const rnd = prng(to);
  const count = Math.round((spec.outcomes * (to - from)) / spec.completionWindowMs);
  const outcomes: Outcome[] = [];
  for (let k = 0; k < count; k++) {
    const finished = from + Math.floor(((to - from) * k) / count);
    const p = profiles[Math.floor(rnd() * profiles.length)] as NodeProfile;
    if (!aliveAt(p, finished)) continue;
    const duration = Math.max(1, Math.round((p.slow ? 900 : 220) * (0.5 + rnd())));
    outcomes.push({
      job_id: `live-${to}-${k}`,
      node_id: p.node_id,
      topic: p.topic,
      tenant_id: null,
      status: rnd() < (p.flaky ? 0.14 : 0.015) ? 'failure' : 'success',
      started_at: finished - duration,
      finished_at: finished,
    });
  }
  for (let i = 0; i < outcomes.length; i += 100) {
    const batch = outcomes.slice(i, i + 100);
    await store.db.transaction().execute((trx) =>
      recordOutcomes(trx, batch, {
        now: to,
        sampleSize: config.sla.response_time_sample_size,
        grain: rollupGrain(config.sla.completion_window_s),
        caps: store.capabilities,
      }),
    );
  }
  return { heartbeats: beats.length, outcomes: outcomes.length, ms: performance.now() - start };
}

/**
 * The collection taken apart: each read alone, the four first reads concurrently (as collect()
 * issues them), the evaluation, and the write transaction (rolled back, so the store is left
 * as the second collection left it). Mirrors src/coordinator/sla/collector.ts.
 */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T } & Timed> {
  const load = loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const wall_ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, wall_ms, cpu_ms: (used.user + used.system) / 1000, load };
}

async function collectionPhases(store: Store, config: VigilConfig, at: number): Promise<Measured['phases']> {
  const s = config.sla;
  const sliceMs = s.slice_s * 1000;
  const windowStart = at - s.uptime_window_s * 1000;
  const grain = rollupGrain(s.completion_window_s);
  const phases: Measured['phases'] = [];
  const time = async <T>(name: string, fn: () => Promise<T> | T, detail?: (v: T) => string): Promise<T> => {
    const { value, ...t } = await timed(fn);
    phases.push({ name, ...t, ...(detail ? { detail: detail(value) } : {}) });
    return value;
  };
  const reads = () => [
    readFleet(store.db),
    readHeartbeatSlices(store.db, sliceMs, windowStart, at),
    readCompletionCounts(store.db, at - s.completion_window_s * 1000, grain),
    readResponseDurations(store.db),
  ];
  const rows = (m: Map<string, unknown[]>) => [...m.values()].reduce((n, v) => n + v.length, 0);
  const fleet = await time(
    'readFleet',
    () => readFleet(store.db),
    (v) => `${v.length} nodes`,
  );
  const slices = await time(
    'readHeartbeatSlices',
    () => readHeartbeatSlices(store.db, sliceMs, windowStart, at),
    (v) => `${rows(v)} rows`,
  );
  const wanted = peerRowsWanted(
    fleet.map((n) => n.node_id),
    slices,
    sliceMs,
    windowStart,
    at,
  );
  const peerVerdicts = await time(
    'readPeerVerdictSlices (rows without a heartbeat)',
    () => readPeerVerdictSlices(store.db, sliceMs, wanted),
    (v) =>
      `${rows(v)} rows, ${[...v.values()].flat().reduce((n, r) => n + (r.votes?.length ?? 0), 0)} monitors' votes`,
  );
  const completion = await time(
    'readCompletionCounts',
    () => readCompletionCounts(store.db, at - s.completion_window_s * 1000, grain),
    (v) => `${v.size} nodes`,
  );
  const durations = await time(
    'readResponseDurations',
    () => readResponseDurations(store.db),
    (v) => `${rows(v)} durations`,
  );
  await time('the four first reads concurrently', () => Promise.all(reads()));

  const rules = rulesFromSettings(s);
  const { readings, capacity } = await time(
    'evaluation (uptime, p95, completion, capacity)',
    () =>
      evaluateFleet({ fleet, slices, peerVerdicts, durations, completion }, rules, {
        at,
        sliceMs,
        uptimeWindowMs: s.uptime_window_s * 1000,
        livenessTimeoutMs: s.liveness_timeout_s * 1000,
        responsePercentile: s.response_time_percentile,
      }),
    (v) => `${v.readings.length} readings`,
  );
  const metricRows = await time('metric rows (ids, metadata JSON)', () => metricRowsFor(readings, at));
  const rollback = new Error('rollback');
  await time('write transaction (metrics, snapshot, transitions; rolled back)', () =>
    store
      .exclusive('sla-collect', async (trx) => {
        const open = await readOpenViolations(trx);
        const transitions = planTransitions(
          open,
          readings.map((r) => r.evaluation),
          at,
        );
        await insertMetrics(trx, metricRows, store.capabilities);
        await insertCapacitySnapshot(trx, {
          id: uuidv7(at),
          timestamp: at,
          ...capacity,
          metadata: '{}',
        });
        await applyTransitions(trx, transitions, at);
        throw rollback;
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e;
      }),
  );
  return phases;
}
