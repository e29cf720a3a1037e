import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import { validReportJson } from '../../../src/core/reports/encode.ts';
import { buildReport } from '../../../src/core/reports/summarize.ts';
import type { ProbeSample } from '../../../src/core/reports/types.ts';
import { fixedReport } from './fixtures.ts';

const sample = fc.record({
  at_ms: fc.nat({ max: 1_000_000 }),
  up: fc.boolean(),
  latency_ms: fc.option(
    fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, 1e-9, 1e-6, 1e9, 5e-324)),
    { nil: null },
  ),
});

const validReport = fc
  .record({
    epoch: fc.nat(),
    created_at_ms: fc.nat(),
    probe_interval_s: fc.oneof(
      fc.constantFrom(300, 0.5, 1e21),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
    ),
    accuracy: fc.constantFrom(0.01, 0.02, 0.001),
    targets: fc.uniqueArray(
      fc.tuple(
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,12}$/),
        fc.uniqueArray(sample, { selector: (s) => s.at_ms, maxLength: 30 }),
      ),
      { selector: ([target]) => target, maxLength: 6 },
    ),
  })
  .map(({ epoch, created_at_ms, probe_interval_s, accuracy, targets }) =>
    buildReport({
      epoch,
      monitor: 'monitor.1',
      created_at_ms,
      probe_interval_s,
      relativeAccuracy: accuracy,
      samples: new Map<string, ProbeSample[]>(targets.filter(([t]) => t !== 'monitor.1')),
    }),
  );

describe('validReportJson', () => {
  it('writes exactly the canonical JSON of any valid report', () => {
    expect(validReportJson(fixedReport())).toBe(canonicalJson(fixedReport()));
    fc.assert(
      fc.property(validReport, (report) => {
        expect(validReportJson(report)).toBe(canonicalJson(report));
      }),
      { numRuns: 300 },
    );
  });
});
