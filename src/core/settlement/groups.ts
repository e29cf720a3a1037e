import type { TargetFacts } from './examine.ts';

/**
 * An epoch's monitoring groups with node ids numbered, so that settling 10,000 nodes reads
 * small arrays instead of making 240,000 lookups in 10,000 small maps, each a likely cache
 * miss (that was a third of the single-threaded part of settlement).
 */
export interface IndexedGroups {
  /** Every settled node and every monitor, numbered in the order first met. */
  readonly indexOf: ReadonlyMap<string, number>;
  /** Node index → its monitors' indices in group order; empty for a node that is not settled. */
  readonly monitorsOf: readonly Int32Array[];
  /** Node index → 1 when it audits somebody this epoch. */
  readonly audits: Uint8Array;
}

/** Numbers the groups; refuses groups that audit themselves or repeat a monitor. */
export function indexGroups(assignments: ReadonlyMap<string, readonly string[]>): IndexedGroups {
  const indexOf = new Map<string, number>();
  const number = (node: string): number => {
    let i = indexOf.get(node);
    if (i === undefined) {
      i = indexOf.size;
      indexOf.set(node, i);
    }
    return i;
  };
  for (const target of assignments.keys()) number(target);
  const groups: [number, Int32Array][] = [];
  for (const [target, monitors] of assignments) {
    const group = Int32Array.from(monitors, number);
    for (let k = 1; k < group.length; k++) {
      for (let j = 0; j < k; j++) {
        if (group[j] === group[k]) throw new RangeError(`monitoring group of ${target} repeats a monitor`);
      }
    }
    if (monitors.includes(target)) throw new RangeError(`${target} is assigned to audit itself`);
    groups.push([indexOf.get(target) as number, group]);
  }
  const empty = new Int32Array(0);
  const monitorsOf: Int32Array[] = Array.from({ length: indexOf.size }, () => empty);
  const audits = new Uint8Array(indexOf.size);
  for (const [t, group] of groups) {
    monitorsOf[t] = group;
    for (const m of group) audits[m] = 1;
  }
  return { indexOf, monitorsOf, audits };
}

/** True when `monitor` audits somebody this epoch. */
export function isMonitor(groups: IndexedGroups, monitor: string): boolean {
  const m = groups.indexOf.get(monitor);
  return m !== undefined && groups.audits[m] === 1;
}

/**
 * What each node's monitors said about it: `slots[t][k]` is the entry for node t from the
 * accepted report of its k-th monitor, undefined when there is none. Entries for targets a
 * monitor was not assigned are left out.
 */
export class GroupEvidence {
  readonly #groups: IndexedGroups;
  readonly #slots: (TargetFacts | undefined)[][];

  constructor(groups: IndexedGroups) {
    this.#groups = groups;
    this.#slots = groups.monitorsOf.map((g) => new Array<TargetFacts | undefined>(g.length));
  }

  /** Files the entries of `monitor`'s one accepted report. */
  add(monitor: string, entries: readonly TargetFacts[]): void {
    const m = this.#groups.indexOf.get(monitor);
    if (m === undefined) return;
    for (const entry of entries) {
      const t = this.#groups.indexOf.get(entry.target);
      if (t === undefined) continue;
      const k = (this.#groups.monitorsOf[t] as Int32Array).indexOf(m);
      if (k >= 0) (this.#slots[t] as (TargetFacts | undefined)[])[k] = entry;
    }
  }

  /** The entries about `node`, in the order of its monitors. */
  about(node: string): (TargetFacts | undefined)[] {
    const t = this.#groups.indexOf.get(node);
    return t === undefined ? [] : (this.#slots[t] as (TargetFacts | undefined)[]);
  }
}
