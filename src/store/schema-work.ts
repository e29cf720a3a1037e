import type { WorkerState } from '../core/work/lifecycle.ts';

/** Tables of work distribution (migration 0004; topic samples 0010): topics, jobs, the in-database queue, workers. */
export interface WorkTables {
  topics: TopicsTable;
  jobs: JobsTable;
  queue_items: QueueItemsTable;
  pools: PoolsTable;
  workers: WorkersTable;
  worker_states: WorkerStatesTable;
  node_quality: NodeQualityTable;
  topic_samples: TopicSamplesTable;
}

/** A topic: its definition as JSON (see config/topic-schema.ts), from configuration or the API. */
export interface TopicsTable {
  name: string;
  /** The whole `TopicDefinition`, name included, as JSON text. */
  definition: string;
  source: 'config' | 'api';
  created_at: number;
  updated_at: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed_verification' | 'dead' | 'cancelled';
export type VerificationState = 'pending' | 'claimed' | 'passed' | 'failed';

/**
 * The record of a job, whichever queue backend dispatches it: what the tenant submitted and
 * how it went. The job service changes it only by conditional updates on (status, lease
 * token), which is what makes an outcome be recorded once.
 */
export interface JobsTable {
  job_id: string;
  topic: string;
  tenant_id: string;
  /** Unique per tenant when set: a repeated submission returns the first job. */
  idempotency_key: string | null;
  /** JSON text, at most jobs.max_payload_bytes. */
  payload: string;
  status: JobStatus;
  /** Attempts started so far. */
  attempts: number;
  max_attempts: number;
  created_at: number;
  updated_at: number;
  /** Null without a topic deadline; a job not finished by then is dead. */
  deadline_at: number | null;
  /** The node and worker of the current or last attempt. */
  node_id: string | null;
  worker_id: string | null;
  /** The current attempt's lease token while running; null otherwise. */
  lease_token: string | null;
  /** When the current or last attempt was claimed. */
  started_at: number | null;
  finished_at: number | null;
  /** The token of the attempt that finished the job: a resent result with it is a duplicate. */
  finished_token: string | null;
  /** JSON text of the adapter's result (success only). */
  result: string | null;
  /** JSON text `{ code, message, retryable }` of the last failure. */
  error: string | null;
  /** Null when the job was not sampled for verification. */
  verification_state: VerificationState | null;
  /** The verifier's worker id while claimed, then the one that gave the verdict. */
  verifier_id: string | null;
  verification_claim_expires_at: number | null;
  /** JSON text `{ pass, loss, detail, worker_id, node_id, at }` once a verdict arrived. */
  verdict: string | null;
}

export type QueueItemState = 'ready' | 'leased' | 'dead';

/** The in-database queue backend's items (src/queue/database/, statements in repositories/queue-items.ts). */
export interface QueueItemsTable {
  id: string;
  topic: string;
  payload: string;
  state: QueueItemState;
  attempts: number;
  max_attempts: number;
  enqueued_at: number;
  available_at: number;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  dead_at: number | null;
}

export interface PoolsTable {
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export type { WorkerState };

/**
 * A worker: desired state (topics, enabled, generation) set by its host's configuration or
 * an operator, and observed state reported by the host at each sync.
 */
export interface WorkersTable {
  worker_id: string;
  node_id: string;
  pool: string | null;
  /** `config`: declared by the host's own configuration; `api`: added by an operator. */
  source: 'config' | 'api';
  /** JSON `[{ topic, concurrency }]`. */
  topics: string;
  /** JSON array of topic names it verifies. */
  verify_topics: string;
  enabled: number;
  /** Raised by a restart; the host restarts the worker when it sees a new one. */
  generation: number;
  state: WorkerState;
  reason: string | null;
  state_at: number;
  busy_slots: number;
  queue_length: number;
  /** JSON `{ [topic]: score }` of the last benchmark. */
  benchmark: string;
  last_seen_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Every state a worker reported, with when: the history behind GET /nodes/{id}/states. */
export interface WorkerStatesTable {
  worker_id: string;
  node_id: string;
  state: WorkerState;
  reason: string | null;
  at: number;
}

/** Verification counters per node: the quality score is derived from them. */
export interface NodeQualityTable {
  node_id: string;
  verified: number;
  failed: number;
  updated_at: number;
}

/**
 * Each topic's queue as sampled on a schedule (migration 0010, decision 0072): the history
 * behind GET /series' topic series. Counts as `JobQueue.stats` gives them at `sampled_at`.
 */
export interface TopicSamplesTable {
  topic: string;
  sampled_at: number;
  ready: number;
  ready_now: number;
  leased: number;
  dead: number;
  oldest_ready_age_ms: number;
}
