import type { DatabaseSync } from 'node:sqlite';
import { agentOutbox } from './outbox.ts';

/** Settled reports kept as the record of what was sent when nothing else is said: a year of 30-day epochs. */
export const DEFAULT_REPORTS_KEPT = 12;

/**
 * Drops what the log kept for an epoch whose report the coordinator accepted: its probes,
 * its interim cursor, its refused interim summaries (delivered ones are gone already) and its
 * assignment. The report row stays as the record of what was sent, for the newest
 * `reportsKept` epochs: older settled reports are dropped, so a log left running for ever
 * (every two minutes under `vigil up`) stays the same size. Called inside the transaction
 * that marks the report delivered, so a crash never leaves one without the other.
 */
export function compactReportedEpoch(
  db: DatabaseSync,
  epoch: number,
  reportsKept = DEFAULT_REPORTS_KEPT,
): { samples: number; reports: number } {
  const samples = Number(db.prepare('DELETE FROM samples WHERE epoch = ?').run(epoch).changes);
  db.prepare('DELETE FROM interim_cursor WHERE epoch = ?').run(epoch);
  const outbox = agentOutbox(db);
  outbox.removeSettled('interim', epoch);
  db.prepare('DELETE FROM assignments WHERE epoch = ?').run(epoch);
  const reports = outbox.removeSettledThrough('report', epoch - reportsKept);
  return { samples, reports };
}
