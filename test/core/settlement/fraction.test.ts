import { describe, expect, it } from 'vitest';
import { ceilTimes, formatFraction, parseFraction } from '../../../src/core/settlement/fraction.ts';

const f = (value: number | string) => formatFraction(parseFraction(value));

describe('fractions', () => {
  it('reads ratios and decimals exactly, reduced', () => {
    expect(f('1/30')).toBe('1/30');
    expect(f('2/60')).toBe('1/30');
    expect(f(' 1/2 ')).toBe('1/2');
    expect(f(0.5)).toBe('1/2');
    expect(f('0.1')).toBe('1/10');
    expect(f(0.1)).toBe('1/10');
    expect(f(1e-7)).toBe('1/10000000');
    expect(f('2.5e1')).toBe('25/1');
    expect(f(0)).toBe('0/1');
    expect(f(1)).toBe('1/1');
  });

  it('refuses what is not a non-negative fraction', () => {
    expect(() => parseFraction('1/0')).toThrow(/divides by zero/);
    expect(() => parseFraction(-0.5)).toThrow(/not a fraction/);
    expect(() => parseFraction('half')).toThrow(/write 0.5 or 1\/30/);
    expect(() => parseFraction(Number.NaN)).toThrow(/not a fraction/);
  });

  it('takes ceilings in integers', () => {
    expect(ceilTimes(24, parseFraction('1/2'))).toBe(12);
    expect(ceilTimes(5, parseFraction('1/2'))).toBe(3);
    // 0.6 · 5 is 3.0000000000000004 in doubles; exactly 3 here.
    expect(ceilTimes(5, parseFraction(0.6))).toBe(3);
    expect(ceilTimes(10, parseFraction(0.1))).toBe(1);
    expect(ceilTimes(0, parseFraction('1/2'))).toBe(0);
  });
});
