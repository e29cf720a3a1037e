export {
  diffSettlements,
  GENESIS_SETTLEMENT_HASH,
  type SettlementDifference,
  settlementDifferences,
  settlementHash,
  signSettlement,
  verifySettlement,
} from './document.ts';
export {
  type ExaminedReport,
  examineReport,
  examineReportText,
  type MonitorKeyLookup,
  monitorKeyLookup,
  type SignatureCheck,
  type TargetFacts,
} from './examine.ts';
export { type Fraction, formatFraction, parseFraction } from './fraction.ts';
export { medianOf } from './median.ts';
export { EMPTY_MERKLE_ROOT, merkleRoot } from './merkle.ts';
export { type SettledRow, settledRowOf } from './node-row.ts';
export { rewardOf, SCORE_SCALE, type ScoreInput, scorePpm } from './reward.ts';
export {
  DEFAULT_DOWNTIME_ALLOWANCE_FRACTION,
  DEFAULT_LATENCY_ALLOWANCE_MS,
  DEFAULT_QUORUM_FRACTION,
  type SettleEpochInput,
  type SettleExaminedInput,
  type SettlementTerms,
  settleEpoch,
  settleExaminedReports,
} from './settle.ts';
export type {
  NodeSettlement,
  NoRewardReason,
  RejectedReport,
  RejectionReason,
  Settlement,
  SettlementParameters,
  SignedSettlement,
} from './types.ts';
