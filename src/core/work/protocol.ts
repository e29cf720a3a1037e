// The worker-facing calls of docs/design/work-contract.md ("Worker-facing calls"): what the
// worker sends and reads, and what the coordinator answers. snake_case because they are the
// JSON on the wire.

import type { WorkerState } from './lifecycle.ts';
import type { TopicDefinition } from './topic.ts';

export type { WorkerState };

export interface TopicSlots {
  topic: string;
  concurrency: number;
}

export interface StateTransition {
  state: WorkerState;
  reason: string | null;
  at_ms: number;
}

/** One worker's entry in `POST /workers/sync`. */
export interface WorkerReport {
  worker_id: string;
  pool: string;
  /** Present for the worker this host's configuration declares; null for operator-added ones. */
  declared: { topics: TopicSlots[]; verify_topics: string[] } | null;
  generation: number;
  state: WorkerState;
  reason: string | null;
  busy_slots: number;
  queue_length: number;
  benchmark: Record<string, number>;
  transitions: StateTransition[];
}

export interface SyncRequest {
  version: string;
  workers: WorkerReport[];
}

/** What the coordinator wants this node to run. */
export interface DesiredWorker {
  worker_id: string;
  pool: string | null;
  source: 'config' | 'api';
  enabled: boolean;
  generation: number;
  topics: TopicSlots[];
  verify_topics: string[];
}

export interface SyncAnswer {
  node_id: string;
  server_time_ms: number;
  lease_ms: number;
  workers: DesiredWorker[];
  topics: TopicDefinition[];
  /** Reports the coordinator ignored (another node's worker id, a worker deleted there). */
  refused?: Array<{ worker_id: string; type: string; detail: string }>;
}

export interface ClaimedJob {
  job_id: string;
  lease_token: string;
  attempt: number;
  max_attempts: number;
  lease_expires_at_ms: number;
  timeout_ms: number;
  deadline_at_ms: number | null;
  tenant_id: string;
  payload: unknown;
}

export interface ClaimRequest {
  worker_id: string;
  max: number;
  wait_ms: number;
}

export type LeaseStatus = 'extended' | 'cancelled' | 'lost';

export interface LeaseRef {
  job_id: string;
  lease_token: string;
}

export interface ExtendAnswer {
  leases: Array<{ job_id: string; status: LeaseStatus; lease_expires_at_ms: number | null }>;
}

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

/** One item of `POST /results`: how one attempt ended. */
export interface JobResult {
  job_id: string;
  lease_token: string;
  worker_id: string;
  status: 'success' | 'failure' | 'released';
  result?: unknown;
  error?: JobError;
  started_at_ms: number;
  finished_at_ms: number;
}

export type ResultDisposition =
  | 'recorded'
  | 'retrying'
  | 'dead'
  | 'released'
  | 'duplicate'
  | 'cancelled'
  | 'lost';

export interface Sample {
  job_id: string;
  node_id: string;
  payload: unknown;
  result: unknown;
  finished_at_ms: number;
}

/** One item of `POST /verdicts`. */
export interface Verdict {
  job_id: string;
  worker_id: string;
  pass: boolean;
  loss: number | null;
  detail: string | null;
}

export type VerdictDisposition = 'recorded' | 'duplicate' | 'not-claimed' | 'unknown-job';

/** Both outbox kinds answer `{ <kind>: [{ job_id, disposition }] }`. */
export interface BatchAnswer<D extends string> {
  items: Array<{ job_id: string; disposition: D }>;
}

/** The longest error message a result carries (`POST /results` refuses longer). */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

/**
 * Text from an adapter (an error message, a verdict's detail) made fit for the wire: no NUL
 * (the coordinator refuses it in every stored string; a crashed program's output may hold
 * one) and no longer than `maxChars`, so one odd message never gets a whole batch refused.
 */
export function wireText(text: string, maxChars: number): string {
  return text.replaceAll('\u0000', '\uFFFD').slice(0, maxChars);
}
