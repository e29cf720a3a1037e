import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EpochConfig, epochSchedule } from '../../../src/core/monitoring/epochs.ts';

const DAY_MS = 86_400_000;
const GENESIS_MS = Date.UTC(2026, 0, 1);
const thirtyDays: EpochConfig = {
  genesis_ms: GENESIS_MS,
  length_ms: 30 * DAY_MS,
  report_window_ms: 3_600_000,
};

const config: fc.Arbitrary<EpochConfig> = fc.record({
  genesis_ms: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  length_ms: fc.integer({ min: 1, max: 60 * DAY_MS }),
  report_window_ms: fc.integer({ min: 0, max: 2 * DAY_MS }),
});
const epoch = fc.integer({ min: 0, max: 100_000 });

describe('epochSchedule', () => {
  it('refuses configs that are not non-negative integers, naming the field', () => {
    expect(() => epochSchedule({ ...thirtyDays, length_ms: 0 })).toThrow(/length_ms/);
    expect(() => epochSchedule({ ...thirtyDays, length_ms: 1.5 })).toThrow(/length_ms/);
    expect(() => epochSchedule({ ...thirtyDays, genesis_ms: -1 })).toThrow(/genesis_ms/);
    expect(() => epochSchedule({ ...thirtyDays, report_window_ms: Number.NaN })).toThrow(/report_window_ms/);
  });

  it('has no epoch before genesis', () => {
    const s = epochSchedule(thirtyDays);
    expect(s.epochAt(GENESIS_MS - 1)).toBeNull();
    expect(s.epochAt(0)).toBeNull();
    expect(s.epochAt(GENESIS_MS)).toBe(0);
  });

  it('lays out the default 30-day epochs with a one-hour report window', () => {
    const s = epochSchedule(thirtyDays);
    expect(s.epochBounds(2)).toEqual({
      number: 2,
      start_ms: Date.UTC(2026, 2, 2),
      end_ms: Date.UTC(2026, 3, 1),
      report_window_end_ms: Date.UTC(2026, 3, 1, 1),
    });
    expect(s.epochAt(Date.UTC(2026, 3, 1) - 1)).toBe(2);
    expect(s.epochAt(Date.UTC(2026, 3, 1))).toBe(3);
  });

  it('refuses non-integer instants and epochs', () => {
    const s = epochSchedule(thirtyDays);
    expect(() => s.epochAt(1.5)).toThrow(RangeError);
    expect(() => s.epochBounds(-1)).toThrow(/epoch/);
    expect(() => s.epochBounds(0.5)).toThrow(/epoch/);
    expect(() => s.isReportWindowOpen(0, Number.NaN)).toThrow(/t_ms/);
  });

  it('refuses an epoch that ends beyond the safe integer range', () => {
    const s = epochSchedule(thirtyDays);
    expect(() => s.epochBounds(Math.ceil(Number.MAX_SAFE_INTEGER / (30 * DAY_MS)))).toThrow(/safe integer/);
  });

  it('gives contiguous epochs of the configured length', () => {
    fc.assert(
      fc.property(config, epoch, (c, n) => {
        const s = epochSchedule(c);
        const here = s.epochBounds(n);
        const next = s.epochBounds(n + 1);
        expect(here.number).toBe(n);
        expect(here.end_ms).toBe(next.start_ms);
        expect(here.end_ms - here.start_ms).toBe(c.length_ms);
        expect(here.report_window_end_ms - here.end_ms).toBe(c.report_window_ms);
        if (n === 0) expect(here.start_ms).toBe(c.genesis_ms);
      }),
    );
  });

  it('epochAt is the inverse of epochBounds: every instant of an epoch maps back to it', () => {
    fc.assert(
      fc.property(config, epoch, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (c, n, f) => {
        const s = epochSchedule(c);
        const { start_ms, end_ms } = s.epochBounds(n);
        expect(s.epochAt(start_ms)).toBe(n);
        expect(s.epochAt(end_ms - 1)).toBe(n);
        expect(s.epochAt(start_ms + Math.floor(f * c.length_ms))).toBe(n);
        expect(s.epochAt(end_ms)).toBe(n + 1);
      }),
    );
  });

  it('puts every instant after genesis inside the bounds of its epoch, up to 2^53', () => {
    const big = fc.record({
      genesis_ms: fc.integer({ min: 0, max: 2 ** 52 }),
      length_ms: fc.integer({ min: 1, max: 2 ** 40 }),
      report_window_ms: fc.constant(0),
    });
    fc.assert(
      fc.property(big, fc.integer({ min: 0, max: 2 ** 52 }), (c, after) => {
        const t = c.genesis_ms + after;
        const n = epochSchedule(c).epochAt(t)!;
        const start = c.genesis_ms + n * c.length_ms;
        expect(start).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(start + c.length_ms);
      }),
    );
  });

  it('opens the report window exactly on [end, end + report_window)', () => {
    fc.assert(
      fc.property(config, epoch, (c, n) => {
        const s = epochSchedule(c);
        const { start_ms, end_ms, report_window_end_ms } = s.epochBounds(n);
        expect(s.isReportWindowOpen(n, start_ms)).toBe(false);
        expect(s.isReportWindowOpen(n, end_ms - 1)).toBe(false);
        expect(s.isReportWindowOpen(n, end_ms)).toBe(c.report_window_ms > 0);
        expect(s.isReportWindowOpen(n, report_window_end_ms - 1)).toBe(c.report_window_ms > 0);
        expect(s.isReportWindowOpen(n, report_window_end_ms)).toBe(false);
      }),
    );
  });
});
