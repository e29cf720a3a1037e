import { createHash } from 'node:crypto';

const TWO_TO_32 = 2 ** 32;

/**
 * Whether a successful job is sampled for verification: the first four bytes of
 * sha256(job_id), read as a fraction of 2^32, fall below the topic's sample rate. Derived from
 * the job id alone, so a resent result, another coordinator or an auditor recomputing it
 * always draws the same sample, and a node cannot tell in advance which jobs will be checked
 * without knowing their ids.
 */
export function sampledForVerification(jobId: string, sampleRate: number): boolean {
  if (sampleRate <= 0) return false;
  if (sampleRate >= 1) return true;
  return samplePoint(jobId) < sampleRate;
}

/** The job's point in [0, 1) that the sample rate is compared against. */
export function samplePoint(jobId: string): number {
  return createHash('sha256').update(jobId).digest().readUInt32BE(0) / TWO_TO_32;
}
