import { assignGroups, type GroupAssignment } from '../../core/monitoring/assignment.ts';
import type { Db, Tx } from '../../store/capabilities.ts';
import { type EpochMember, type EpochRow, epochMembers } from '../../store/repositories/epochs.ts';

/** An epoch whose seed and member snapshot exist: its groups can be drawn. */
export type ReadyEpoch = EpochRow & { seed: string; group_size: number; members_taken_at: number };

export function isReady(row: EpochRow): row is ReadyEpoch {
  return row.seed !== null && row.group_size !== null && row.members_taken_at !== null;
}

export interface EpochGroups {
  members: EpochMember[];
  assignment: GroupAssignment;
}

/** Draws an epoch's groups from its snapshot and seed (docs/decisions/0012). */
export async function drawGroups(db: Db | Tx, row: ReadyEpoch): Promise<EpochGroups> {
  const members = await epochMembers(db, row.epoch);
  const assignment = assignGroups({
    nodes: members.map((m) => m.node_id),
    groupSize: row.group_size,
    seedHex: row.seed,
  });
  return { members, assignment };
}

/**
 * Groups of the last few epochs, kept in memory: a snapshot and a seed never change once
 * set, and at 10,000 nodes drawing the groups costs tens of milliseconds, paid once per
 * epoch instead of once per agent asking.
 */
export function createGroupCache(size = 4) {
  const cache = new Map<number, { seed: string; groups: Promise<EpochGroups> }>();
  return async function groupsOf(db: Db | Tx, row: ReadyEpoch): Promise<EpochGroups> {
    const hit = cache.get(row.epoch);
    if (hit !== undefined && hit.seed === row.seed) return hit.groups;
    const groups = drawGroups(db, row);
    cache.set(row.epoch, { seed: row.seed, groups });
    groups.catch(() => cache.delete(row.epoch));
    while (cache.size > size) cache.delete(cache.keys().next().value as number);
    return groups;
  };
}

export type GroupCache = ReturnType<typeof createGroupCache>;
