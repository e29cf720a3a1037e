import { randomUUID } from 'node:crypto';
import type { TopicDefinition } from '../../../src/config/topic-schema.ts';
import type { ClaimedJob, JobResult } from '../../../src/core/work/protocol.ts';
import type { FakeWorkers } from './fake-workers.ts';

export interface FakeJob {
  job_id: string;
  topic: string;
  payload: unknown;
  status: 'queued' | 'running' | 'succeeded' | 'dead' | 'cancelled';
  attempts: number;
  max_attempts: number;
  lease_token: string | null;
  lease_expires_at_ms: number;
  worker_id: string | null;
  result: unknown;
  error: unknown;
  /** Every result item received for this job, with the disposition given. */
  received: Array<{ item: JobResult; disposition: string }>;
}

/** A claim refused, as the coordinator's problem slug. */
export type ClaimRefusal = { status: number; slug: string };

/**
 * The fake coordinator's jobs: a queue per topic, claims that long-poll, leases that expire,
 * and results de-duplicated by lease token, as docs/design/work-contract.md has them.
 */
export class FakeJobs {
  readonly jobs = new Map<string, FakeJob>();
  readonly #tokensSeen = new Map<string, string>();
  readonly #wakeClaims = new Set<() => void>();
  readonly #leaseMs: number;
  readonly #topics: Map<string, TopicDefinition>;
  readonly #workers: FakeWorkers;

  constructor({
    leaseMs,
    topics,
    workers,
  }: {
    leaseMs: number;
    topics: Map<string, TopicDefinition>;
    workers: FakeWorkers;
  }) {
    this.#leaseMs = leaseMs;
    this.#topics = topics;
    this.#workers = workers;
  }

  submit(topic: string, payload: unknown, maxAttempts: number): FakeJob {
    const job: FakeJob = {
      job_id: randomUUID(),
      topic,
      payload,
      status: 'queued',
      attempts: 0,
      max_attempts: maxAttempts,
      lease_token: null,
      lease_expires_at_ms: 0,
      worker_id: null,
      result: null,
      error: null,
      received: [],
    };
    this.jobs.set(job.job_id, job);
    this.#wakeWaitingClaims();
    return job;
  }

  /**
   * `POST /topics/{topic}/claim`: the worker must be the node's, enabled, serve the topic and
   * have a passing benchmark score; then up to `max` queued jobs, waiting up to `wait_ms` for
   * one. `gone` tells when the worker gave up on its long poll.
   */
  async claim(
    nodeId: string,
    topic: string,
    body: { worker_id: string; max?: number; wait_ms?: number },
    gone: () => boolean,
  ): Promise<{ jobs: ClaimedJob[] } | ClaimRefusal> {
    const refusal = this.#admission(nodeId, topic, body.worker_id);
    if (refusal !== null) return refusal;
    const deadline = Date.now() + (body.wait_ms ?? 0);
    for (;;) {
      this.#expireLeases();
      const ready = [...this.jobs.values()]
        .filter((j) => j.topic === topic && j.status === 'queued')
        .slice(0, body.max ?? 1);
      // A worker that gave up on its long poll (draining) must not be handed jobs it never sees.
      // (A job arriving as the abort crosses the wire is lost to the lease, as with the real one.)
      if (gone()) return { jobs: [] };
      if (ready.length > 0 || Date.now() >= deadline) {
        return { jobs: ready.map((job) => this.#lease(job, body.worker_id)) };
      }
      await this.#nextChange(deadline);
    }
  }

  /** `POST /leases/extend`: each lease extended, or `cancelled`, or `lost`. */
  extend(body: { leases: Array<{ job_id: string; lease_token: string }> }) {
    this.#expireLeases();
    return {
      leases: body.leases.map(({ job_id, lease_token }) => {
        const job = this.jobs.get(job_id);
        if (job?.status === 'cancelled') return { job_id, status: 'cancelled', lease_expires_at_ms: null };
        if (job === undefined || job.status !== 'running' || job.lease_token !== lease_token) {
          return { job_id, status: 'lost', lease_expires_at_ms: null };
        }
        job.lease_expires_at_ms = Date.now() + this.#leaseMs;
        return { job_id, status: 'extended', lease_expires_at_ms: job.lease_expires_at_ms };
      }),
    };
  }

  /** One item of `POST /results`; returns its disposition. */
  result(item: JobResult): string {
    const job = this.jobs.get(item.job_id);
    if (job === undefined) return 'lost';
    const disposition = this.#disposition(job, item);
    if (disposition !== 'lost' && disposition !== 'duplicate') {
      this.#tokensSeen.set(item.lease_token, disposition);
      job.lease_token = null;
    }
    job.received.push({ item, disposition });
    this.#wakeWaitingClaims();
    return disposition;
  }

  #disposition(job: FakeJob, item: JobResult): string {
    if (this.#tokensSeen.has(item.lease_token)) return 'duplicate';
    if (job.status === 'cancelled') return 'cancelled';
    if (job.lease_token !== item.lease_token || job.status !== 'running') return 'lost';
    if (item.status === 'success') {
      job.status = 'succeeded';
      job.result = item.result;
      return 'recorded';
    }
    if (item.status === 'released') {
      job.status = 'queued';
      job.attempts--;
      return 'released';
    }
    job.error = item.error;
    const retry = item.error?.retryable !== false && job.attempts < job.max_attempts;
    job.status = retry ? 'queued' : 'dead';
    return retry ? 'retrying' : 'dead';
  }

  #admission(nodeId: string, topic: string, workerId: string): ClaimRefusal | null {
    const def = this.#topics.get(topic);
    if (def === undefined) return { status: 404, slug: 'unknown-topic' };
    const w = this.#workers.workers.get(workerId);
    if (w === undefined || w.node_id !== nodeId) return { status: 404, slug: 'unknown-worker' };
    if (!w.enabled) return { status: 409, slug: 'worker-disabled' };
    if (!w.topics.some((t) => t.topic === topic)) return { status: 409, slug: 'topic-not-assigned' };
    const score = w.reports.at(-1)?.benchmark[topic];
    if (def.min_benchmark_score > 0 && (score === undefined || score < def.min_benchmark_score)) {
      return { status: 403, slug: 'benchmark-too-low' };
    }
    return null;
  }

  #lease(job: FakeJob, workerId: string): ClaimedJob {
    job.status = 'running';
    job.attempts++;
    job.lease_token = randomUUID();
    job.lease_expires_at_ms = Date.now() + this.#leaseMs;
    job.worker_id = workerId;
    return {
      job_id: job.job_id,
      lease_token: job.lease_token,
      attempt: job.attempts,
      max_attempts: job.max_attempts,
      lease_expires_at_ms: job.lease_expires_at_ms,
      timeout_ms: this.#topics.get(job.topic)!.timeout_ms,
      deadline_at_ms: null,
      tenant_id: 'default',
      payload: job.payload,
    };
  }

  #expireLeases(): void {
    for (const job of this.jobs.values()) {
      if (job.status === 'running' && job.lease_expires_at_ms <= Date.now()) {
        job.status = job.attempts >= job.max_attempts ? 'dead' : 'queued';
        job.lease_token = null;
      }
    }
  }

  /** Waits until a job is submitted or a result arrives, for at most 100 ms and never past `deadline`. */
  #nextChange(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wakeClaims.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(100, Math.max(0, deadline - Date.now())));
      this.#wakeClaims.add(wake);
    });
  }

  #wakeWaitingClaims(): void {
    for (const wake of this.#wakeClaims) wake();
  }
}
