import type { DatabaseSync } from 'node:sqlite';
import { canonicalJson } from '../../core/crypto/index.ts';
import type { InterimSummary, InterimTarget } from '../coordinator-views.ts';
import { transaction } from './database.ts';
import { enqueueInterim } from './outbox.ts';

/**
 * Queues the epoch's probes logged since the last summary as one interim summary, and moves
 * the epoch's cursor past them, in one transaction: each probe is summarized once, and a
 * crash leaves either both or neither. The cursor follows rowids (the order probes were
 * logged), not probe times, so a slow probe logged after a quicker, later one is not skipped.
 * Returns the outbox id and how many probes went in, or null when there was nothing new.
 */
export function queueInterimSummary(
  db: DatabaseSync,
  { epoch, monitor, probe_interval_s }: { epoch: number; monitor: string; probe_interval_s: number },
  nowMs: number,
): { id: number; probes: number } | null {
  return transaction(db, () => {
    const cursor = db.prepare('SELECT through_rowid FROM interim_cursor WHERE epoch = ?').get(epoch) as
      | { through_rowid: number }
      | undefined;
    const rows = db
      .prepare(
        'SELECT rowid AS id, target, at_ms, up FROM samples WHERE epoch = ? AND rowid > ? ORDER BY target, at_ms',
      )
      .all(epoch, cursor?.through_rowid ?? 0) as Array<{
      id: number;
      target: string;
      at_ms: number;
      up: number;
    }>;
    if (rows.length === 0) return null;
    const targets: InterimTarget[] = [];
    let through = 0;
    for (const row of rows) {
      let last = targets.at(-1);
      if (last?.target !== row.target) {
        last = { target: row.target, probes: [] };
        targets.push(last);
      }
      last.probes.push([row.at_ms, row.up === 1 ? 1 : 0]);
      if (row.id > through) through = row.id;
    }
    const summary: InterimSummary = { monitor, probe_interval_s, targets };
    const id = enqueueInterim(db, epoch, canonicalJson(summary), nowMs);
    db.prepare(
      'INSERT INTO interim_cursor (epoch, through_rowid) VALUES (?, ?) ON CONFLICT (epoch) DO UPDATE SET through_rowid = excluded.through_rowid',
    ).run(epoch, through);
    return { id, probes: rows.length };
  });
}
