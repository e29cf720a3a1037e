import { assignGroups, type GroupAssignment } from '../monitoring/assignment.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import { Findings, list, messageOf, show } from './verification-findings.ts';
import type { PublishedGroup, VerifyEpochInput } from './verification-types.ts';

// The groups check: the published assignments against the groups recomputed from the member
// snapshot and the seed.

function groupDifferences(
  recomputed: GroupAssignment,
  published: readonly PublishedGroup[],
  out: Findings,
): void {
  const seen = new Set<string>();
  for (const group of published) {
    const subject = `group of ${group.target}`;
    const expected = recomputed.monitorsOf.get(group.target);
    if (seen.has(group.target)) {
      out.add('groups', subject, `assignments: ${subject}: published twice`);
      continue;
    }
    seen.add(group.target);
    if (expected === undefined) {
      out.add('groups', subject, `assignments: ${subject}: published, but ${group.target} is not a member`, {
        published: group.monitors,
      });
      continue;
    }
    const want = [...expected].sort(compareCodeUnits);
    const got = [...group.monitors].sort(compareCodeUnits);
    if (want.join('\n') !== got.join('\n')) {
      out.add(
        'groups',
        subject,
        `assignments: ${subject}: published monitors ${list(got)}, recomputed ${list(want)}`,
        {
          published: got,
          recomputed: want,
        },
      );
    }
  }
  for (const target of [...recomputed.monitorsOf.keys()].sort(compareCodeUnits)) {
    if (!seen.has(target)) {
      const want = [...(recomputed.monitorsOf.get(target) ?? [])].sort(compareCodeUnits);
      out.add(
        'groups',
        `group of ${target}`,
        `assignments: group of ${target}: not published, recomputed monitors ${list(want)}`,
        { recomputed: want },
      );
    }
  }
}

/**
 * Compares the groups a coordinator published with a recomputed assignment: one line per target
 * whose monitors differ, is missing, or is not a member. Monitors compare as sets, listed sorted.
 */
export function compareGroups(recomputed: GroupAssignment, published: readonly PublishedGroup[]): string[] {
  const out = new Findings();
  groupDifferences(recomputed, published, out);
  return out.list.map((d) => d.line);
}

/** Recomputes the groups from the member snapshot and the published seed; null when impossible. */
export function recomputeGroups(
  input: VerifyEpochInput,
  memberIds: string[],
  out: Findings,
): GroupAssignment | null {
  const { epoch: view, assignments } = input;
  if (view.members !== null && view.members !== memberIds.length) {
    out.add(
      'groups',
      "the epoch's members",
      `epoch: members is ${view.members}, the assignments list ${memberIds.length}`,
      {
        published: view.members,
        recomputed: memberIds.length,
      },
    );
  }
  if (view.group_size !== null && view.group_size !== assignments.group_size) {
    out.add(
      'groups',
      "the epoch's group_size",
      `epoch: group_size is ${view.group_size}, the assignments say ${show(assignments.group_size)}`,
      { published: view.group_size, recomputed: assignments.group_size },
    );
  }
  const cap = Math.max(memberIds.length - 1, 0);
  if (assignments.group_size > cap) {
    out.add(
      'groups',
      'group size',
      `assignments: group_size ${assignments.group_size} is more than members − 1 (${cap})`,
      { published: assignments.group_size },
    );
  }
  try {
    const recomputed = assignGroups({
      nodes: memberIds,
      groupSize: assignments.group_size,
      seedHex: assignments.seed,
    });
    groupDifferences(recomputed, assignments.groups, out);
    return recomputed;
  } catch (error) {
    out.add('groups', 'groups', `assignments: cannot recompute the groups: ${messageOf(error)}`);
    return null;
  }
}
