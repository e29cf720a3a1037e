import type { DatabaseSync } from 'node:sqlite';
import { type OutboxItem, OutboxStore } from '../../node-client/outbox/store.ts';
import { transaction, withFullSync } from './database.ts';

export type OutboxKind = 'report' | 'interim';

/** The agent's outbox items: reports and interim summaries, each about an epoch (`subject`). */
export type OutboxRow = OutboxItem<OutboxKind, number>;

/** The agent's outbox in its log. */
export function agentOutbox(db: DatabaseSync): OutboxStore<OutboxKind, number> {
  return new OutboxStore<OutboxKind, number>(db);
}

/** Queues an interim summary for delivery. */
export function enqueueInterim(db: DatabaseSync, epoch: number, body: string, nowMs: number): number {
  return agentOutbox(db).add('interim', epoch, body, nowMs);
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
  const outbox = agentOutbox(db);
  return withFullSync(db, () =>
    transaction(db, () => {
      const existing = outbox.find('report', epoch);
      if (existing !== null) return { row: existing, created: false };
      outbox.add('report', epoch, build(), nowMs);
      return { row: outbox.find('report', epoch)!, created: true };
    }),
  );
}

/** The epoch's report row, whatever its state; null before it was built. */
export function reportRow(db: DatabaseSync, epoch: number): OutboxRow | null {
  return agentOutbox(db).find('report', epoch);
}

/** The newest epoch's report row, for /metrics' last report status. */
export function latestReportRow(db: DatabaseSync): OutboxRow | null {
  return agentOutbox(db).latest('report');
}

/** Rows still to deliver. */
export function outboxDepth(db: DatabaseSync): number {
  return agentOutbox(db).depth();
}
