import { describe, expect, it } from 'vitest';
import {
  parseReport,
  parseSignedReport,
  ReportValidationError,
  reportIssues,
  signedReportIssues,
} from '../../../src/core/reports/validate.ts';
import { fixedReport } from './fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: each case reaches into the report by its own path
type Mutable = Record<string, any>;

function mutated(change: (r: Mutable) => void): unknown {
  const report = structuredClone(fixedReport()) as Mutable;
  change(report);
  return report;
}

describe('report validation', () => {
  it('accepts a well-formed report as it is', () => {
    const report = fixedReport();
    expect(reportIssues(report)).toEqual([]);
    expect(parseReport(report)).toBe(report);
  });

  it('names each problem with its path', () => {
    const cases: Array<[(r: Mutable) => void, string]> = [
      [(r) => (r.version = 3), '$.version: must be 1 or 2, got 3'],
      [(r) => (r.version = 2), '$.targets[0].latency_p10_ms: missing'],
      [(r) => (r.targets[0].latency_p10_ms = 1), '$.targets[0]: unknown member "latency_p10_ms"'],
      [(r) => (r.epoch = -1), '$.epoch: must be an integer ≥ 0, got -1'],
      [(r) => (r.monitor = 'has space'), '$.monitor: must be a node id'],
      [(r) => delete r.created_at_ms, '$.created_at_ms: missing'],
      [(r) => (r.extra = 1), '$: unknown member "extra"'],
      [(r) => (r.probe_interval_s = 0), '$.probe_interval_s: must be a number of seconds > 0, got 0'],
      [(r) => (r.targets = {}), '$.targets: must be an array, got an object'],
      [(r) => (r.targets[0].target = 'node-a'), '$.targets[0].target: a monitor never audits itself'],
      [(r) => (r.targets[1].target = 'node-a0'), '$.targets[1].target: targets must be sorted and distinct'],
      [(r) => (r.targets[1].target = 'node-b'), '$.targets[1].target: targets must be sorted and distinct'],
      [(r) => (r.targets[0].up_samples = 4), '$.targets[0].up_samples: must be ≤ samples (3), got 4'],
      [
        (r) => (r.targets[1].downtime_intervals = 1),
        '$.targets[1].downtime_intervals: must be samples − up_samples (2), got 1',
      ],
      [(r) => (r.targets[0].samples = 1.5), '$.targets[0].samples: must be an integer ≥ 0, got 1.5'],
      [
        (r) => (r.targets[0].mean_latency_ms = -1),
        '$.targets[0].mean_latency_ms: must be null or a number of ms from 0 to 10^9, got -1',
      ],
      [(r) => (r.targets[0].mean_latency_ms = null), 'must be null exactly when the latency sketch is empty'],
      [(r) => (r.targets[1].latency_sketch.counts = [3]), 'holds 3 latencies, more than the 2 up samples'],
      [
        (r) => (r.targets[0].latency_sketch.counts = [0, 1, 2]),
        'counts: must start and end with a non-empty bin',
      ],
      [
        (r) => (r.targets[0].latency_sketch.counts = [1, 2, 0]),
        'counts: must start and end with a non-empty bin',
      ],
      [(r) => (r.targets[0].latency_sketch.counts = [1, -1, 2]), 'counts[1]: must be an integer ≥ 0, got -1'],
      [(r) => (r.targets[0].latency_sketch.counts = 3), 'counts: must be an array of counts, got 3'],
      [(r) => (r.targets[0].latency_sketch.key_offset = 1.5), 'key_offset: must be an integer, got 1.5'],
      [(r) => (r.targets[0].latency_sketch.key_offset = 1e9), 'keys 1000000000…1000000003 fall outside'],
      [
        (r) => {
          r.targets[0].latency_sketch.counts = [];
          r.targets[0].latency_sketch.key_offset = 5;
          r.targets[0].mean_latency_ms = null;
        },
        'key_offset: must be 0 when there are no counts',
      ],
      [
        (r) => (r.targets[0].latency_sketch.relative_accuracy = 1),
        'relative_accuracy: must be a number between 0 and 1',
      ],
      [(r) => (r.targets[0].latency_sketch.extra = 1), 'latency_sketch: unknown member "extra"'],
    ];
    for (const [change, issue] of cases) {
      const issues = reportIssues(mutated(change));
      expect(
        issues.some((i) => i.includes(issue)),
        `${issue} in ${JSON.stringify(issues)}`,
      ).toBe(true);
    }
  });

  it('refuses a mean latency that is not in whole microseconds, judged on its shortest decimal form', () => {
    const withMean = (mean: number) =>
      reportIssues(mutated((r) => (r.targets[0].mean_latency_ms = mean))).filter((i) =>
        i.includes('mean_latency_ms'),
      );
    for (const mean of [50.0234, 150.0005, 0.0001, 1e-7, 999_999_999.9999]) {
      expect(withMean(mean)).toEqual([
        `$.targets[0].mean_latency_ms: must be whole microseconds (at most 3 decimal places), got ${mean}`,
      ]);
    }
    for (const mean of [0, 0.001, 52.5, 150, 150.001, 1.667, 999_999_999.999, 1e9]) {
      expect(withMean(mean), String(mean)).toEqual([]);
    }
    // The check reads the number a JSON parser gives, as the signature does: trailing zeros
    // and digits beyond a double's precision are not part of it.
    expect(withMean(JSON.parse('52.50000'))).toEqual([]);
    expect(withMean(JSON.parse('150.00000000000000001'))).toEqual([]);
  });

  it('holds a version 2 entry’s 10th percentile to the mean’s rules, null exactly when the mean is', () => {
    const v2 = (change: (r: Mutable) => void) =>
      reportIssues(
        mutated((r) => {
          r.version = 2;
          r.targets[0].latency_p10_ms = 10.5;
          r.targets[1].latency_p10_ms = 80;
          change(r);
        }),
      );
    expect(v2(() => {})).toEqual([]);
    expect(v2((r) => (r.targets[0].latency_p10_ms = 10.0005))).toEqual([
      '$.targets[0].latency_p10_ms: must be whole microseconds (at most 3 decimal places), got 10.0005',
    ]);
    expect(v2((r) => (r.targets[0].latency_p10_ms = 2e9))).toEqual([
      '$.targets[0].latency_p10_ms: must be null or a number of ms from 0 to 10^9, got 2000000000',
    ]);
    expect(v2((r) => (r.targets[1].latency_p10_ms = null))).toEqual([
      '$.targets[1].latency_p10_ms: must be null exactly when mean_latency_ms is',
    ]);
  });

  it('refuses what is not a report at all', () => {
    expect(reportIssues(null)).toEqual(['$: must be an object, got null']);
    expect(reportIssues([])).toEqual(['$: must be an object, got an array']);
    expect(reportIssues('x')).toEqual(['$: must be an object, got "x"']);
  });

  it('throws one error listing every issue', () => {
    const bad = mutated((r) => {
      r.epoch = 'seven';
      r.version = 0;
    });
    try {
      parseReport(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ReportValidationError);
      expect((error as ReportValidationError).issues).toHaveLength(2);
      expect((error as Error).message).toMatch(/^malformed report: \$\.version.*; \$\.epoch/);
    }
  });

  it('checks the signature shape of a signed report and prefixes report paths', () => {
    const signature = Buffer.alloc(64, 1).toString('base64url');
    expect(signedReportIssues({ report: fixedReport(), signature })).toEqual([]);
    expect(parseSignedReport({ report: fixedReport(), signature }).signature).toBe(signature);
    expect(signedReportIssues({ report: fixedReport(), signature: 'abc' })).toEqual([
      '$.signature: must be an ed25519 signature as base64url without padding (86 characters)',
    ]);
    expect(signedReportIssues({ report: { ...fixedReport(), epoch: -1 }, signature })).toEqual([
      '$.report.epoch: must be an integer ≥ 0, got -1',
    ]);
    expect(signedReportIssues({ report: fixedReport(), signature, extra: 1 })).toEqual([
      '$: unknown member "extra"',
    ]);
  });
});
