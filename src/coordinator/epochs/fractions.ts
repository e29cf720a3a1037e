/** Largest denominator tried when reading a configured share as a ratio. */
const MAX_DENOMINATOR = 1_000_000;

/**
 * A configured share (a JSON number such as 0.5 or 1/30 written as 0.0333…) as the exact
 * ratio settlements record: the ratio with the smallest denominator whose double is this
 * number, so 1/30 is "1/30" rather than 333…/10^16. Numbers no such ratio matches keep their
 * decimal form, which core's parseFraction reads exactly.
 */
export function configFraction(value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`a share must be ≥ 0, got ${value}`);
  for (let denominator = 1; denominator <= MAX_DENOMINATOR; denominator++) {
    const numerator = Math.round(value * denominator);
    if (numerator / denominator === value) return `${numerator}/${denominator}`;
  }
  return String(value);
}
