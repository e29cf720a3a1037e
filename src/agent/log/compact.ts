import type { DatabaseSync } from 'node:sqlite';
import { agentOutbox } from './outbox.ts';

/**
 * Drops what the log kept for an epoch whose report the coordinator accepted: its probes,
 * its interim cursor, its refused interim summaries (delivered ones are gone already) and its
 * assignment. The report row stays as the record of what was sent. Called inside the
 * transaction that marks the report delivered, so a crash never leaves one without the other.
 */
export function compactReportedEpoch(db: DatabaseSync, epoch: number): { samples: number } {
  const samples = Number(db.prepare('DELETE FROM samples WHERE epoch = ?').run(epoch).changes);
  db.prepare('DELETE FROM interim_cursor WHERE epoch = ?').run(epoch);
  agentOutbox(db).removeSettled('interim', epoch);
  db.prepare('DELETE FROM assignments WHERE epoch = ?').run(epoch);
  return { samples };
}
