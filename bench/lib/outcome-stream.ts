import { floorTo } from '../../src/core/time.ts';
import { aliveAt, type FleetSpec, type NodeProfile, prng } from './fleet.ts';

/** One chunk of job_outcomes rows, column by column (what UNNEST wants; SQLite flattens it). */
export type OutcomeColumns = {
  job_id: string[];
  node_id: string[];
  topic: string[];
  tenant_id: Array<string | null>;
  status: Array<'success' | 'failure'>;
  started_at: number[];
  finished_at: number[];
  duration_ms: number[];
  received_at: number[];
};

export const OUTCOME_COLUMNS = [
  'job_id',
  'node_id',
  'topic',
  'tenant_id',
  'status',
  'started_at',
  'finished_at',
  'duration_ms',
  'received_at',
] as const satisfies ReadonlyArray<keyof OutcomeColumns>;

/**
 * The 7-day outcome stream, in finish-time order (as it arrives), with what recordOutcomes
 * maintains beside it accumulated in typed arrays: per-node hourly rollups and each node's
 * last `sampleSize` [finished_at, duration_ms] pairs. Outcomes of `watched` nodes are also
 * kept as objects, to be replayed through the real recordOutcomes for a cross-check.
 */
export class OutcomeStream {
  readonly firstBucket: number;
  readonly buckets: number;
  readonly successes: Uint32Array;
  readonly failures: Uint32Array;
  readonly durationSums: Float64Array;
  readonly ring: Float64Array;
  readonly counts: Uint32Array;
  readonly lastReceived: Float64Array;
  readonly watchedOutcomes: Array<OutcomeObject> = [];
  private readonly spec: FleetSpec;
  private readonly profiles: readonly NodeProfile[];
  private readonly watched: ReadonlySet<number>;

  constructor(spec: FleetSpec, profiles: readonly NodeProfile[], watched: ReadonlySet<number>) {
    this.spec = spec;
    this.profiles = profiles;
    this.watched = watched;
    const start = spec.now - spec.completionWindowMs;
    this.firstBucket = floorTo(start, spec.bucketMs) / spec.bucketMs;
    this.buckets = Math.floor(spec.now / spec.bucketMs) - this.firstBucket + 1;
    const cells = spec.nodes * this.buckets;
    this.successes = new Uint32Array(cells);
    this.failures = new Uint32Array(cells);
    this.durationSums = new Float64Array(cells);
    this.ring = new Float64Array(spec.nodes * spec.sampleSize * 2);
    this.counts = new Uint32Array(spec.nodes);
    this.lastReceived = new Float64Array(spec.nodes);
  }

  /** Yields the stream in chunks of `size` rows. Ids are UUIDv7-shaped and time-ordered. */
  *chunks(size: number): Generator<OutcomeColumns> {
    const { spec, profiles } = this;
    const rnd = prng(0x5eed);
    const start = spec.now - spec.completionWindowMs;
    const step = spec.completionWindowMs / Math.max(1, spec.outcomes);
    for (let k0 = 0; k0 < spec.outcomes; k0 += size) {
      const cols: OutcomeColumns = {
        job_id: [],
        node_id: [],
        topic: [],
        tenant_id: [],
        status: [],
        started_at: [],
        finished_at: [],
        duration_ms: [],
        received_at: [],
      };
      for (let k = k0; k < Math.min(spec.outcomes, k0 + size); k++) {
        const finished = start + Math.floor(k * step);
        let n = Math.floor(rnd() * spec.nodes);
        for (let tries = 0; tries < spec.nodes && !aliveAt(profiles[n] as NodeProfile, finished); tries++) {
          n = (n + 1) % spec.nodes;
        }
        const p = profiles[n] as NodeProfile;
        // Log-normal durations: median 220 ms (900 ms on slow nodes), sigma 0.55.
        const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
        const duration = Math.max(1, Math.round((p.slow ? 900 : 220) * Math.exp(0.55 * z)));
        const failed = rnd() < (p.flaky ? 0.14 : 0.015);
        const tenant = rnd() < 0.05 ? null : `tenant-${String(Math.floor(rnd() * 30)).padStart(2, '0')}`;
        const received = Math.min(spec.now, finished + 500 + Math.floor(rnd() * 4_500));
        const hex = finished.toString(16).padStart(12, '0');
        const jobId = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${k.toString(16).padStart(12, '0')}`;
        cols.job_id.push(jobId);
        cols.node_id.push(p.node_id);
        cols.topic.push(p.topic);
        cols.tenant_id.push(tenant);
        cols.status.push(failed ? 'failure' : 'success');
        cols.started_at.push(finished - duration);
        cols.finished_at.push(finished);
        cols.duration_ms.push(duration);
        cols.received_at.push(received);
        this.account(n, finished, duration, failed, received);
        if (this.watched.has(n)) {
          this.watchedOutcomes.push({
            job_id: jobId,
            node_id: p.node_id,
            topic: p.topic,
            tenant_id: tenant,
            status: failed ? 'failure' : 'success',
            started_at: finished - duration,
            finished_at: finished,
            received_at: received,
          });
        }
      }
      yield cols;
    }
  }

  private account(n: number, finished: number, duration: number, failed: boolean, received: number): void {
    const cell = n * this.buckets + (Math.floor(finished / this.spec.bucketMs) - this.firstBucket);
    if (failed) this.failures[cell] = (this.failures[cell] ?? 0) + 1;
    else this.successes[cell] = (this.successes[cell] ?? 0) + 1;
    this.durationSums[cell] = (this.durationSums[cell] ?? 0) + duration;
    // Finish times arrive in order, so the last sampleSize seen are the latest by finish time.
    const size = this.spec.sampleSize;
    const count = this.counts[n] ?? 0;
    const slot = (n * size + (count % size)) * 2;
    this.ring[slot] = finished;
    this.ring[slot + 1] = duration;
    this.counts[n] = count + 1;
    this.lastReceived[n] = received;
  }

  /** The outcome_rollups row of node n in bucket b (0 = oldest), or null when it had no outcomes. */
  rollupAt(n: number, b: number): RollupRow | null {
    const cell = n * this.buckets + b;
    const successes = this.successes[cell] ?? 0;
    const failures = this.failures[cell] ?? 0;
    if (successes + failures === 0) return null;
    const bucket_start = (this.firstBucket + b) * this.spec.bucketMs;
    return { bucket_start, successes, failures, duration_sum_ms: this.durationSums[cell] ?? 0 };
  }

  rollupsOf(n: number): RollupRow[] {
    const rows: RollupRow[] = [];
    for (let b = 0; b < this.buckets; b++) {
      const row = this.rollupAt(n, b);
      if (row !== null) rows.push(row);
    }
    return rows;
  }

  /** The node_response_samples JSON of one node, oldest first, as mergeRecentSamples leaves it. */
  samplesOf(n: number): string {
    const size = this.spec.sampleSize;
    const count = this.counts[n] ?? 0;
    const kept = Math.min(count, size);
    const pairs: Array<[number, number]> = [];
    for (let i = count - kept; i < count; i++) {
      const slot = (n * size + (i % size)) * 2;
      pairs.push([this.ring[slot] ?? 0, this.ring[slot + 1] ?? 0]);
    }
    return JSON.stringify(pairs);
  }
}

export interface RollupRow {
  bucket_start: number;
  successes: number;
  failures: number;
  duration_sum_ms: number;
}

export interface OutcomeObject {
  job_id: string;
  node_id: string;
  topic: string;
  tenant_id: string | null;
  status: 'success' | 'failure';
  started_at: number;
  finished_at: number;
  received_at: number;
}
