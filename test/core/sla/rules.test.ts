import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  DEFAULT_BANDS,
  DIRECTIONS,
  isWorse,
  METRIC_TYPES,
  type MetricRule,
  severityRank,
} from '../../../src/core/sla/rules.ts';
import type { MetricType } from '../../../src/store/schema.ts';

/** The seed guide's default thresholds. */
const GUIDE_THRESHOLDS: Record<MetricType, number> = {
  uptime_pct: 95,
  response_time_ms: 1000,
  completion_rate_pct: 90,
  capacity_availability_pct: 80,
};

const ruleFor = (metric: MetricType, threshold = GUIDE_THRESHOLDS[metric]): MetricRule => ({
  direction: DIRECTIONS[metric],
  threshold,
  bands: DEFAULT_BANDS[metric],
});

const metric = fc.constantFrom(...METRIC_TYPES);
const threshold = fc.double({ min: 0.001, max: 1e6, noNaN: true });
const reading = fc.double({ min: -1e7, max: 1e7, noNaN: true });

describe('classify', () => {
  it('follows the seed guide’s examples', () => {
    expect(classify(85, ruleFor('uptime_pct'))).toBe('critical');
    expect(classify(90, ruleFor('uptime_pct'))).toBe('high');
    expect(classify(96, ruleFor('uptime_pct'))).toBeNull();
    expect(classify(2500, ruleFor('response_time_ms'))).toBe('critical');
    expect(classify(1500, ruleFor('response_time_ms'))).toBe('high');
    expect(classify(900, ruleFor('response_time_ms'))).toBeNull();
    expect(classify(89, ruleFor('completion_rate_pct'))).toBe('critical');
    expect(classify(91, ruleFor('completion_rate_pct'))).toBeNull();
    expect(classify(79, ruleFor('capacity_availability_pct'))).toBe('high');
    expect(classify(80, ruleFor('capacity_availability_pct'))).toBeNull();
  });

  it('has no severity without data', () => {
    fc.assert(
      fc.property(metric, threshold, (m, t) => {
        expect(classify(null, ruleFor(m, t))).toBeNull();
      }),
    );
  });

  it('never ranks a worse reading below a better one', () => {
    fc.assert(
      fc.property(metric, threshold, reading, reading, (m, t, a, b) => {
        const rule = ruleFor(m, t);
        fc.pre(isWorse(rule.direction, a, b));
        expect(severityRank(classify(a, rule))).toBeGreaterThanOrEqual(severityRank(classify(b, rule)));
      }),
    );
  });

  it('is null exactly when the reading is within its threshold', () => {
    fc.assert(
      fc.property(metric, threshold, reading, (m, t, value) => {
        const rule = ruleFor(m, t);
        const breaches = isWorse(rule.direction, value, t);
        expect(classify(value, rule) !== null).toBe(breaches);
      }),
    );
  });

  it('treats the threshold itself as within it', () => {
    fc.assert(
      fc.property(metric, threshold, (m, t) => {
        expect(classify(t, ruleFor(m, t))).toBeNull();
      }),
    );
  });
});
