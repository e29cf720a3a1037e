import type { DatabaseSync } from 'node:sqlite';
import { transaction, withFullSync } from './database.ts';

export type OutboxKind = 'report' | 'interim';
export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  epoch: number;
  /** The request body, sent byte for byte on every attempt. */
  body: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Queues an interim summary for delivery. */
export function enqueueInterim(db: DatabaseSync, epoch: number, body: string, nowMs: number): number {
  return Number(
    db
      .prepare(
        "INSERT INTO outbox (kind, epoch, body, next_attempt_at, created_at) VALUES ('interim', ?, ?, ?, ?)",
      )
      .run(epoch, body, nowMs, nowMs).lastInsertRowid,
  );
}

/**
 * Stores the epoch's signed report unless one is already stored, synced to disk before this
 * returns: once a report may have reached the coordinator it must never be lost and rebuilt
 * differently (a different report for the epoch is refused for good). Returns the stored row,
 * which is the earlier one when there was one: `build` then never runs.
 */
export function storeReportOnce(
  db: DatabaseSync,
  epoch: number,
  build: () => string,
  nowMs: number,
): { row: OutboxRow; created: boolean } {
  return withFullSync(db, () =>
    transaction(db, () => {
      const existing = reportRow(db, epoch);
      if (existing !== null) return { row: existing, created: false };
      db.prepare(
        "INSERT INTO outbox (kind, epoch, body, next_attempt_at, created_at) VALUES ('report', ?, ?, ?, ?)",
      ).run(epoch, build(), nowMs, nowMs);
      return { row: reportRow(db, epoch)!, created: true };
    }),
  );
}

/** The epoch's report row, whatever its state; null before it was built. */
export function reportRow(db: DatabaseSync, epoch: number): OutboxRow | null {
  return (db.prepare("SELECT * FROM outbox WHERE kind = 'report' AND epoch = ?").get(epoch) ??
    null) as OutboxRow | null;
}

/** The newest report row, for /metrics' last report status. */
export function latestReportRow(db: DatabaseSync): OutboxRow | null {
  return (db.prepare("SELECT * FROM outbox WHERE kind = 'report' ORDER BY epoch DESC LIMIT 1").get() ??
    null) as OutboxRow | null;
}

/** Pending rows whose next attempt is due, oldest first. */
export function dueRows(db: DatabaseSync, nowMs: number, limit = 100): OutboxRow[] {
  return db
    .prepare("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?")
    .all(nowMs, limit) as unknown as OutboxRow[];
}

/** When the earliest pending row is next due; null when nothing is pending. */
export function nextDueAt(db: DatabaseSync): number | null {
  const row = db.prepare("SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'pending'").get() as {
    at: number | null;
  };
  return row.at;
}

/** Rows still to deliver. */
export function outboxDepth(db: DatabaseSync): number {
  return (db.prepare("SELECT count(*) AS n FROM outbox WHERE state = 'pending'").get() as { n: number }).n;
}

export function markDelivered(db: DatabaseSync, id: number, nowMs: number): void {
  db.prepare(
    "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?",
  ).run(nowMs, id);
}

/** A delivered interim summary is dropped at once: a month of them would be most of the log. */
export function deleteRow(db: DatabaseSync, id: number): void {
  db.prepare('DELETE FROM outbox WHERE id = ?').run(id);
}

export function markRetry(db: DatabaseSync, id: number, nextAttemptAt: number, error: string): void {
  db.prepare(
    'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
  ).run(nextAttemptAt, error, id);
}

export function markFailed(db: DatabaseSync, id: number, error: string): void {
  db.prepare("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?").run(
    error,
    id,
  );
}
