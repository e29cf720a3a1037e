import type { ColumnType } from 'kysely';
import type { CapacityReading } from '../core/sla/capacity.ts';
import type { MetricType, Severity } from '../core/sla/types.ts';
import type { AutoscalerTables } from './schema-autoscaler.ts';
import type { CapacityTables } from './schema-capacity.ts';
import type { EpochTables } from './schema-epochs.ts';
import type { OutboxTables } from './schema-outbox.ts';
import type { PeerTables } from './schema-peer.ts';
import type { WorkTables } from './schema-work.ts';

export type { MetricType, Severity };

/**
 * The tables as Kysely sees them. Times are UTC epoch milliseconds (integers);
 * JSON documents are stored as text so both dialects read them the same way.
 */
export interface Database
  extends EpochTables,
    PeerTables,
    WorkTables,
    OutboxTables,
    AutoscalerTables,
    CapacityTables {
  nodes: NodesTable;
  node_topics: NodeTopicsTable;
  node_status: NodeStatusTable;
  heartbeat_slices: HeartbeatSlicesTable;
  job_outcomes: JobOutcomesTable;
  outcome_rollups: OutcomeRollupsTable;
  node_response_samples: NodeResponseSamplesTable;
  sla_metrics: SlaMetricsTable;
  sla_violations: SlaViolationsTable;
  capacity_snapshots: CapacitySnapshotsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  web_sessions: WebSessionsTable;
}

export type NodeState = 'active' | 'deleted';

export interface NodesTable {
  node_id: string;
  public_key: string | null;
  endpoint: string | null;
  /** Where the node's agent serves GET /status (migration 0002). */
  agent_url: string | null;
  operator: string | null;
  /** JSON array of topic names. */
  topics: string;
  max_parallel: number;
  state: NodeState;
  registered_at: number;
  updated_at: number;
  deleted_at: number | null;
}

/** One row per topic a node serves; `nodes.topics` keeps the list as registered, for display. */
export interface NodeTopicsTable {
  node_id: string;
  topic: string;
}

/** The latest heartbeat of each node: one row per node, overwritten in place. */
export interface NodeStatusTable {
  node_id: string;
  first_heartbeat_at: number;
  last_heartbeat_at: number;
  busy_slots: number;
  queue_length: number;
  version: string | null;
}

/**
 * Heartbeat evidence as a bitmap of time slices: bit i of `mask` is set when a heartbeat
 * arrived in slice `row_start + i * slice_ms`. One row holds SLICES_PER_ROW slices, so a
 * 24 h uptime window over 10,000 nodes reads about 100,000 small rows.
 */
export interface HeartbeatSlicesTable {
  node_id: string;
  slice_ms: number;
  row_start: number;
  mask: number;
}

export type OutcomeStatus = 'success' | 'failure';

export interface JobOutcomesTable {
  job_id: string;
  node_id: string;
  topic: string;
  tenant_id: string | null;
  status: OutcomeStatus;
  started_at: number;
  finished_at: number;
  duration_ms: number;
  received_at: number;
}

/** Per-node outcome counters in buckets of `bucket_ms` (two grains, see core/sla/rollup.ts). */
export interface OutcomeRollupsTable {
  node_id: string;
  bucket_ms: number;
  bucket_start: number;
  successes: number;
  failures: number;
  duration_sum_ms: number;
}

/** The most recent outcomes of each node, as JSON `[[finished_at…], [duration_ms…]]` (see response-samples.ts). */
export interface NodeResponseSamplesTable {
  node_id: string;
  samples: string;
  updated_at: number;
}

export interface SlaMetricsTable {
  id: string;
  /** Null for fleet-wide metrics (capacity availability). */
  node_id: string | null;
  metric_type: MetricType;
  /** Null when there was no data in the window. */
  metric_value: number | null;
  threshold: number;
  severity: Severity | null;
  timestamp: number;
  metadata: string;
}

export interface SlaViolationsTable {
  id: string;
  node_id: string | null;
  /** node id, or 'fleet' for fleet-wide metrics; unique with violation_type while open. */
  subject: string;
  violation_type: MetricType;
  severity: Severity;
  metric_value: number;
  worst_value: number;
  threshold: number;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
  violation_duration_ms: number | null;
  metadata: string;
}

/** One collection's capacity reading (see core/sla/capacity.ts), as stored. */
export interface CapacitySnapshotsTable extends CapacityReading {
  id: string;
  timestamp: number;
  metadata: string;
}

export type Role = 'admin' | 'operator' | 'node' | 'tenant' | 'read';

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  prefix: string;
  role: Role;
  label: string | null;
  /** The node a `node` key acts as (migration 0006); null for other roles. */
  node_id: string | null;
  /** The operator whose nodes an `operator` key acts for; null: every node (migration 0006). */
  operator: string | null;
  created_at: number;
  revoked_at: number | null;
}

/** A dashboard sign-in (migration 0009): a browser's session or a one-time sign-in link. */
export interface WebSessionsTable {
  token_hash: string;
  kind: 'session' | 'link';
  /** The API key whose role and scope the session acts with. */
  key_id: string;
  created_at: number;
  expires_at: number;
  /** When it was signed out of, or the link used; null while it is good. */
  ended_at: number | null;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor: string;
  role: string | null;
  method: string;
  route: string;
  path: string;
  status_code: number;
  request_id: string;
  ip: string | null;
  detail: ColumnType<string, string | undefined, string>;
}
