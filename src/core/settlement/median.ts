/**
 * The lower median: the ⌈n/2⌉-th smallest value. For odd n it is the median; for even n
 * the smaller of the two middle values. Either middle value lies inside the honest range
 * when fewer than half the values are lies (see docs/settlement.md); the lower one is
 * always a value someone reported, so whole counts stay whole and nothing is rounded.
 */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('the median of no values is undefined');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`median of a non-finite value: ${v}`);
  }
  // An insertion sort: a group is a few dozen values, settled for every node, and this is
  // several times faster there than Array#sort with a comparator. Stable, like that sort.
  const sorted = [...values];
  for (let i = 1; i < sorted.length; i++) {
    const v = sorted[i] as number;
    let j = i - 1;
    while (j >= 0 && (sorted[j] as number) > v) {
      sorted[j + 1] = sorted[j] as number;
      j--;
    }
    sorted[j + 1] = v;
  }
  return sorted[Math.ceil(sorted.length / 2) - 1] as number;
}
