import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ASSIGNMENT_ALGORITHM,
  assignGroups,
  type GroupAssignment,
} from '../../../src/core/monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import { chiSquareCritical, pearson, Z_ONE_IN_A_MILLION } from './chi-square.ts';

const seedHex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const nodeIds = fc.uniqueArray(fc.string({ maxLength: 12 }), { maxLength: 50 });
const groupSize = fc.integer({ min: 0, max: 60 });

/** The seed of epoch e on a chain that has not settled yet: a fixed, public sequence of seeds. */
const seedOf = (e: number) => epochSeed(e, GENESIS_SETTLEMENT_HASH);
const ids = (n: number) => Array.from({ length: n }, (_, i) => `node-${String(i).padStart(3, '0')}`);
/** Who audits whom, as sets: independent of ring and offset order. */
const groupsOf = (monitorsOf: GroupAssignment['monitorsOf']) =>
  JSON.stringify([...monitorsOf].map(([t, ms]) => [t, [...ms].sort()]).sort());

describe('assignGroups vectors', () => {
  it('assigns six nodes as documented', () => {
    const a = assignGroups({ nodes: ['f', 'e', 'd', 'c', 'b', 'a'], groupSize: 2, seedHex: seedOf(0) });
    expect(a.algorithm).toBe(ASSIGNMENT_ALGORITHM);
    expect(a.ring).toEqual(['a', 'c', 'e', 'd', 'f', 'b']);
    expect(a.offsets).toEqual([1, 3]);
    expect(Object.fromEntries(a.monitorsOf)).toEqual({
      a: ['c', 'd'],
      c: ['e', 'f'],
      e: ['d', 'b'],
      d: ['f', 'a'],
      f: ['b', 'c'],
      b: ['a', 'e'],
    });
    expect(Object.fromEntries(a.targetsOf)).toEqual({
      a: ['b', 'd'],
      c: ['a', 'f'],
      e: ['c', 'b'],
      d: ['e', 'a'],
      f: ['d', 'c'],
      b: ['f', 'e'],
    });
  });

  it('assigns 500 nodes in groups of 24 as it always has', () => {
    const a = assignGroups({ nodes: ids(500), groupSize: 24, seedHex: seedOf(3) });
    const digest = createHash('sha256')
      .update(JSON.stringify([a.ring, a.offsets]))
      .digest('hex');
    expect(digest).toBe('bf2bba6ecda45c3b6ff0de17e8e0a5f98f98256dbd89a05cc405a685b4ad7ca0');
  });
});

describe('assignGroups edge cases', () => {
  it('assigns nothing to no nodes', () => {
    const a = assignGroups({ nodes: [], groupSize: 24, seedHex: seedOf(0) });
    expect(a.groupSize).toBe(0);
    expect(a.ring).toEqual([]);
    expect(a.offsets).toEqual([]);
    expect(a.monitorsOf.size).toBe(0);
    expect(a.targetsOf.size).toBe(0);
  });

  it('gives a lone node no monitors and no targets', () => {
    const a = assignGroups({ nodes: ['solo'], groupSize: 24, seedHex: seedOf(0) });
    expect(a.groupSize).toBe(0);
    expect(a.monitorsOf.get('solo')).toEqual([]);
    expect(a.targetsOf.get('solo')).toEqual([]);
  });

  it('makes two nodes audit each other', () => {
    const a = assignGroups({ nodes: ['x', 'y'], groupSize: 24, seedHex: seedOf(0) });
    expect(a.groupSize).toBe(1);
    expect(a.offsets).toEqual([1]);
    expect(a.monitorsOf.get('x')).toEqual(['y']);
    expect(a.monitorsOf.get('y')).toEqual(['x']);
    expect(a.targetsOf.get('x')).toEqual(['y']);
  });

  it('has no entry for a node outside the epoch', () => {
    const a = assignGroups({ nodes: ids(5), groupSize: 2, seedHex: seedOf(0) });
    expect(a.monitorsOf.get('late-joiner')).toBeUndefined();
  });

  it('refuses duplicate ids, a bad group size and a bad seed', () => {
    expect(() => assignGroups({ nodes: ['a', 'b', 'a'], groupSize: 1, seedHex: seedOf(0) })).toThrow(
      /node id a is listed twice/,
    );
    expect(() => assignGroups({ nodes: ['a', 'b'], groupSize: -1, seedHex: seedOf(0) })).toThrow(/groupSize/);
    expect(() => assignGroups({ nodes: ['a', 'b'], groupSize: 1.5, seedHex: seedOf(0) })).toThrow(
      /groupSize/,
    );
    expect(() => assignGroups({ nodes: ['a', 'b'], groupSize: 1, seedHex: 'nope' })).toThrow(/seedHex/);
  });
});

describe('assignGroups properties', () => {
  it('caps the group at nodes − 1 and draws that many distinct offsets from 1..n−1', () => {
    fc.assert(
      fc.property(nodeIds, groupSize, seedHex, (nodes, g, seed) => {
        const a = assignGroups({ nodes, groupSize: g, seedHex: seed });
        const n = nodes.length;
        const k = n <= 1 ? 0 : Math.min(g, n - 1);
        expect(a.groupSize).toBe(k);
        expect(a.requestedGroupSize).toBe(g);
        expect(a.offsets).toHaveLength(k);
        expect(new Set(a.offsets).size).toBe(k);
        expect([...a.offsets].sort((x, y) => x - y)).toEqual(a.offsets);
        for (const o of a.offsets) expect(o >= 1 && o <= n - 1).toBe(true);
        expect([...a.ring].sort()).toEqual([...nodes].sort());
      }),
    );
  });

  it('is balanced: every node has exactly k distinct monitors and k distinct targets, never itself', () => {
    fc.assert(
      fc.property(nodeIds, groupSize, seedHex, (nodes, g, seed) => {
        const a = assignGroups({ nodes, groupSize: g, seedHex: seed });
        const members = new Set(nodes);
        expect(new Set(a.monitorsOf.keys())).toEqual(members);
        expect(new Set(a.targetsOf.keys())).toEqual(members);
        for (const node of nodes) {
          for (const group of [a.monitorsOf.get(node)!, a.targetsOf.get(node)!]) {
            expect(group).toHaveLength(a.groupSize);
            expect(new Set(group).size).toBe(a.groupSize);
            expect(group).not.toContain(node);
            for (const peer of group) expect(members.has(peer)).toBe(true);
          }
        }
      }),
    );
  });

  it('answers both questions consistently: m audits t exactly when t is audited by m', () => {
    fc.assert(
      fc.property(nodeIds, groupSize, seedHex, (nodes, g, seed) => {
        const a = assignGroups({ nodes, groupSize: g, seedHex: seed });
        const byMonitor = new Set<string>();
        const byTarget = new Set<string>();
        for (const [m, targets] of a.targetsOf)
          for (const t of targets) byMonitor.add(JSON.stringify([m, t]));
        for (const [t, monitors] of a.monitorsOf)
          for (const m of monitors) byTarget.add(JSON.stringify([m, t]));
        expect(byMonitor).toEqual(byTarget);
        expect(byMonitor.size).toBe(nodes.length * a.groupSize);
      }),
    );
  });

  it('is reproducible whatever order the nodes come in', () => {
    const shuffledNodes = nodeIds.chain((nodes) =>
      fc.tuple(fc.constant(nodes), fc.shuffledSubarray(nodes, { minLength: nodes.length })),
    );
    fc.assert(
      fc.property(shuffledNodes, groupSize, seedHex, ([nodes, reordered], g, seed) => {
        const a = assignGroups({ nodes, groupSize: g, seedHex: seed });
        const b = assignGroups({ nodes: reordered, groupSize: g, seedHex: seed });
        expect(b).toEqual(a);
        expect([...b.monitorsOf.entries()]).toEqual([...a.monitorsOf.entries()]);
      }),
    );
  });

  it('gives different groups for different seeds once there are enough nodes', () => {
    const nodes = ids(20);
    fc.assert(
      fc.property(seedHex, seedHex, fc.integer({ min: 1, max: 15 }), (s1, s2, g) => {
        fc.pre(s1 !== s2);
        const a = assignGroups({ nodes, groupSize: g, seedHex: s1 });
        const b = assignGroups({ nodes, groupSize: g, seedHex: s2 });
        expect(groupsOf(b.monitorsOf)).not.toBe(groupsOf(a.monitorsOf));
      }),
    );
  });
});

/** How many times each ordered (monitor, target) pair was drawn over the given assignments. */
function pairCounts(
  nodes: readonly string[],
  assignments: Iterable<GroupAssignment['monitorsOf']>,
): number[] {
  const index = new Map(nodes.map((id, i) => [id, i]));
  const n = nodes.length;
  const counts = new Array<number>(n * n).fill(0);
  for (const monitorsOf of assignments) {
    for (const [target, monitors] of monitorsOf) {
      for (const monitor of monitors) counts[index.get(monitor)! * n + index.get(target)!]!++;
    }
  }
  return counts.filter((_, cell) => cell % (n + 1) !== 0); // drop the diagonal: nobody audits itself
}

function* epochs(count: number, assign: (seed: string) => GroupAssignment['monitorsOf']) {
  for (let e = 0; e < count; e++) yield assign(seedOf(e));
}

describe('assignments across epochs', () => {
  const n = 12;
  const k = 4;
  const epochCount = 3_000;
  const nodes = ids(n);
  const assign = (seed: string) => assignGroups({ nodes, groupSize: k, seedHex: seed }).monitorsOf;

  /**
   * Each ordered pair's count is a sum of independent per-epoch coin flips with p = k/(n−1):
   * binomial, so each cell is scaled by its variance N·p·(1−p) and the statistic is close to
   * χ² with n(n−1) degrees of freedom. The threshold is its one-in-a-million quantile.
   */
  function pairUniformity(assignments: Iterable<GroupAssignment['monitorsOf']>) {
    const p = k / (n - 1);
    const expected = epochCount * p;
    const statistic = pearson(pairCounts(nodes, assignments), expected, expected * (1 - p));
    return { statistic, threshold: chiSquareCritical(n * (n - 1), Z_ONE_IN_A_MILLION) };
  }

  it('draws every ordered (monitor, target) pair about equally often over many epochs', () => {
    const { statistic, threshold } = pairUniformity(epochs(epochCount, assign));
    expect(statistic).toBeLessThan(threshold);
  });

  it('the pair test fails for an assignment that favours one node one epoch in ten', () => {
    const favoured = nodes[0]!;
    const biased = (seed: string) => {
      const monitorsOf = assign(seed);
      if (Number.parseInt(seed.slice(0, 2), 16) >= 26) return monitorsOf;
      return new Map(
        [...monitorsOf].map(([target, monitors]) => [
          target,
          target === favoured || monitors.includes(favoured) ? monitors : [favoured, ...monitors.slice(1)],
        ]),
      );
    };
    const { statistic, threshold } = pairUniformity(epochs(epochCount, biased));
    expect(statistic).toBeGreaterThan(2 * threshold);
  });

  it('the pair test fails for one seed reused every epoch', () => {
    const { statistic, threshold } = pairUniformity(epochs(epochCount, () => assign(seedOf(0))));
    expect(statistic).toBeGreaterThan(threshold);
  });

  it('changes the groups from one epoch to the next', () => {
    const big = ids(30);
    const groups = Array.from({ length: 500 }, (_, e) =>
      assignGroups({ nodes: big, groupSize: 5, seedHex: seedOf(e) }),
    );
    let identical = 0;
    let overlap = 0;
    for (let e = 1; e < groups.length; e++) {
      const before = groups[e - 1]!.monitorsOf;
      const after = groups[e]!.monitorsOf;
      if (groupsOf(before) === groupsOf(after)) identical++;
      for (const node of big) {
        const previous = new Set(before.get(node));
        overlap += after.get(node)!.filter((m) => previous.has(m)).length;
      }
    }
    const pairs = groups.length - 1;
    expect(identical / pairs).toBeLessThan(0.01);
    // Independent uniform groups of 5 out of 29 peers share 25/29 ≈ 0.86 monitors on average.
    const meanOverlap = overlap / (pairs * big.length);
    expect(meanOverlap).toBeGreaterThan(25 / 29 - 0.15);
    expect(meanOverlap).toBeLessThan(25 / 29 + 0.15);
  });
});
