import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sketchCount, sketchOf } from '../../../src/core/reports/sketch.ts';
import { buildReport, summarizeTarget } from '../../../src/core/reports/summarize.ts';
import type { ProbeSample } from '../../../src/core/reports/types.ts';
import { isWholeMicros } from '../../../src/core/reports/validate.ts';

const T0 = 1_700_000_000_000;
const at = (i: number) => T0 + i * 300_000;

describe('summarizeTarget', () => {
  it('counts samples, up samples and downtime, and averages latency of up probes only', () => {
    const samples: ProbeSample[] = [
      { at_ms: at(0), up: true, latency_ms: 10 },
      { at_ms: at(1), up: false, latency_ms: 5000 },
      { at_ms: at(2), up: true, latency_ms: null },
      { at_ms: at(3), up: true, latency_ms: 20.0004 },
      { at_ms: at(4), up: false, latency_ms: null },
    ];
    const summary = summarizeTarget('node-b', samples);
    expect(summary).toEqual({
      target: 'node-b',
      samples: 5,
      up_samples: 3,
      downtime_intervals: 2,
      mean_latency_ms: 15,
      latency_p10_ms: 10,
      latency_sketch: sketchOf([10, 20.0004]),
    });
  });

  it('reports the nearest-rank 10th percentile of the latencies, rounded to whole microseconds', () => {
    const of = (latencies: number[]) =>
      summarizeTarget(
        't',
        latencies.map((latency_ms, i) => ({ at_ms: at(i), up: true, latency_ms })),
      ).latency_p10_ms;
    // ⌈n/10⌉-th smallest: the 1st of 10, the 2nd of 11 to 20, the 3rd of 21.
    expect(of([9, 8, 7, 6, 5, 4, 3, 2, 1, 0.0006])).toBe(0.001);
    expect(of(Array.from({ length: 11 }, (_, i) => 100 - i))).toBe(91);
    expect(of(Array.from({ length: 21 }, (_, i) => i + 1))).toBe(3);
    expect(of([42])).toBe(42);
    expect(summarizeTarget('t', [{ at_ms: at(0), up: false, latency_ms: null }]).latency_p10_ms).toBeNull();
  });

  it('rounds the mean to whole microseconds', () => {
    const samples = [1, 2, 2].map((latency_ms, i) => ({ at_ms: at(i), up: true, latency_ms }));
    expect(summarizeTarget('t', samples).mean_latency_ms).toBe(1.667);
  });

  it('always gives a mean the report checks accept as whole microseconds', () => {
    const latencies = fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(latencies, (values) => {
        const samples = values.map((latency_ms, i) => ({ at_ms: at(i), up: true, latency_ms }));
        const mean = summarizeTarget('t', samples).mean_latency_ms as number;
        expect(isWholeMicros(mean), String(mean)).toBe(true);
      }),
    );
    const halves = [150.0005, 150.0015, 0.0005].map((latency_ms, i) => ({
      at_ms: at(i),
      up: true,
      latency_ms,
    }));
    for (const sample of halves)
      expect(isWholeMicros(summarizeTarget('t', [sample]).mean_latency_ms!)).toBe(true);
  });

  it('has a null mean and an empty sketch when nothing measured a latency', () => {
    const summary = summarizeTarget('t', [{ at_ms: at(0), up: false, latency_ms: null }]);
    expect(summary.mean_latency_ms).toBeNull();
    expect(sketchCount(summary.latency_sketch)).toBe(0);
    expect(summarizeTarget('t', []).samples).toBe(0);
  });

  it('counts a probe logged twice once (a restart replaying its log), in any order', () => {
    const sample = fc.record({
      at_ms: fc.integer({ min: 0, max: 50 }).map(at),
      up: fc.boolean(),
      latency_ms: fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(sample, { selector: (s) => s.at_ms }), fc.nat(), (samples, seed) => {
        const once = summarizeTarget('t', samples);
        const replayed = [...samples, ...samples.slice(0, seed % (samples.length + 1))].reverse();
        expect(summarizeTarget('t', replayed)).toEqual(once);
        expect(once.up_samples + once.downtime_intervals).toBe(once.samples);
      }),
    );
  });

  it('refuses two different verdicts for the same instant', () => {
    expect(() =>
      summarizeTarget('t', [
        { at_ms: at(0), up: true, latency_ms: 1 },
        { at_ms: at(0), up: false, latency_ms: null },
      ]),
    ).toThrow(/two different samples of t at/);
  });

  it('refuses samples it cannot count', () => {
    expect(() => summarizeTarget('t', [{ at_ms: 1.5, up: true, latency_ms: 1 }])).toThrow(/at_ms/);
    expect(() => summarizeTarget('t', [{ at_ms: 1, up: true, latency_ms: -1 }])).toThrow(/latency_ms/);
    expect(() => summarizeTarget('t', [{ at_ms: 1, up: true, latency_ms: Number.NaN }])).toThrow(
      /latency_ms/,
    );
  });
});

describe('buildReport', () => {
  it('covers every target in code-unit order, including targets without samples', () => {
    const report = buildReport({
      epoch: 3,
      monitor: 'node-a',
      created_at_ms: T0,
      probe_interval_s: 300,
      samples: new Map([
        ['node-c', [{ at_ms: at(0), up: true, latency_ms: 5 }]],
        ['Node-Z', []],
        ['node-b', [{ at_ms: at(0), up: false, latency_ms: null }]],
      ]),
    });
    expect(report.version).toBe(2);
    expect(report.targets.map((t) => t.target)).toEqual(['Node-Z', 'node-b', 'node-c']);
    expect(report.targets.map((t) => t.samples)).toEqual([0, 1, 1]);
  });

  it('refuses to build a report the coordinator would refuse', () => {
    const build = (monitor: string, target: string) =>
      buildReport({
        epoch: 3,
        monitor,
        created_at_ms: T0,
        probe_interval_s: 300,
        samples: new Map([[target, []]]),
      });
    expect(() => build('node-a', 'node-a')).toThrow(/a monitor never audits itself/);
    expect(() => build('bad id', 'node-b')).toThrow(/\$\.monitor: must be a node id/);
  });
});
