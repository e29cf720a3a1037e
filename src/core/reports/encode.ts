import type { LatencySketch, Report, TargetSummary } from './types.ts';

function sketchJson(s: LatencySketch): string {
  return (
    `{"counts":${JSON.stringify(s.counts)},"key_offset":${JSON.stringify(s.key_offset)},` +
    `"relative_accuracy":${JSON.stringify(s.relative_accuracy)},"zero_count":${JSON.stringify(s.zero_count)}}`
  );
}

/** Version 2's `latency_p10_ms` sorts between `downtime_intervals` and `latency_sketch`. */
function targetJson(t: TargetSummary, version: 1 | 2): string {
  const low = version === 1 ? '' : `"latency_p10_ms":${JSON.stringify(t.latency_p10_ms)},`;
  return (
    `{"downtime_intervals":${JSON.stringify(t.downtime_intervals)},${low}"latency_sketch":${sketchJson(t.latency_sketch)},` +
    `"mean_latency_ms":${JSON.stringify(t.mean_latency_ms)},"samples":${JSON.stringify(t.samples)},` +
    `"target":${JSON.stringify(t.target)},"up_samples":${JSON.stringify(t.up_samples)}}`
  );
}

/**
 * The RFC 8785 text of a report that passed `reportIssues`, written from its known shape:
 * members in sorted order by hand, finite numbers and ASCII node ids by JSON.stringify, as
 * RFC 8785 writes them. Byte for byte what `canonicalJson` gives for such a report (a test
 * holds the two together), at a fraction of the cost; settlement encodes every report of
 * the epoch, so this is where its time goes. Only for validated reports: anything else may
 * carry members this writer does not know about.
 */
export function validReportJson(report: Report): string {
  let targets = '';
  for (let i = 0; i < report.targets.length; i++) {
    if (i > 0) targets += ',';
    targets += targetJson(report.targets[i] as TargetSummary, report.version);
  }
  return (
    `{"created_at_ms":${JSON.stringify(report.created_at_ms)},"epoch":${JSON.stringify(report.epoch)},` +
    `"monitor":${JSON.stringify(report.monitor)},"probe_interval_s":${JSON.stringify(report.probe_interval_s)},` +
    `"targets":[${targets}],"version":${report.version}}`
  );
}
