export {
  createReportExaminerPool,
  type ReportExaminerPool,
  type ReportExaminerPoolOptions,
} from './examiner-pool.ts';
export {
  type ParallelSettleInput,
  type ParallelSettleOptions,
  settleEpochParallel,
} from './settle-parallel.ts';
