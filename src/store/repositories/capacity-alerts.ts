import type { Selectable } from 'kysely';
import type { CapacityAlertKind, OpenCapacityAlert } from '../../core/capacity/alerts.ts';
import type { Db, Tx } from '../capabilities.ts';
import type { CapacityAlertSettingsTable, CapacityAlertsTable } from '../schema-capacity.ts';

export type CapacityAlertSettingsRow = Selectable<CapacityAlertSettingsTable>;
export type CapacityAlertRow = Selectable<CapacityAlertsTable>;

const SETTINGS_ID = 1;

/** The operators' capacity alert settings; undefined until they first set any. */
export function readCapacityAlertSettings(db: Db | Tx): Promise<CapacityAlertSettingsRow | undefined> {
  return db
    .selectFrom('capacity_alert_settings')
    .selectAll()
    .where('id', '=', SETTINGS_ID)
    .executeTakeFirst();
}

/** The settings as a whole: what the caller merged from the stored row and the request. */
export interface CapacityAlertSettingsWrite {
  threshold_pct: number | null;
  notification_email: string | null;
  /** JSON text. */
  webhooks: string;
  updated_at: number;
  updated_by: string | null;
}

/** Writes the one settings row, creating it the first time. */
export async function writeCapacityAlertSettings(
  db: Db | Tx,
  settings: CapacityAlertSettingsWrite,
): Promise<void> {
  await db
    .insertInto('capacity_alert_settings')
    .values({ id: SETTINGS_ID, ...settings })
    .onConflict((oc) => oc.column('id').doUpdateSet(settings))
    .execute();
}

function toOpen(row: CapacityAlertRow): OpenCapacityAlert {
  return {
    id: row.id,
    kind: row.kind,
    openedAt: row.opened_at,
    thresholdPct: row.threshold_pct,
    valuePct: row.value_pct,
    worstPct: row.worst_pct,
    forecastAt: row.forecast_at,
  };
}

/** The capacity alerts that are open, oldest first. */
export async function readOpenCapacityAlerts(db: Db | Tx): Promise<OpenCapacityAlert[]> {
  const rows = await listCapacityAlerts(db, { open: true, limit: 100 });
  return rows.map(toOpen);
}

/** Capacity alerts, newest first: only the open ones, or all of them. */
export function listCapacityAlerts(
  db: Db | Tx,
  { open, limit }: { open: boolean; limit: number },
): Promise<CapacityAlertRow[]> {
  return db
    .selectFrom('capacity_alerts')
    .selectAll()
    .$if(open, (q) => q.where('resolved_at', 'is', null))
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export interface FiredCapacityAlert {
  id: string;
  kind: CapacityAlertKind;
  thresholdPct: number;
  valuePct: number;
  forecastAt: number | null;
}

export async function insertCapacityAlert(
  trx: Db | Tx,
  alert: FiredCapacityAlert,
  now: number,
): Promise<void> {
  await trx
    .insertInto('capacity_alerts')
    .values({
      id: alert.id,
      kind: alert.kind,
      opened_at: now,
      threshold_pct: alert.thresholdPct,
      value_pct: alert.valuePct,
      worst_pct: alert.valuePct,
      last_value_pct: alert.valuePct,
      forecast_at: alert.forecastAt,
      updated_at: now,
      resolved_at: null,
    })
    .execute();
}

/** An open alert's latest reading. */
export async function updateCapacityAlert(
  trx: Db | Tx,
  id: string,
  update: { lastValuePct: number | null; worstPct: number; forecastAt: number | null },
  now: number,
): Promise<void> {
  await trx
    .updateTable('capacity_alerts')
    .set({
      last_value_pct: update.lastValuePct,
      worst_pct: update.worstPct,
      forecast_at: update.forecastAt,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .execute();
}

export async function resolveCapacityAlert(
  trx: Db | Tx,
  id: string,
  lastValuePct: number | null,
  now: number,
): Promise<void> {
  await trx
    .updateTable('capacity_alerts')
    .set({ last_value_pct: lastValuePct, updated_at: now, resolved_at: now })
    .where('id', '=', id)
    .where('resolved_at', 'is', null)
    .execute();
}
