import type { ResponseSample } from '../../core/sla/percentile.ts';

/**
 * A node's recent outcomes are stored as two parallel arrays, `[[finished_at…], [duration_ms…]]`,
 * not as pairs: a collection parses 10,000 of these documents, and two flat arrays per node
 * parse several times faster than a hundred two-element arrays.
 */
export const EMPTY_SAMPLES = '[[],[]]';

export function encodeSamples(samples: readonly ResponseSample[]): string {
  return JSON.stringify([samples.map((s) => s[0]), samples.map((s) => s[1])]);
}

export function decodeSamples(text: string): ResponseSample[] {
  const [finished = [], durations = []] = JSON.parse(text) as [number[], number[]];
  return finished.map((at, i) => [at, durations[i] ?? 0] as const);
}

/** Just the durations, which is all the response-time metric needs. */
export function decodeDurations(text: string): number[] {
  return (JSON.parse(text) as [number[], number[]])[1] ?? [];
}
