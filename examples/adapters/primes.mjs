// Module adapter: counts the primes below `below` (0..2,000,000) with a sieve of Eratosthenes.
// ({ below }) → { count, largest } (largest is null when there is none).
export const MAX_BELOW = 2_000_000;

export default function primes(payload) {
  const below = payload?.below;
  if (!Number.isInteger(below) || below < 0 || below > MAX_BELOW)
    throw Object.assign(new Error(`below must be an integer from 0 to ${MAX_BELOW}`), {
      code: 'bad-input',
      retryable: false,
    });
  const composite = new Uint8Array(below);
  let count = 0;
  let largest = null;
  for (let n = 2; n < below; n++) {
    if (composite[n] === 1) continue;
    count++;
    largest = n;
    for (let m = n * n; m < below; m += n) composite[m] = 1;
  }
  return { count, largest };
}
