import type { VigilConfig } from '../../src/config/index.ts';
import { createSlaCollector } from '../../src/coordinator/sla/collector.ts';
import { canonicalJson } from '../../src/core/crypto/canonical-json.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import {
  GENESIS_SETTLEMENT_HASH,
  type NodeSettlement,
  type Settlement,
  settlementHash,
} from '../../src/core/settlement/index.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { openStore } from '../../src/store/store.ts';
import { openBulkWriter } from './bulk.ts';
import type { BenchDatabase } from './common.ts';
import { type FleetSpec, type NodeProfile, prng } from './fleet.ts';

const METRIC_TYPES = {
  id: 'text',
  node_id: 'text',
  metric_type: 'text',
  metric_value: 'float8',
  threshold: 'float8',
  severity: 'text',
  timestamp: 'int8',
  metadata: 'text',
} as const;

/**
 * Metric history as the collector leaves it: three rows per node per collection, one
 * collection every `sla.collection_interval_s` before the data set's clock, written in
 * collection order with the indexes in place so the (node_id, timestamp) index grows as it
 * does in production (a rebuilt index would be packed tighter than a real one).
 */
export async function loadMetricHistory(
  db: BenchDatabase,
  config: VigilConfig,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  collections: number,
): Promise<void> {
  const writer = openBulkWriter(db);
  const intervalMs = config.sla.collection_interval_s * 1000;
  const t = config.sla.thresholds;
  try {
    for (let k = collections; k >= 1; k--) {
      const at = spec.now - k * intervalMs;
      const rnd = prng(k);
      const cols: Record<keyof typeof METRIC_TYPES, unknown[]> = {
        id: [],
        node_id: [],
        metric_type: [],
        metric_value: [],
        threshold: [],
        severity: [],
        timestamp: [],
        metadata: [],
      };
      const push = (nodeId: string, metric: string, value: number, threshold: number) => {
        cols.id.push(uuidv7(at));
        cols.node_id.push(nodeId);
        cols.metric_type.push(metric);
        cols.metric_value.push(value);
        cols.threshold.push(threshold);
        cols.severity.push(null);
        cols.timestamp.push(at);
        cols.metadata.push('{}');
      };
      for (const p of profiles) {
        push(p.node_id, 'uptime_pct', 97 + rnd() * 3, t.uptime_pct);
        push(p.node_id, 'response_time_ms', 150 + rnd() * 400, t.response_time_ms);
        push(p.node_id, 'completion_rate_pct', 92 + rnd() * 8, t.completion_rate_pct);
      }
      await writer.begin();
      await writer.insert('sla_metrics', METRIC_TYPES, cols);
      await writer.commit();
    }
    await writer.settle(['sla_metrics']);
  } finally {
    await writer.close();
  }
}

/** Real collections at the data set's clock and one interval later: metrics and violations as the collector writes them. */
export async function collectTwice(
  databaseUrl: string,
  config: VigilConfig,
  spec: FleetSpec,
): Promise<number> {
  const store = openStore({ databaseUrl });
  try {
    const clock = { now: spec.now };
    const collector = createSlaCollector({
      store,
      settings: config.sla,
      log: silentLogger,
      now: () => clock.now,
    });
    await collector.collect();
    clock.now += config.sla.collection_interval_s * 1000;
    return (await collector.collect()).open_violations;
  } finally {
    await store.close();
  }
}

/**
 * Verdict counters for about a third of the nodes (some with failures), and about one node in
 * a hundred deregistered after the collections, so its readings are older than the others'.
 */
export async function markQualityAndDeregistered(
  databaseUrl: string,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
): Promise<{ judged: number; deregistered: number }> {
  const store = openStore({ databaseUrl });
  const rnd = prng(7);
  const judged = profiles.filter(() => rnd() < 0.33);
  const gone = profiles.filter((p) => p.index % 97 === 5);
  try {
    for (let i = 0; i < judged.length; i += 1000) {
      await store.db
        .insertInto('node_quality')
        .values(
          judged.slice(i, i + 1000).map((p) => {
            const verified = 1 + Math.floor(rnd() * 200);
            return {
              node_id: p.node_id,
              verified,
              failed: Math.floor(verified * rnd() * rnd() * 0.3),
              updated_at: spec.now,
            };
          }),
        )
        .execute();
    }
    await store.db
      .updateTable('nodes')
      .set({ state: 'deleted', deleted_at: spec.now, updated_at: spec.now })
      .where(
        'node_id',
        'in',
        gone.map((p) => p.node_id),
      )
      .execute();
  } finally {
    await store.close();
  }
  return { judged: judged.length, deregistered: gone.length };
}

const MEMBER_TYPES = { epoch: 'int8', node_id: 'text', public_key: 'text' } as const;

/**
 * `epochs` settled epochs of the whole fleet before the data set's clock, as the coordinator
 * stores them: the epoch row, its member snapshot, and the settlement's canonical JSON with a
 * row per member (synthetic figures; nothing reads them but GET /nodes/{id}/epochs).
 */
export async function loadSettlements(
  db: BenchDatabase,
  config: VigilConfig,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  epochs: number,
): Promise<{ documentBytes: number }> {
  const writer = openBulkWriter(db);
  const lengthMs = config.epochs.length_s * 1000;
  const pool = BigInt(config.rewards.pool_minor_units);
  let previous = GENESIS_SETTLEMENT_HASH;
  let documentBytes = 0;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const start = spec.now - (epochs - epoch) * lengthMs;
      const rnd = prng(1000 + epoch);
      let total = 0n;
      const nodes: NodeSettlement[] = profiles.map((p) => {
        const down = rnd() < 0.05 ? Math.floor(rnd() * 2000) : Math.floor(rnd() * 100);
        const score = down * 30 > 8640 ? Math.floor((1_000_000 * (8640 - down)) / 8640) : 1_000_000;
        const reward = (pool * BigInt(score)) / (BigInt(profiles.length) * 1_000_000n);
        total += reward;
        return {
          node: p.node_id,
          monitors_assigned: 24,
          reports_counted: 24,
          quorum_required: 12,
          quorum_met: true,
          checks: 8640,
          downtime_intervals: down,
          latency_ms: Math.round(2000 + rnd() * 60_000) / 1000,
          score_ppm: score,
          reward: reward.toString(),
          reason: null,
        };
      });
      const settlement: Settlement = {
        version: 1,
        epoch,
        previous_settlement_hash: previous,
        reports_merkle_root: '0'.repeat(64),
        reports_accepted: profiles.length,
        reports_rejected: [],
        parameters: {
          reward_pool: pool.toString(),
          quorum_fraction: '1/2',
          downtime_allowance_fraction: '1/30',
          latency_allowance_ms: config.rewards.latency_allowance_ms,
        },
        nodes,
        total_reward: total.toString(),
        withheld: (pool - total).toString(),
      };
      const document = canonicalJson(settlement);
      documentBytes = document.length;
      const hash = settlementHash(settlement);
      await writer.begin();
      await writer.insert(
        'epochs',
        { ...EPOCH_TYPES },
        {
          epoch: [epoch],
          start_ms: [start],
          end_ms: [start + lengthMs],
          report_window_end_ms: [start + lengthMs + config.epochs.report_window_s * 1000],
          group_size: [24],
          previous_settlement_hash: [previous],
          seed: ['0'.repeat(64)],
          members_taken_at: [start],
          settled_at: [start + lengthMs + config.epochs.report_window_s * 1000],
          settlement_hash: [hash],
        },
      );
      await writer.insert('epoch_members', MEMBER_TYPES, {
        epoch: profiles.map(() => epoch),
        node_id: profiles.map((p) => p.node_id),
        public_key: profiles.map((p) => Buffer.alloc(32, p.index % 251).toString('base64url')),
      });
      await writer.insert('settlements', SETTLEMENT_TYPES, {
        epoch: [epoch],
        hash: [hash],
        document: [document],
        signature: ['x'.repeat(86)],
        public_key: ['y'.repeat(43)],
        settled_at: [start + lengthMs + config.epochs.report_window_s * 1000],
      });
      await writer.commit();
      previous = hash;
    }
    await writer.settle(['epochs', 'epoch_members', 'settlements']);
  } finally {
    await writer.close();
  }
  return { documentBytes };
}

const EPOCH_TYPES = {
  epoch: 'int8',
  start_ms: 'int8',
  end_ms: 'int8',
  report_window_end_ms: 'int8',
  group_size: 'int8',
  previous_settlement_hash: 'text',
  seed: 'text',
  members_taken_at: 'int8',
  settled_at: 'int8',
  settlement_hash: 'text',
} as const;
const SETTLEMENT_TYPES = {
  epoch: 'int8',
  hash: 'text',
  document: 'text',
  signature: 'text',
  public_key: 'text',
  settled_at: 'int8',
} as const;
