import type { Selectable } from 'kysely';
import { compareCodeUnits } from '../../core/reports/summarize.ts';
import type { Db, Tx } from '../capabilities.ts';
import type { MonitorReportsTable } from '../schema-epochs.ts';

export type MonitorReportRow = Selectable<MonitorReportsTable>;

export type StoreReportResult =
  /** The report is new and now stored. */
  | { outcome: 'stored'; row: MonitorReportRow }
  /** The same report (same digest) was already stored: nothing changed. */
  | { outcome: 'duplicate'; row: MonitorReportRow }
  /** The monitor already has a different report for the epoch: nothing changed. */
  | { outcome: 'conflict'; row: MonitorReportRow };

/**
 * Stores a monitor's report for an epoch once. Insert first: of two concurrent submissions
 * exactly one inserts, and the other compares digests with the stored row.
 */
export async function storeReport(trx: Tx, row: MonitorReportRow): Promise<StoreReportResult> {
  const inserted = await trx
    .insertInto('monitor_reports')
    .values(row)
    .onConflict((oc) => oc.columns(['epoch', 'monitor']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { outcome: 'stored', row };
  const existing = await trx
    .selectFrom('monitor_reports')
    .selectAll()
    .where('epoch', '=', row.epoch)
    .where('monitor', '=', row.monitor)
    .executeTakeFirstOrThrow();
  return { outcome: existing.digest === row.digest ? 'duplicate' : 'conflict', row: existing };
}

/** Every accepted report of an epoch, sorted by monitor (UTF-16 code units). */
export async function epochReports(db: Db | Tx, epoch: number): Promise<MonitorReportRow[]> {
  const rows = await db.selectFrom('monitor_reports').selectAll().where('epoch', '=', epoch).execute();
  return rows.sort((a, b) => compareCodeUnits(a.monitor, b.monitor));
}

export async function epochReportCount(db: Db | Tx, epoch: number): Promise<number> {
  const row = await db
    .selectFrom('monitor_reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('epoch', '=', epoch)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
