import { uuidv7 } from '../../src/core/ids.ts';
import { type BulkWriter, type ColumnTypes, columns, openBulkWriter, push } from './bulk.ts';
import type { BenchDatabase } from './common.ts';
import { jobs } from './dashboard-jobs.ts';
import { aliveAt, type FleetSpec, type NodeProfile, prng } from './fleet.ts';
import type { SetupPhase } from './sla-setup.ts';

/**
 * What a coordinator that ran for days beside the sla-collect fleet would have stored for the
 * dashboard's reads, bulk-inserted in the order production writes it: SLA readings of every
 * node at every collection, capacity snapshots, violations opening and resolving, finished
 * and unfinished jobs with their queue, topic queue samples, and a running epoch with the
 * previous one's reports coming in.
 */
export interface HistorySpec {
  /** Hours of SLA readings (three per node per collection). */
  metricHours: number;
  /** Days of finished jobs, at the fleet's outcome rate. */
  jobDays: number;
  /** Days of capacity snapshots, violations and topic samples. */
  days: number;
  collectionMs: number;
}

const DAY = 86_400_000;
const EPOCH_MS = 30 * DAY;
const OPEN_VIOLATIONS = 448;
const RESOLVED_VIOLATIONS_PER_DAY = 450;

/** Epoch 1 started 20 minutes before the fleet's clock; epoch 0 is in its report window. */
export const genesisFor = (spec: FleetSpec): number => spec.now - EPOCH_MS - 20 * 60_000;

export async function loadDashboardHistory(
  db: BenchDatabase,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  h: HistorySpec,
  phases: SetupPhase[],
): Promise<Record<string, number>> {
  const writer = openBulkWriter(db);
  const counts: Record<string, number> = {};
  const phase = async (name: string, fn: () => Promise<number>) => {
    const start = performance.now();
    await writer.begin();
    counts[name] = await fn();
    await writer.commit();
    phases.push({ name, ms: performance.now() - start });
  };
  try {
    await phase('sla_metrics', () => slaMetrics(writer, spec, profiles, h));
    await phase('capacity_snapshots', () => snapshots(writer, spec, profiles, h));
    await phase('sla_violations', () => violations(writer, spec, profiles, h));
    await phase('jobs, queue_items', () => jobs(writer, spec, profiles, h));
    await phase('topic_samples', () => topicSamples(writer, spec, h));
    await phase('epochs, epoch_members, monitor_reports', () => epochs(writer, spec, profiles));
    const start = performance.now();
    await writer.settle(HISTORY_TABLES);
    phases.push({ name: 'settle', ms: performance.now() - start });
  } finally {
    await writer.close();
  }
  return counts;
}

const HISTORY_TABLES = [
  'sla_metrics',
  'capacity_snapshots',
  'sla_violations',
  'jobs',
  'queue_items',
  'topic_samples',
  'epochs',
  'epoch_members',
  'monitor_reports',
];

const METRIC_TYPES: ColumnTypes = {
  id: 'text',
  node_id: 'text',
  metric_type: 'text',
  metric_value: 'float8',
  threshold: 'float8',
  severity: 'text',
  timestamp: 'int8',
  metadata: 'text',
};

/** Every collection's three readings per node, collection by collection as they accumulate. */
async function slaMetrics(
  w: BulkWriter,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  h: HistorySpec,
): Promise<number> {
  const collections = Math.floor((h.metricHours * 3_600_000) / h.collectionMs);
  let rows = 0;
  for (let k = collections - 1; k >= 0; k--) {
    const at = spec.now - k * h.collectionMs;
    const cols = columns(METRIC_TYPES);
    const rnd = prng(at % 2 ** 31);
    for (const p of profiles) {
      const up = aliveAt(p, at) ? 100 - (rnd() < 0.05 ? rnd() * 3 : 0) : 80 + rnd() * 10;
      const p95 = (p.slow ? 2_000 : 200) * (0.8 + rnd() * 0.4);
      const completion = p.flaky ? 85 + rnd() * 2 : 100 - (rnd() < 0.1 ? rnd() : 0);
      for (const [metric_type, value, threshold, bad] of [
        ['uptime_pct', up, 95, up < 95],
        ['response_time_ms', p95, 1000, p95 > 1000],
        ['completion_rate_pct', completion, 90, completion < 90],
      ] as const) {
        push(cols, {
          id: uuidv7(at),
          node_id: p.node_id,
          metric_type,
          metric_value: value,
          threshold,
          severity: bad ? 'critical' : null,
          timestamp: at,
          metadata: '{}',
        });
      }
    }
    await w.insert('sla_metrics', METRIC_TYPES, cols);
    rows += profiles.length * 3;
  }
  return rows;
}

const SNAPSHOT_TYPES: ColumnTypes = {
  id: 'text',
  timestamp: 'int8',
  total_nodes: 'int8',
  live_nodes: 'int8',
  total_parallel_capacity: 'int8',
  live_parallel_capacity: 'int8',
  busy_slots: 'int8',
  free_slots: 'int8',
  total_queue_length: 'int8',
  capacity_utilization_pct: 'float8',
  capacity_availability_pct: 'float8',
  metadata: 'text',
};

async function snapshots(
  w: BulkWriter,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  h: HistorySpec,
): Promise<number> {
  const n = Math.floor((h.days * DAY) / h.collectionMs);
  const total = profiles.reduce((a, p) => a + p.max_parallel, 0);
  const cols = columns(SNAPSHOT_TYPES);
  for (let k = n - 1; k >= 0; k--) {
    const at = spec.now - k * h.collectionMs;
    const live = profiles.filter((p) => aliveAt(p, at));
    const liveSlots = live.reduce((a, p) => a + p.max_parallel, 0);
    // A daily swing in load, so the series has a shape.
    const busy = Math.round(liveSlots * (0.15 + 0.1 * Math.sin((2 * Math.PI * at) / DAY)));
    push(cols, {
      id: uuidv7(at),
      timestamp: at,
      total_nodes: profiles.length,
      live_nodes: live.length,
      total_parallel_capacity: total,
      live_parallel_capacity: liveSlots,
      busy_slots: busy,
      free_slots: liveSlots - busy,
      total_queue_length: Math.round(busy * 0.3),
      capacity_utilization_pct: (100 * busy) / liveSlots,
      capacity_availability_pct: (100 * (liveSlots - busy)) / total,
      metadata: '{}',
    });
  }
  await w.insert('capacity_snapshots', SNAPSHOT_TYPES, cols);
  return n;
}

const VIOLATION_TYPES: ColumnTypes = {
  id: 'text',
  node_id: 'text',
  subject: 'text',
  violation_type: 'text',
  severity: 'text',
  metric_value: 'float8',
  worst_value: 'float8',
  threshold: 'float8',
  created_at: 'int8',
  updated_at: 'int8',
  resolved_at: 'int8',
  violation_duration_ms: 'int8',
  metadata: 'text',
};

/** About 450 violations a day opening and resolving within hours, and 448 open now (one per subject). */
async function violations(
  w: BulkWriter,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  h: HistorySpec,
): Promise<number> {
  const rnd = prng(7);
  const metrics = ['uptime_pct', 'response_time_ms', 'completion_rate_pct'];
  const onCollection = (t: number) => Math.floor(t / h.collectionMs) * h.collectionMs;
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < RESOLVED_VIOLATIONS_PER_DAY * h.days; i++) {
    const created = onCollection(spec.now - rnd() * h.days * DAY);
    const resolved = Math.min(
      onCollection(spec.now),
      created + onCollection(5 * 60_000 + rnd() * 6 * 3_600_000),
    );
    const node = profiles[Math.floor(rnd() * profiles.length)]?.node_id;
    rows.push({ created, resolved, node, metric: metrics[i % 3] });
  }
  const n = profiles.length;
  for (let i = 0; i < Math.min(OPEN_VIOLATIONS, 3 * n); i++) {
    // At most one open violation per subject and metric (the unique index says so).
    const node = profiles[i % n]?.node_id;
    rows.push({
      created: onCollection(spec.now - rnd() * DAY),
      resolved: null,
      node,
      metric: metrics[Math.floor(i / n) % 3],
    });
  }
  rows.sort((a, b) => (a['created'] as number) - (b['created'] as number));
  const cols = columns(VIOLATION_TYPES);
  for (const r of rows) {
    const resolved = r['resolved'] as number | null;
    push(cols, {
      id: uuidv7(r['created'] as number),
      node_id: r['node'],
      subject: r['node'],
      violation_type: r['metric'],
      severity: 'critical',
      metric_value: 50,
      worst_value: 50,
      threshold: 95,
      created_at: r['created'],
      updated_at: resolved ?? r['created'],
      resolved_at: resolved,
      violation_duration_ms: resolved === null ? null : resolved - (r['created'] as number),
      metadata: '{}',
    });
  }
  await w.insert('sla_violations', VIOLATION_TYPES, cols);
  return rows.length;
}

const SAMPLE_TYPES: ColumnTypes = {
  topic: 'text',
  sampled_at: 'int8',
  ready: 'int8',
  ready_now: 'int8',
  leased: 'int8',
  dead: 'int8',
  oldest_ready_age_ms: 'int8',
};

async function topicSamples(w: BulkWriter, spec: FleetSpec, h: HistorySpec): Promise<number> {
  const n = Math.floor((h.days * DAY) / h.collectionMs);
  const cols = columns(SAMPLE_TYPES);
  const rnd = prng(13);
  for (let k = n - 1; k >= 0; k--) {
    for (const topic of ['embedding', 'inference', 'render', 'transcode']) {
      const ready = Math.floor(rnd() * 2_000);
      push(cols, {
        topic,
        sampled_at: spec.now - k * h.collectionMs,
        ready,
        ready_now: ready,
        leased: Math.floor(rnd() * 600),
        dead: 0,
        oldest_ready_age_ms: Math.floor(rnd() * 600_000),
      });
    }
  }
  await w.insert('topic_samples', SAMPLE_TYPES, cols);
  return n * 4;
}

/** Epochs 0 and 1 with every node a member; 6,000 of epoch 0's 10,000 reports in so far. */
async function epochs(w: BulkWriter, spec: FleetSpec, profiles: readonly NodeProfile[]): Promise<number> {
  const genesis = genesisFor(spec);
  const epochCols = columns({
    epoch: 'int8',
    start_ms: 'int8',
    end_ms: 'int8',
    report_window_end_ms: 'int8',
    group_size: 'int8',
    previous_settlement_hash: 'text',
    seed: 'text',
    members_taken_at: 'int8',
  });
  for (const epoch of [0, 1]) {
    const start = genesis + epoch * EPOCH_MS;
    push(epochCols, {
      epoch,
      start_ms: start,
      end_ms: start + EPOCH_MS,
      report_window_end_ms: start + EPOCH_MS + 3_600_000,
      group_size: 24,
      previous_settlement_hash: 'ab'.repeat(32),
      seed: 'cd'.repeat(32),
      members_taken_at: start,
    });
  }
  await w.insert(
    'epochs',
    Object.fromEntries(
      Object.keys(epochCols).map((k) => [k, k.endsWith('hash') || k === 'seed' ? 'text' : 'int8']),
    ) as ColumnTypes,
    epochCols,
  );
  const memberTypes: ColumnTypes = { epoch: 'int8', node_id: 'text', public_key: 'text' };
  const reportTypes: ColumnTypes = {
    epoch: 'int8',
    monitor: 'text',
    digest: 'text',
    body: 'text',
    received_at: 'int8',
  };
  const members = columns(memberTypes);
  const reports = columns(reportTypes);
  for (const epoch of [0, 1]) {
    for (const p of profiles) {
      push(members, {
        epoch,
        node_id: p.node_id,
        public_key: Buffer.alloc(32, p.index % 251).toString('base64'),
      });
    }
  }
  for (const p of profiles.slice(0, Math.round(profiles.length * 0.6))) {
    push(reports, {
      epoch: 0,
      monitor: p.node_id,
      digest: `d-${p.index}`,
      body: '{}',
      received_at: spec.now - 600_000,
    });
  }
  await w.insert('epoch_members', memberTypes, members);
  await w.insert('monitor_reports', reportTypes, reports);
  return 2 + 2 * profiles.length + Math.round(profiles.length * 0.6);
}
