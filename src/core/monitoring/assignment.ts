import { SeededRandom } from './seed.ts';

/** Names the method below; recorded beside an assignment so a verifier knows what to rerun. */
export const ASSIGNMENT_ALGORITHM = 'vigil-ring-offsets/v1';

export interface AssignGroupsInput {
  /** The node ids eligible this epoch, in any order; duplicates are refused. */
  readonly nodes: readonly string[];
  /** The configured group size; capped at nodes − 1. */
  readonly groupSize: number;
  /** The epoch seed, 64 lowercase hex digits. */
  readonly seedHex: string;
}

/** Who audits whom in one epoch, with everything needed to recompute and audit it. */
export interface GroupAssignment {
  readonly algorithm: typeof ASSIGNMENT_ALGORITHM;
  readonly seedHex: string;
  readonly requestedGroupSize: number;
  /** The group size used: min(requestedGroupSize, nodes − 1), and 0 for fewer than two nodes. */
  readonly groupSize: number;
  /** The nodes in shuffled ring order. */
  readonly ring: readonly string[];
  /** The distinct ring offsets drawn, ascending: ring[i] is monitored by ring[(i + o) mod n]. */
  readonly offsets: readonly number[];
  /** Monitor → the nodes it audits, in offset order. Every node has an entry. */
  readonly targetsOf: ReadonlyMap<string, readonly string[]>;
  /** Target → the nodes auditing it, in offset order. Every node has an entry. */
  readonly monitorsOf: ReadonlyMap<string, readonly string[]>;
}

/**
 * Assigns monitoring groups for one epoch (docs/decisions/0012): the node ids sorted by UTF-16
 * code units, shuffled into a ring by a seeded Fisher–Yates, then k distinct offsets drawn from
 * 1..n−1; each node is audited by the nodes at those offsets ahead of it on the ring. Every node
 * therefore has exactly k monitors and k targets, never itself.
 */
export function assignGroups({ nodes, groupSize, seedHex }: AssignGroupsInput): GroupAssignment {
  if (!Number.isSafeInteger(groupSize) || groupSize < 0) {
    throw new RangeError(`groupSize must be an integer ≥ 0, got ${groupSize}`);
  }
  const random = new SeededRandom(seedHex);
  // Sorting first makes the result independent of the order the caller read the nodes in.
  const ring = [...nodes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < ring.length; i++) {
    if (ring[i] === ring[i - 1]) throw new RangeError(`node id ${ring[i]} is listed twice`);
  }
  const n = ring.length;

  for (let i = n - 1; i >= 1; i--) {
    const j = random.nextInt(i + 1);
    const swap = ring[i]!;
    ring[i] = ring[j]!;
    ring[j] = swap;
  }

  const k = n < 2 ? 0 : Math.min(groupSize, n - 1);
  // A partial Fisher–Yates over 1..n−1: the first k slots become a uniform k-subset.
  const candidates = Array.from({ length: Math.max(n - 1, 0) }, (_, i) => i + 1);
  for (let i = 0; i < k; i++) {
    const j = i + random.nextInt(n - 1 - i);
    const swap = candidates[i]!;
    candidates[i] = candidates[j]!;
    candidates[j] = swap;
  }
  const offsets = candidates.slice(0, k).sort((a, b) => a - b);

  const targetsOf = new Map<string, readonly string[]>();
  const monitorsOf = new Map<string, readonly string[]>();
  for (let i = 0; i < n; i++) {
    const monitors: string[] = [];
    const targets: string[] = [];
    for (const o of offsets) {
      monitors.push(ring[(i + o) % n]!);
      targets.push(ring[(i - o + n) % n]!);
    }
    monitorsOf.set(ring[i]!, monitors);
    targetsOf.set(ring[i]!, targets);
  }

  return {
    algorithm: ASSIGNMENT_ALGORITHM,
    seedHex,
    requestedGroupSize: groupSize,
    groupSize: k,
    ring,
    offsets,
    targetsOf,
    monitorsOf,
  };
}
