import type { Verdict } from '../../../src/core/work/protocol.ts';
import type { FakeJobs } from './fake-jobs.ts';

export interface FakeSample {
  job_id: string;
  node_id: string;
  claimedBy: string | null;
  verdict: Verdict | null;
}

/** The fake coordinator's verification: samples of other nodes' jobs, claimed once, first verdict wins. */
export class FakeVerification {
  readonly samples = new Map<string, FakeSample>();
  readonly #jobs: FakeJobs;

  constructor(jobs: FakeJobs) {
    this.#jobs = jobs;
  }

  /** A sample of another node's finished job, for verifiers. */
  sample(jobId: string, nodeId: string): void {
    this.samples.set(jobId, { job_id: jobId, node_id: nodeId, claimedBy: null, verdict: null });
  }

  /** `POST /topics/{topic}/verifications/claim`: unclaimed samples of the topic, not of the node's own jobs. */
  claim(nodeId: string, topic: string, workerId: string) {
    const out = [...this.samples.values()]
      .filter(
        (s) => s.claimedBy === null && s.node_id !== nodeId && this.#jobs.jobs.get(s.job_id)?.topic === topic,
      )
      .map((s) => {
        s.claimedBy = workerId;
        const job = this.#jobs.jobs.get(s.job_id)!;
        return {
          job_id: s.job_id,
          node_id: s.node_id,
          payload: job.payload,
          result: job.result,
          finished_at_ms: Date.now(),
        };
      });
    return { samples: out };
  }

  /** `POST /verdicts`: each verdict recorded from its sample's claim holder, once. */
  verdicts(items: Verdict[]) {
    return {
      verdicts: items.map((v) => {
        const s = this.samples.get(v.job_id);
        if (s === undefined) return { job_id: v.job_id, disposition: 'unknown-job' };
        if (s.verdict !== null) return { job_id: v.job_id, disposition: 'duplicate' };
        if (s.claimedBy !== v.worker_id) return { job_id: v.job_id, disposition: 'not-claimed' };
        s.verdict = v;
        return { job_id: v.job_id, disposition: 'recorded' };
      }),
    };
  }
}
