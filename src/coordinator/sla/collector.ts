import { uuidv7 } from '../../core/ids.ts';
import type { CapacityReading } from '../../core/sla/capacity.ts';
import type { MetricReading } from '../../core/sla/evaluate.ts';
import { evaluateFleet, type FleetEvidence } from '../../core/sla/evaluate-fleet.ts';
import { peerRowsWanted } from '../../core/sla/peer-rows-wanted.ts';
import { type RollupGrain, rollupGrain } from '../../core/sla/rollup.ts';
import { type MetricRules, rulesFromSettings, type SeverityBand } from '../../core/sla/rules.ts';
import { type OpenViolation, planTransitions } from '../../core/sla/violations.ts';
import type { Logger } from '../../platform/log.ts';
import type { Tx } from '../../store/capabilities.ts';
import {
  readCompletionCounts,
  readFleet,
  readHeartbeatSlices,
  readPeerVerdictSlices,
  readResponseDurations,
} from '../../store/repositories/sla-inputs.ts';
import {
  type AppliedTransition,
  applyTransitions,
  insertCapacitySnapshot,
  insertMetrics,
  metricRowsFor,
  readOpenViolations,
} from '../../store/repositories/sla-results.ts';
import type { MetricType } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import type { Schedule } from '../scheduler.ts';

/** The `sla` section of the configuration, as the collector uses it. */
export interface SlaSettings {
  thresholds: Record<MetricType, number>;
  severities: Record<MetricType, readonly SeverityBand[]>;
  slice_s: number;
  uptime_window_s: number;
  response_time_percentile: number;
  completion_window_s: number;
  liveness_timeout_s: number;
}

export interface CollectionSummary {
  collected_at: number;
  nodes_processed: number;
  metrics_collected: number;
  /** Breaching readings in this collection, new or continuing. */
  violations_detected: number;
  violations_opened: number;
  violations_escalated: number;
  violations_resolved: number;
  open_violations: number;
  capacity: CapacityReading;
  duration_ms: number;
}

/** Where a collection's results go besides the store: Prometheus gauges, alert outbox. */
export interface CollectionSinks {
  /** Called inside the collection's transaction, so alerts commit with the violations they describe. */
  onTransitions?(
    trx: Tx,
    applied: readonly AppliedTransition[],
    now: number,
    openBefore: readonly OpenViolation[],
  ): Promise<unknown>;
  /**
   * Called before the collection's transaction with the fleet's capacity; slow reads (a
   * forecast) belong here, outside the lock. What it returns runs inside the transaction,
   * after the violations' alerts, so capacity alerts commit with the collection too.
   */
  prepareCapacity?(capacity: CapacityReading, at: number): Promise<(trx: Tx) => Promise<unknown>>;
  /** Called after commit with everything measured. */
  onCollected?(
    readings: readonly MetricReading[],
    summary: CollectionSummary,
    open: readonly OpenViolation[],
    applied: readonly AppliedTransition[],
  ): void;
}

/** The seed's forecast columns of a capacity snapshot, from the fleet's latest forecast. */
export interface SnapshotPlan {
  forecast_capacity: number | null;
  recommended_scaling: string | null;
  scaling_reason: string | null;
}

export interface SlaCollector {
  /** Runs one collection; concurrent calls queue behind the one in progress. */
  collect(): Promise<CollectionSummary>;
}

/** What one collection uses: the options, with the rules and grains derived from the settings once. */
interface CollectorDeps {
  store: Store;
  settings: SlaSettings;
  sinks: CollectionSinks;
  log: Logger;
  now: () => number;
  rules: MetricRules;
  sliceMs: number;
  grain: RollupGrain;
  /** What the fleet's forecast says now, for the snapshot; none without capacity planning. */
  plan: (capacity: CapacityReading) => SnapshotPlan | null;
}

/**
 * The whole fleet's evidence at `at`, with a fixed number of set-based queries (never one per
 * node): four at once, then the peers' verdicts for the slices the heartbeats left open.
 */
async function readEvidence(
  { store, settings, sliceMs, grain }: CollectorDeps,
  at: number,
): Promise<FleetEvidence> {
  const windowStart = at - settings.uptime_window_s * 1000;
  const [fleet, slices, completion, durations] = await Promise.all([
    readFleet(store.db),
    readHeartbeatSlices(store.db, sliceMs, windowStart, at),
    readCompletionCounts(store.db, at - settings.completion_window_s * 1000, grain),
    readResponseDurations(store.db),
  ]);
  // The peers speak only for slices without a heartbeat: their verdicts (each monitor's votes,
  // about 0.7 KB a row) are read for those rows alone, after the heartbeats say which they are.
  const wanted = peerRowsWanted(
    fleet.map((n) => n.node_id),
    slices,
    sliceMs,
    windowStart,
    at,
  );
  const peerVerdicts = await readPeerVerdictSlices(store.db, sliceMs, wanted);
  return { fleet, slices, peerVerdicts, durations, completion };
}

/**
 * Writes the metrics, the capacity snapshot and the violation transitions in one transaction
 * under a lock that keeps two coordinators on one database from collecting at once; the
 * alerts the transitions cause commit in the same transaction.
 */
async function writeCollection(
  { store, sinks, plan }: CollectorDeps,
  { readings, capacity }: { readings: readonly MetricReading[]; capacity: CapacityReading },
  metricRows: ReturnType<typeof metricRowsFor>,
  at: number,
  capacityWrite: ((trx: Tx) => Promise<unknown>) | undefined,
): Promise<{ applied: AppliedTransition[]; open: OpenViolation[] }> {
  return store.exclusive('sla-collect', async (trx) => {
    const openBefore = await readOpenViolations(trx);
    const transitions = planTransitions(
      openBefore,
      readings.map((r) => r.evaluation),
      at,
    );
    await insertMetrics(trx, metricRows, store.capabilities);
    await insertCapacitySnapshot(trx, {
      id: uuidv7(at),
      timestamp: at,
      ...capacity,
      ...(plan(capacity) ?? {}),
      metadata: '{}',
    });
    const applied = await applyTransitions(trx, transitions, at);
    await sinks.onTransitions?.(trx, applied, at, openBefore);
    await capacityWrite?.(trx);
    return { applied, open: await readOpenViolations(trx) };
  });
}

/** Reads, evaluates with the pure SLA core, writes, then tells the sinks and the log. */
async function collectOnce(deps: CollectorDeps): Promise<CollectionSummary> {
  const { settings, rules, sliceMs } = deps;
  const started = performance.now();
  const at = deps.now();
  const evidence = await readEvidence(deps, at);
  const { readings, capacity } = evaluateFleet(evidence, rules, {
    at,
    sliceMs,
    uptimeWindowMs: settings.uptime_window_s * 1000,
    livenessTimeoutMs: settings.liveness_timeout_s * 1000,
    responsePercentile: settings.response_time_percentile,
  });
  const metricRows = metricRowsFor(readings, at);
  const capacityWrite = await deps.sinks.prepareCapacity?.(capacity, at);
  const { applied, open } = await writeCollection(
    deps,
    { readings, capacity },
    metricRows,
    at,
    capacityWrite,
  );

  const count = (kind: string) => applied.filter((a) => a.transition.kind === kind).length;
  const summary: CollectionSummary = {
    collected_at: at,
    nodes_processed: evidence.fleet.length,
    metrics_collected: metricRows.length,
    violations_detected: readings.filter((r) => r.evaluation.severity !== null).length,
    violations_opened: count('opened'),
    violations_escalated: count('escalated'),
    violations_resolved: count('resolved'),
    open_violations: open.length,
    capacity,
    duration_ms: Math.round(performance.now() - started),
  };
  deps.sinks.onCollected?.(readings, summary, open, applied);
  deps.log.info(
    {
      nodes: summary.nodes_processed,
      opened: summary.violations_opened,
      resolved: summary.violations_resolved,
      open: summary.open_violations,
      duration_ms: summary.duration_ms,
    },
    'sla collection done',
  );
  return summary;
}

/**
 * One collection reads the whole fleet with a fixed number of set-based queries (never a
 * query per node), evaluates it with the pure SLA core, and writes metrics, the capacity
 * snapshot and violation transitions in one transaction under a lock that keeps two
 * coordinators on one database from collecting at once.
 */
export function createSlaCollector({
  store,
  settings,
  sinks = {},
  log,
  now = Date.now,
  plan = () => null,
}: {
  store: Store;
  settings: SlaSettings;
  sinks?: CollectionSinks;
  log: Logger;
  now?: () => number;
  plan?: (capacity: CapacityReading) => SnapshotPlan | null;
}): SlaCollector {
  const deps: CollectorDeps = {
    store,
    settings,
    sinks,
    log,
    now,
    rules: rulesFromSettings(settings),
    sliceMs: settings.slice_s * 1000,
    grain: rollupGrain(settings.completion_window_s),
    plan,
  };
  let running: Promise<unknown> = Promise.resolve();
  return {
    collect() {
      const once = () => collectOnce(deps);
      const next = running.then(once, once);
      running = next.catch(() => {});
      return next;
    },
  };
}

/** One collection every `sla.collection_interval_s`. */
export function collectionSchedule(collector: SlaCollector, collectionIntervalS: number): Schedule {
  return { name: 'sla collection', intervalMs: collectionIntervalS * 1000, task: () => collector.collect() };
}
