import { floorTo } from '../../src/core/time.ts';
import { encodeSamples } from '../../src/store/repositories/response-samples.ts';
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
 * maintains beside it accumulated in typed arrays: per-node counters in fine buckets (the
 * coarse grain is summed from them on output) and each node's last `sampleSize`
 * [finished_at, duration_ms] pairs. Outcomes of `watched` nodes are also
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
    const fine = spec.grain.fineMs;
    this.firstBucket = floorTo(start, fine) / fine;
    this.buckets = Math.floor(spec.now / fine) - this.firstBucket + 1;
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
    const cell = n * this.buckets + (Math.floor(finished / this.spec.grain.fineMs) - this.firstBucket);
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

  /** How many buckets of `bucketMs` the stream spans (index 0 holds its start). */
  bucketCount(bucketMs: number): number {
    const start = this.firstBucket * this.spec.grain.fineMs;
    return Math.floor(this.spec.now / bucketMs) - Math.floor(start / bucketMs) + 1;
  }

  /**
   * The outcome_rollups row of node n in the k-th bucket of `bucketMs` (either grain; a coarse
   * bucket sums the fine ones inside it, as each outcome counts once in each), or null when
   * it had no outcomes.
   */
  rollupAt(n: number, bucketMs: number, k: number): RollupRow | null {
    const fine = this.spec.grain.fineMs;
    const bucket_start = (Math.floor((this.firstBucket * fine) / bucketMs) + k) * bucketMs;
    const from = Math.max(0, bucket_start / fine - this.firstBucket);
    const to = Math.min(this.buckets, (bucket_start + bucketMs) / fine - this.firstBucket);
    let successes = 0;
    let failures = 0;
    let duration_sum_ms = 0;
    for (let b = from; b < to; b++) {
      successes += this.successes[n * this.buckets + b] ?? 0;
      failures += this.failures[n * this.buckets + b] ?? 0;
      duration_sum_ms += this.durationSums[n * this.buckets + b] ?? 0;
    }
    if (successes + failures === 0) return null;
    return { bucket_ms: bucketMs, bucket_start, successes, failures, duration_sum_ms };
  }

  /** Every rollup row of node n, fine grain first, each by bucket start. */
  rollupsOf(n: number): RollupRow[] {
    const rows: RollupRow[] = [];
    for (const bucketMs of [this.spec.grain.fineMs, this.spec.grain.coarseMs]) {
      for (let k = 0; k < this.bucketCount(bucketMs); k++) {
        const row = this.rollupAt(n, bucketMs, k);
        if (row !== null) rows.push(row);
      }
    }
    return rows;
  }

  /** The node_response_samples document of one node, oldest first, as recordOutcomes leaves it. */
  samplesOf(n: number): string {
    const size = this.spec.sampleSize;
    const count = this.counts[n] ?? 0;
    const kept = Math.min(count, size);
    const pairs: Array<[number, number]> = [];
    for (let i = count - kept; i < count; i++) {
      const slot = (n * size + (i % size)) * 2;
      pairs.push([this.ring[slot] ?? 0, this.ring[slot + 1] ?? 0]);
    }
    return encodeSamples(pairs);
  }
}

export interface RollupRow {
  bucket_ms: number;
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
