function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate a misspelt name most likely meant, if any is close enough to be a plausible typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  const tolerance = Math.max(2, Math.floor(wanted.length / 4));
  if (best && best.distance <= tolerance) return best.candidate;
  // A key written without its unit suffix ('uptime' for 'uptime_pct') is too far by edit
  // distance but an obvious intent.
  return wanted.length >= 3
    ? candidates.find((candidate) => candidate.toLowerCase().startsWith(`${wanted}_`))
    : undefined;
}

/** "unknown key", with a "did you mean" when a known name is close. */
export function unknownKeyMessage(name: string, candidates: readonly string[]): string {
  const guess = closest(name, candidates);
  return guess === undefined ? 'unknown key' : `unknown key (did you mean ${guess}?)`;
}
