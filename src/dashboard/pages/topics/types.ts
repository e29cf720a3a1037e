/** What the topic and job pages read, as docs/api.md ("Topics", "Submitting and reading jobs") gives it. */

export interface QueueFigures {
  ready: number;
  ready_now: number;
  leased: number;
  dead: number;
  oldest_ready_age_ms: number;
}

/** A topic's definition as the API shows it: adapter header values already `[redacted]`. */
export interface TopicView {
  name: string;
  description: string | null;
  adapter: ({ kind: string } & Record<string, unknown>) | null;
  timeout_ms: number;
  max_attempts: number;
  backoff: { kind: string; initial_ms: number; max_ms: number };
  deadline_ms: number | null;
  price_per_unit: string;
  unit: string;
  min_benchmark_score: number;
  benchmark: Record<string, unknown> | null;
  verification: Record<string, unknown> | null;
  source: string;
  created_at_ms: number;
  updated_at_ms: number;
  queue: QueueFigures;
}

export const JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed_verification',
  'dead',
  'cancelled',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface JobView {
  job_id: string;
  topic: string;
  tenant_id: string;
  idempotency_key: string | null;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  created_at_ms: number;
  updated_at_ms: number;
  deadline_at_ms: number | null;
  node_id: string | null;
  worker_id: string | null;
  started_at_ms: number | null;
  finished_at_ms: number | null;
  duration_ms: number | null;
  result: unknown;
  error: JobError | null;
  verification: {
    state: string;
    verdict: { pass: boolean; loss: number | null; detail: string | null; node_id: string } | null;
  } | null;
}

/** One ended attempt (GET /jobs/{job_id}/attempts). */
export interface AttemptView {
  attempt: number;
  node_id: string;
  status: 'success' | 'failure';
  started_at_ms: number;
  finished_at_ms: number;
  duration_ms: number;
}

/** Whether a job can still be cancelled (POST /jobs/{job_id}/cancel takes queued or running). */
export function cancellable(status: JobStatus): boolean {
  return status === 'queued' || status === 'running';
}

export const STATUS_TONE: Partial<Record<JobStatus, 'good' | 'bad'>> = {
  succeeded: 'good',
  dead: 'bad',
  failed_verification: 'bad',
};

/** The link to a job, topic or node page. */
export const jobLink = (id: string) => `#/jobs/${encodeURIComponent(id)}`;
export const topicLink = (name: string) => `#/topics/${encodeURIComponent(name)}`;
export const nodeLink = (id: string) => `#/nodes/${encodeURIComponent(id)}`;
