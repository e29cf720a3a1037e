import { compareCodeUnits } from '../../core/reports/summarize.ts';
import { toIso } from '../../core/time.ts';
import type { Db } from '../../store/capabilities.ts';
import { type EpochMemberContact, epochMemberContacts } from '../../store/repositories/epochs.ts';
import { getSettlement } from '../../store/repositories/settlements.ts';
import { badRequest, Conflict, notFound } from '../errors.ts';
import { isReady } from './assignments.ts';
import type { EpochService } from './service.ts';
import { epochNotReady, findEpoch, retryAfterSeconds } from './views.ts';

const sorted = (ids: readonly string[]) => [...ids].sort(compareCodeUnits);

/** Whose groups to show: everyone's, what one node audits (monitor) or who audits it (target). */
export interface AssignmentQuery {
  monitor?: string | undefined;
  target?: string | undefined;
}

/**
 * An epoch's monitoring groups as the public reads them, with the members' contacts; 409
 * while its seed or member snapshot is not known, 404 for a node that is not a member.
 */
export async function readAssignments(
  db: Db,
  epochs: EpochService,
  { epoch, monitor, target }: AssignmentQuery & { epoch: number },
  now: number,
) {
  if (monitor !== undefined && target !== undefined) {
    throw badRequest('give monitor or target, not both');
  }
  const { row } = await findEpoch(db, epochs, epoch, now);
  if (!isReady(row)) throw epochNotReady(epochs, row, now);
  const { assignment } = await epochs.groupsOf(db, row);
  const contacts = new Map<string, EpochMemberContact>();
  for (const c of await epochMemberContacts(db, epoch)) contacts.set(c.node_id, c);
  const head = { epoch, seed: row.seed, group_size: assignment.groupSize };
  const membersOf = (ids: readonly string[]) =>
    sorted(ids).map((id) => contacts.get(id) as EpochMemberContact);
  const member = (id: string) => {
    if (!contacts.has(id)) throw notFound(`node ${id} is not a member of epoch ${epoch}`);
    return id;
  };
  if (monitor !== undefined) {
    return { ...head, monitor: member(monitor), targets: membersOf(assignment.targetsOf.get(monitor) ?? []) };
  }
  if (target !== undefined) {
    return { ...head, target: member(target), monitors: membersOf(assignment.monitorsOf.get(target) ?? []) };
  }
  const members = [...contacts.values()];
  return {
    ...head,
    members,
    groups: members.map(({ node_id }) => ({
      target: node_id,
      monitors: sorted(assignment.monitorsOf.get(node_id) ?? []),
    })),
  };
}

/** An epoch's signed settlement as stored; `not-settled` (409, with when to retry) before it is. */
export async function readSettlement(db: Db, epochs: EpochService, epoch: number, now: number) {
  const { row } = await findEpoch(db, epochs, epoch, now);
  const stored = await getSettlement(db, epoch);
  if (stored === undefined) {
    const due = Math.max(row.report_window_end_ms, now);
    throw new Conflict(
      'not-settled',
      'Not settled',
      `epoch ${epoch} is settled when its report window closes at ${toIso(row.report_window_end_ms)}`,
      { retryAfterS: retryAfterSeconds(epochs, due, now) },
    );
  }
  return stored;
}
