import type { DatabaseSync } from 'node:sqlite';
import { CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import type { AgentCalls } from './coordinator-calls.ts';
import type { EpochView } from './coordinator-views.ts';
import { type StoredAssignment, saveAssignment } from './log/assignments.ts';

export interface AssignmentReader {
  /** This node's assignment for the epoch, saved to the log; null when there is none (yet). */
  read(epoch: EpochView): Promise<StoredAssignment | null>;
  /** Whether the coordinator said this node is not a member of the epoch. */
  notMember(epoch: number): boolean;
}

/**
 * Reads what this node audits in an epoch and keeps it in the log, so a restart (with the
 * coordinator down, even) resumes probing. A node that is not a member is told once per
 * epoch, with why; an epoch whose groups are not published yet is asked again later.
 */
export function createAssignmentReader({
  calls,
  db,
  nodeId,
  log,
  now,
}: {
  calls: AgentCalls;
  db: DatabaseSync;
  nodeId: string;
  log: Logger;
  now: () => number;
}): AssignmentReader {
  const announcedNotMember = new Set<number>();

  function explain(epoch: number, error: unknown): void {
    if (error instanceof CoordinatorError && error.status === 404) {
      if (announcedNotMember.has(epoch)) return;
      announcedNotMember.add(epoch);
      log.warn(
        { epoch, node_id: nodeId },
        'this node is not a member of the current epoch (members are fixed when an epoch starts: register before it); waiting for the next epoch',
      );
    } else if (error instanceof CoordinatorError && error.slug === 'epoch-not-ready') {
      log.debug({ epoch }, 'the epoch’s groups are not published yet');
    } else {
      log.warn({ epoch, error: (error as Error).message }, 'could not fetch the assignment');
    }
  }

  return {
    async read(epoch) {
      try {
        const answer = await calls.assignment(epoch.epoch, nodeId);
        const assignment: StoredAssignment = {
          epoch: epoch.epoch,
          start_ms: epoch.start_ms,
          end_ms: epoch.end_ms,
          report_window_end_ms: epoch.report_window_end_ms,
          probe_interval_s: epoch.monitoring.probe_interval_s,
          probe_timeout_ms: epoch.monitoring.probe_timeout_ms,
          targets: answer.targets.map(({ node_id, endpoint, agent_url }) => ({
            node_id,
            endpoint,
            agent_url,
          })),
        };
        saveAssignment(db, assignment, now());
        return assignment;
      } catch (error) {
        explain(epoch.epoch, error);
        return null;
      }
    },
    notMember: (epoch) => announcedNotMember.has(epoch),
  };
}
