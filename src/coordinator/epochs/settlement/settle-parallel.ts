import type { PublicKeyInput } from '../../../core/crypto/ed25519.ts';
import { type SettlementTerms, settleExaminedReports } from '../../../core/settlement/settle.ts';
import type { Settlement } from '../../../core/settlement/types.ts';
import { createReportExaminerPool, type ReportExaminerPool } from './examiner-pool.ts';

export interface ParallelSettleInput extends SettlementTerms {
  /** Accepted reports as stored: the JSON text of each signed report, in any order. */
  reportTexts: readonly string[];
  /** Registered public keys by node id. */
  monitorKeys: ReadonlyMap<string, PublicKeyInput>;
}

export interface ParallelSettleOptions {
  /** Threads examining reports; the machine's available parallelism by default. */
  workers?: number;
  /** A pool to use (and leave open) instead of starting one for this call. */
  pool?: ReportExaminerPool;
}

/**
 * `settleEpoch` with the per-report work spread over worker threads: the same document,
 * byte for byte, as `settleEpoch` over `reportTexts.map(JSON.parse)` (a text that is not
 * JSON is rejected as malformed, with neither monitor nor digest). Each thread parses,
 * validates, encodes, digests and verifies its share of the reports; the rest of
 * settlement runs here, in core's pure `settleExaminedReports` (decision 0016).
 */
export async function settleEpochParallel(
  { reportTexts, monitorKeys, ...terms }: ParallelSettleInput,
  { workers, pool }: ParallelSettleOptions = {},
): Promise<Settlement> {
  const examiners = pool ?? createReportExaminerPool({ workers });
  try {
    const examined = await examiners.examine(reportTexts, monitorKeys);
    return settleExaminedReports({ ...terms, examined });
  } finally {
    if (pool === undefined) await examiners.close();
  }
}
