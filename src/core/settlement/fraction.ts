/** An exact non-negative rational, reduced, so settlement parameters never pass through floats. */
export interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function reduced(numerator: bigint, denominator: bigint): Fraction {
  const d = gcd(numerator, denominator);
  return { numerator: numerator / d, denominator: denominator / d };
}

const RATIO = /^(\d+)\/(\d+)$/;
const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i;

/**
 * Reads `"1/30"`, `"0.5"` or a number. A number is taken as the decimal it prints as
 * (`0.1` is 1/10, not the binary double nearest it); 1/30 has no finite decimal, so write
 * it as the string `"1/30"`.
 */
export function parseFraction(value: number | string): Fraction {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const ratio = RATIO.exec(text);
  if (ratio !== null) {
    const denominator = BigInt(ratio[2] as string);
    if (denominator === 0n) throw new RangeError(`fraction ${text} divides by zero`);
    return reduced(BigInt(ratio[1] as string), denominator);
  }
  const decimal = DECIMAL.exec(text);
  if (decimal === null) throw new RangeError(`not a fraction: ${JSON.stringify(text)} (write 0.5 or 1/30)`);
  const [, whole, fraction = '', exponentText = '0'] = decimal as unknown as [
    string,
    string,
    string?,
    string?,
  ];
  const exponent = Number(exponentText) - fraction.length;
  if (Math.abs(exponent) > 400) throw new RangeError(`fraction ${text} is out of range`);
  const digits = BigInt(whole + fraction);
  return exponent >= 0
    ? reduced(digits * 10n ** BigInt(exponent), 1n)
    : reduced(digits, 10n ** BigInt(-exponent));
}

/** `numerator/denominator`, the form settlements record. */
export function formatFraction({ numerator, denominator }: Fraction): string {
  return `${numerator}/${denominator}`;
}

/** ⌈n · f⌉ for a whole n. */
export function ceilTimes(n: number, { numerator, denominator }: Fraction): number {
  const product = BigInt(n) * numerator;
  return Number((product + denominator - 1n) / denominator);
}
