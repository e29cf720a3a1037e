import { loadavg } from 'node:os';
import {
  createReportExaminerPool,
  type ReportExaminerPool,
} from '../../src/coordinator/epochs/settlement/index.ts';
import { settlementHash } from '../../src/core/settlement/document.ts';
import { type ExaminedReport, examineReport, monitorKeyLookup } from '../../src/core/settlement/examine.ts';
import { type SettlementTerms, settleExaminedReports } from '../../src/core/settlement/settle.ts';
import { peakRss } from './common.ts';
import { BENCH_REWARD_POOL, type SettleNetwork } from './settle-network.ts';

export type SettleMode = 'parallel' | 'sequential';

/** One settlement, timed in parts. */
export interface SettleRun {
  /** cold: first in a fresh process; warm: later in the same process. */
  label: string;
  /** Starting the worker threads until each has loaded its code (parallel only). */
  poolStartMs: number;
  /** JSON.parse of the stored texts (in the workers when parallel, so inside verifyMs there). */
  parseMs: number;
  /** Per-report work: parse (parallel), validate, canonical encoding, digest, signature check. */
  verifyMs: number;
  /** Everything after: assignment check, choosing reports, medians, scores, rewards, Merkle root. */
  settleMs: number;
  totalMs: number;
  /** CPU of the whole process (every thread) during the run. */
  cpuMs: number;
  load1: number;
  hash: string;
  accepted: number;
  rejected: number;
}

export interface SettleMeasured {
  mode: SettleMode;
  workers: number;
  runs: SettleRun[];
  peakRssBytes: number;
}

function termsOf(network: SettleNetwork): SettlementTerms {
  return {
    epoch: network.epoch,
    previousSettlementHash: network.previousSettlementHash,
    assignments: new Map(network.assignments),
    rewardPool: BENCH_REWARD_POOL,
  };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * What `settleEpochParallel` does, timed in its two halves: worker threads examine the
 * stored texts, then core settles the results on this thread. `pool` reuses warm threads;
 * without it the threads are started (and stopped) inside the measurement, as the
 * coordinator would once an epoch.
 */
async function parallelRun(
  network: SettleNetwork,
  workers: number,
  label: string,
  pool: ReportExaminerPool | undefined,
): Promise<SettleRun> {
  const load1 = loadavg()[0] as number;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const examiners = pool ?? createReportExaminerPool({ workers });
  await examiners.ready();
  const t1 = performance.now();
  const examined = await examiners.examine(network.reportTexts, new Map(network.monitorKeys));
  const t2 = performance.now();
  const settlement = settleExaminedReports({ ...termsOf(network), examined });
  const t3 = performance.now();
  if (pool === undefined) await examiners.close();
  return {
    label,
    poolStartMs: t1 - t0,
    parseMs: 0,
    verifyMs: t2 - t1,
    settleMs: t3 - t2,
    totalMs: t3 - t0,
    cpuMs: cpuMsSince(cpu),
    load1,
    hash: settlementHash(settlement),
    accepted: settlement.reports_accepted,
    rejected: settlement.reports_rejected.length,
  };
}

/** `settleEpoch` on one thread, over the parsed texts, timed in the same parts. */
function sequentialRun(network: SettleNetwork, label: string): SettleRun {
  const load1 = loadavg()[0] as number;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const reports = network.reportTexts.map((text) => JSON.parse(text) as unknown);
  const t1 = performance.now();
  const keyOf = monitorKeyLookup(new Map(network.monitorKeys));
  const examined: ExaminedReport[] = reports.map((raw) => examineReport(raw, keyOf));
  const t2 = performance.now();
  const settlement = settleExaminedReports({ ...termsOf(network), examined });
  const t3 = performance.now();
  return {
    label,
    poolStartMs: 0,
    parseMs: t1 - t0,
    verifyMs: t2 - t0,
    settleMs: t3 - t2,
    totalMs: t3 - t0,
    cpuMs: cpuMsSince(cpu),
    load1,
    hash: settlementHash(settlement),
    accepted: settlement.reports_accepted,
    rejected: settlement.reports_rejected.length,
  };
}

/**
 * Runs in a fresh process: one cold settlement, then `repeat` warm ones. In parallel mode the
 * warm runs start new threads each time (what `settleEpochParallel` does by default), then
 * `repeat` more reuse one pool whose threads have already settled once.
 */
export async function measureSettlement(
  network: SettleNetwork,
  mode: SettleMode,
  workers: number,
  repeat: number,
): Promise<SettleMeasured> {
  const runs: SettleRun[] = [];
  if (mode === 'sequential') {
    runs.push(sequentialRun(network, 'cold'));
    for (let i = 0; i < repeat; i++) runs.push(sequentialRun(network, 'warm'));
  } else {
    runs.push(await parallelRun(network, workers, 'cold', undefined));
    for (let i = 0; i < repeat; i++) runs.push(await parallelRun(network, workers, 'warm', undefined));
    const pool = createReportExaminerPool({ workers });
    try {
      await parallelRun(network, workers, 'warm-up', pool);
      for (let i = 0; i < repeat; i++) runs.push(await parallelRun(network, workers, 'warm pool', pool));
    } finally {
      await pool.close();
    }
  }
  return { mode, workers, runs, peakRssBytes: peakRss() };
}
