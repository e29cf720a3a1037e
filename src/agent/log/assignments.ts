import type { DatabaseSync } from 'node:sqlite';
import type { ProbeTarget } from '../probes/types.ts';

/** An epoch this node audits: its span, the network's probe settings and its targets. */
export interface StoredAssignment {
  epoch: number;
  start_ms: number;
  end_ms: number;
  report_window_end_ms: number;
  probe_interval_s: number;
  probe_timeout_ms: number;
  /** Sorted by node id, as the coordinator lists them; endpoints as last fetched. */
  targets: ProbeTarget[];
}

/** Saves (or refreshes) an epoch's assignment. */
export function saveAssignment(db: DatabaseSync, a: StoredAssignment, nowMs: number): void {
  db.prepare(
    `INSERT INTO assignments (epoch, start_ms, end_ms, report_window_end_ms, probe_interval_s, probe_timeout_ms, targets, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (epoch) DO UPDATE SET targets = excluded.targets, updated_at = excluded.updated_at`,
  ).run(
    a.epoch,
    a.start_ms,
    a.end_ms,
    a.report_window_end_ms,
    a.probe_interval_s,
    a.probe_timeout_ms,
    JSON.stringify(a.targets),
    nowMs,
  );
}

/** Every stored assignment, oldest epoch first. */
export function loadAssignments(db: DatabaseSync): StoredAssignment[] {
  const rows = db.prepare('SELECT * FROM assignments ORDER BY epoch').all() as Array<
    Omit<StoredAssignment, 'targets'> & { targets: string }
  >;
  return rows.map((row) => ({
    epoch: row.epoch,
    start_ms: row.start_ms,
    end_ms: row.end_ms,
    report_window_end_ms: row.report_window_end_ms,
    probe_interval_s: row.probe_interval_s,
    probe_timeout_ms: row.probe_timeout_ms,
    targets: JSON.parse(row.targets) as ProbeTarget[],
  }));
}

/** Forgets an epoch's assignment once its report is settled for us (accepted or refused for good). */
export function deleteAssignment(db: DatabaseSync, epoch: number): void {
  db.prepare('DELETE FROM assignments WHERE epoch = ?').run(epoch);
}
