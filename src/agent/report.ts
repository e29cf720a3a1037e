import type { KeyObject } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { canonicalJson } from '../core/crypto/index.ts';
import { buildReport, type ProbeSample, signReport } from '../core/reports/index.ts';
import type { StoredAssignment } from './log/assignments.ts';
import { type OutboxRow, storeReportOnce } from './log/outbox.ts';
import { samplesOfEpoch } from './log/samples.ts';

/**
 * Builds, signs and stores the epoch's one report, unless it is stored already. Every
 * assigned target is in it, with zero samples when none was counted; only probes that
 * started inside [start_ms, end_ms) count. The body kept is the RFC 8785 JSON of the signed
 * report, so every attempt (after any number of restarts) sends the same bytes, and
 * `created_at_ms` is the time it was first built.
 */
export function storeEpochReport(
  db: DatabaseSync,
  {
    assignment,
    monitor,
    privateKey,
  }: { assignment: StoredAssignment; monitor: string; privateKey: KeyObject },
  nowMs: number,
): { row: OutboxRow; created: boolean } {
  const { epoch, start_ms, end_ms, probe_interval_s } = assignment;
  return storeReportOnce(
    db,
    epoch,
    () => {
      const logged = samplesOfEpoch(db, epoch);
      const samples = new Map<string, ProbeSample[]>();
      for (const { node_id } of assignment.targets) {
        const inEpoch = (logged.get(node_id) ?? []).filter((s) => s.at_ms >= start_ms && s.at_ms < end_ms);
        samples.set(node_id, inEpoch);
      }
      const report = buildReport({ epoch, monitor, created_at_ms: nowMs, probe_interval_s, samples });
      return canonicalJson(signReport(report, privateKey));
    },
    nowMs,
  );
}
