import type { Db, Tx } from '../../store/capabilities.ts';
import {
  deletePendingDeliveries,
  enqueueDeliveries,
  type NewDelivery,
  pendingDeliveries,
} from '../../store/repositories/outbox.ts';
import { ALERTMANAGER_CHANNEL, type AlertsConfig, webhookChannel } from './config.ts';
import type { CollectionAlerts } from './events.ts';
import { type AlertmanagerAlert, alertKey, formatAlertmanager } from './format-alertmanager.ts';
import { formatJson } from './format-json.ts';
import { formatSlack } from './format-slack.ts';

export interface EnqueueOptions {
  now: number;
  config: AlertsConfig;
  /** The SLA collection interval; Alertmanager keeps an alert firing 4 intervals after it was last sent. */
  collectionIntervalMs?: number;
}

const DEFAULT_COLLECTION_INTERVAL_MS = 300_000;

/** The alerts' rows in the coordinator's outbox. */
export const ALERTS_STREAM = 'alerts';

/**
 * Writes one collection's alerts to the outbox, inside the collection's own transaction:
 * the alerts exist exactly when the violations they speak of do, and nothing here waits
 * on a receiver. Each row holds its finished body and its channel name; the dispatcher
 * finds the URL and headers by that name in the configuration at send time (see
 * `channelTargets`). One row per distinct webhook when there are events; one Alertmanager
 * row when anything is firing or has just ended. Returns the ids written.
 */
export async function enqueueAlerts(
  trx: Db | Tx,
  alerts: CollectionAlerts,
  { now, config, collectionIntervalMs = DEFAULT_COLLECTION_INTERVAL_MS }: EnqueueOptions,
): Promise<string[]> {
  const rows: NewDelivery[] = [];
  const row = (channel: string, body: unknown): NewDelivery => ({ channel, payload: JSON.stringify(body) });

  if (alerts.events.length > 0) {
    const seen = new Set<string>();
    for (const webhook of config.webhooks) {
      const channel = webhookChannel(webhook);
      // The same receiver listed twice is one receiver: it should hear each event once.
      if (seen.has(channel)) continue;
      seen.add(channel);
      const body = webhook.format === 'slack' ? formatSlack(alerts.events) : formatJson(alerts.events, now);
      rows.push(row(channel, body));
    }
  }

  if (config.alertmanager_url !== null) {
    const fresh = formatAlertmanager(alerts, { now, firingTtlMs: 4 * collectionIntervalMs });
    if (fresh.length > 0) rows.push(row(ALERTMANAGER_CHANNEL, await supersedePending(trx, fresh)));
  }

  return enqueueDeliveries(trx, ALERTS_STREAM, rows, now);
}

/**
 * Each Alertmanager row is a full snapshot, so an older one still waiting (Alertmanager was
 * down) is obsolete: sent late, after a newer one, it would fire again what has since been
 * resolved. It is deleted here, in the same transaction, and only what the newer snapshot
 * cannot say — the ends it carried — moves into the new row. A row deleted while a
 * dispatcher is sending it may still arrive; every alert in it is also in the new row or
 * ended, and Alertmanager takes repeats in its stride.
 */
export async function supersedePending(
  trx: Db | Tx,
  fresh: AlertmanagerAlert[],
  channel: string = ALERTMANAGER_CHANNEL,
): Promise<AlertmanagerAlert[]> {
  const older = await pendingDeliveries(trx, ALERTS_STREAM, channel);
  if (older.length === 0) return fresh;

  const freshKeys = new Set(fresh.map(alertKey));
  const carried = new Map<string, { alert: AlertmanagerAlert; endsAt: number }>();
  for (const { payload, created_at } of older) {
    for (const alert of parseAlerts(payload)) {
      const endsAt = alert.endsAt === undefined ? Number.NaN : Date.parse(alert.endsAt);
      // Firing entries end in the future (a time-to-live); those ending by the row's own time are resolutions.
      if (!(endsAt <= created_at)) continue;
      const key = alertKey(alert);
      if (freshKeys.has(key)) continue;
      const previous = carried.get(key);
      if (previous === undefined || previous.endsAt < endsAt) carried.set(key, { alert, endsAt });
    }
  }
  await deletePendingDeliveries(
    trx,
    older.map((r) => r.id),
  );
  return [...fresh, ...[...carried.values()].map((c) => c.alert)];
}

function parseAlerts(payload: string): AlertmanagerAlert[] {
  try {
    const parsed: unknown = JSON.parse(payload);
    return Array.isArray(parsed) ? (parsed as AlertmanagerAlert[]) : [];
  } catch {
    return [];
  }
}
