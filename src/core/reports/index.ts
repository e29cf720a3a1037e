export { LATENCY_QUANTILE_PERCENT, lowQuantileLatency } from './low-latency.ts';
export { encodeReport, reportDigest, signReport, verifySignedReport } from './sign.ts';
export {
  DEFAULT_RELATIVE_ACCURACY,
  emptySketch,
  MAX_LATENCY_MS,
  MIN_LATENCY_MS,
  mergeSketches,
  sketchCount,
  sketchKeyRange,
  sketchOf,
  sketchPercentile,
} from './sketch.ts';
export {
  type BuildReportInput,
  buildReport,
  compareCodeUnits,
  REPORT_VERSION,
  summarizeTarget,
} from './summarize.ts';
export type { LatencySketch, ProbeSample, Report, SignedReport, TargetSummary } from './types.ts';
export {
  isWholeMicros,
  NODE_ID_PATTERN,
  parseReport,
  parseSignedReport,
  ReportValidationError,
  reportIssues,
  signedReportIssues,
} from './validate.ts';
