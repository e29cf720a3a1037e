import { InvalidArgumentError } from 'commander';

/** A commander argument parser for whole numbers above zero, with a message naming the option. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`--${name} must be a whole number above 0`);
    return n;
  };
}
