// Verification judge (module): ({ payload, result }) of a primes job → { loss: |count − true count| }.
// The true count comes from trial division by odd numbers, on purpose not the sieve primes.mjs uses,
// so a bug in one does not hide in the other.
function isPrime(n) {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}

function countPrimesBelow(below) {
  let count = 0;
  for (let n = 2; n < below; n++) if (isPrime(n)) count++;
  return count;
}

export default function verifyPrimes({ payload, result }) {
  const below = payload?.below;
  if (!Number.isInteger(below) || below < 0 || below > 2_000_000)
    return { pass: false, detail: 'payload has no valid below' };
  if (!Number.isInteger(result?.count)) return { pass: false, detail: 'result has no integer count' };
  const truth = countPrimesBelow(below);
  return {
    loss: Math.abs(result.count - truth),
    detail: `${truth} primes below ${below}, result says ${result.count}`,
  };
}
