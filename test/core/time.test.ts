import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorTo, parseTimestamp, toIso } from '../../src/core/time.ts';

const LAST_4_DIGIT_YEAR_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Strings of the RFC 3339 shape whose fields may be out of range (month 13, 30 February,
 * hour 24, an offset of +24:00), with what each should parse to: the instant, or null.
 * Leap seconds (:60) are left out: rejecting them is a fair choice for this code base.
 */
const shapedTimestamp = fc
  .record({
    year: fc.integer({ min: 1000, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,6}$/), { nil: null }),
    zone: fc.oneof(
      fc.constant(null),
      fc.record({
        sign: fc.constantFrom(1, -1),
        hours: fc.integer({ min: 0, max: 24 }),
        minutes: fc.integer({ min: 0, max: 60 }),
      }),
    ),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone }) => {
    const zoneText =
      zone === null ? 'Z' : `${zone.sign > 0 ? '+' : '-'}${pad(zone.hours)}:${pad(zone.minutes)}`;
    const text = `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${
      fraction === null ? '' : `.${fraction}`
    }${zoneText}`;
    const valid =
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysInMonth(year, month) &&
      hour <= 23 &&
      minute <= 59 &&
      (zone === null || (zone.hours <= 23 && zone.minutes <= 59));
    const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
    const offsetMs = zone === null ? 0 : zone.sign * (zone.hours * 60 + zone.minutes) * 60_000;
    const instant = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMs;
    // Instants before 1970 are refused, as negative epoch milliseconds are: no job ran then.
    const expected = valid && instant >= 0 ? instant : null;
    return { text, expected };
  });

describe('parseTimestamp', () => {
  it('round-trips toIso', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: LAST_4_DIGIT_YEAR_MS }), (ms) => {
        expect(parseTimestamp(toIso(ms))).toBe(ms);
      }),
    );
  });

  it('takes non-negative integer epoch milliseconds as they are', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ms) => {
        expect(parseTimestamp(ms)).toBe(ms);
      }),
    );
  });

  it('rejects negative, fractional and non-finite numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -1 }), (ms) => {
        expect(parseTimestamp(ms)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), (x) => {
        fc.pre(!Number.isInteger(x));
        expect(parseTimestamp(x)).toBeNull();
      }),
    );
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 0.5, -0.5]) {
      expect(parseTimestamp(x)).toBeNull();
    }
  });

  it('rejects strings that are not RFC 3339 timestamps', () => {
    for (const text of [
      '',
      '2026-01-01',
      'yesterday',
      'now',
      '2026-01-01T00:00:00',
      '2026-01-01T00:00Z',
      '2026-01-01T00:00:00+0100',
      '2026/01/01T00:00:00Z',
      '26-01-01T00:00:00Z',
      'Thu, 01 Jan 2026 00:00:00 GMT',
      ' 2026-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z ',
    ]) {
      expect(parseTimestamp(text), text).toBeNull();
    }
  });

  it('accepts arbitrary text only when it has the RFC 3339 shape', () => {
    const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        if (parseTimestamp(text) !== null) expect(text).toMatch(rfc3339);
      }),
    );
  });

  it('parses every valid date and time to its instant, and rejects impossible ones', () => {
    fc.assert(
      fc.property(shapedTimestamp, ({ text, expected }) => {
        expect(parseTimestamp(text), text).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects calendar dates that do not exist instead of rolling them over', () => {
    expect(parseTimestamp('2026-02-30T00:00:00Z')).toBeNull();
    expect(parseTimestamp('2026-04-31T12:00:00Z')).toBeNull();
    expect(parseTimestamp('2026-02-29T00:00:00Z')).toBeNull();
    expect(parseTimestamp('2026-01-01T24:00:00Z')).toBeNull();
    expect(parseTimestamp('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });
});

describe('floorTo', () => {
  it('gives the step boundary at or below the instant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LAST_4_DIGIT_YEAR_MS }),
        fc.integer({ min: 1, max: 86_400_000 }),
        (ms, step) => {
          const floored = floorTo(ms, step);
          expect(floored % step).toBe(0);
          expect(floored).toBeLessThanOrEqual(ms);
          expect(ms - floored).toBeLessThan(step);
        },
      ),
    );
  });
});
