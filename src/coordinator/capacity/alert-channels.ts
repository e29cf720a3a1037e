import type { Db, Tx } from '../../store/capabilities.ts';
import { enqueueDeliveries, type NewDelivery } from '../../store/repositories/outbox.ts';
import { type AlertsConfig, alertmanagerAlertsUrl, webhookChannel } from '../alerts/config.ts';
import type { ChannelSend, ExtraChannels } from '../alerts/dispatcher.ts';
import { ALERTS_STREAM, supersedePending } from '../alerts/outbox.ts';
import { type FetchLike, sendPayload } from '../alerts/send.ts';
import { emailChannel, type MailSend } from '../alerts/smtp.ts';
import {
  type CapacityAlertEvent,
  capacityAlertmanager,
  capacityEmail,
  capacityJson,
  capacitySlack,
  type FiringCapacityAlert,
} from './alert-messages.ts';
import {
  type CapacityAlertSettings,
  type CapacityAlertSettingsDeps,
  readCapacityAlertSettingsEffective,
} from './alert-settings.ts';

/**
 * Capacity alerts' own Alertmanager channel, at the configured Alertmanager: its rows are
 * snapshots of the capacity alerts alone, so they supersede each other and never an SLA
 * collection's snapshot (which would drop the violations it fires).
 */
export const CAPACITY_ALERTMANAGER_CHANNEL = 'alertmanager:capacity';

export interface CapacityDelivery {
  alerts: AlertsConfig;
  /** Null: no SMTP server, no e-mail rows. */
  mail: MailSend | null;
  collectionIntervalMs: number;
}

/**
 * Writes one collection's capacity alerts to the outbox, in the caller's transaction: one row
 * per receiver when something fired or resolved (the configured webhooks, the API's webhooks,
 * the e-mail address when an SMTP server is configured), and an Alertmanager snapshot while
 * anything is open or has just resolved. Returns the ids written.
 */
export async function enqueueCapacityAlerts(
  trx: Db | Tx,
  { events, firing }: { events: readonly CapacityAlertEvent[]; firing: readonly FiringCapacityAlert[] },
  settings: CapacityAlertSettings,
  { alerts, mail, collectionIntervalMs }: CapacityDelivery,
  now: number,
): Promise<string[]> {
  const rows: NewDelivery[] = [];
  if (events.length > 0) {
    const seen = new Set<string>();
    for (const webhook of [...alerts.webhooks, ...settings.webhooks]) {
      const channel = webhookChannel(webhook);
      if (seen.has(channel)) continue;
      seen.add(channel);
      const body = webhook.format === 'slack' ? capacitySlack(events) : capacityJson(events, now);
      rows.push({ channel, payload: JSON.stringify(body) });
    }
    if (mail !== null && settings.notificationEmail !== null) {
      rows.push({
        channel: emailChannel(settings.notificationEmail),
        payload: JSON.stringify(capacityEmail(events)),
      });
    }
  }
  if (alerts.alertmanager_url !== null) {
    const fresh = capacityAlertmanager(events, firing, { now, firingTtlMs: 4 * collectionIntervalMs });
    if (fresh.length > 0) {
      const body = await supersedePending(trx, fresh, CAPACITY_ALERTMANAGER_CHANNEL);
      rows.push({ channel: CAPACITY_ALERTMANAGER_CHANNEL, payload: JSON.stringify(body) });
    }
  }
  return enqueueDeliveries(trx, ALERTS_STREAM, rows, now);
}

/**
 * The dispatcher's senders for capacity alerts' channels that the configuration does not list:
 * the API's webhooks and e-mail address as stored now (a row for one since removed or
 * replaced finds no sender and fails), and capacity's Alertmanager channel.
 */
export function capacityChannels({
  db,
  alerts,
  mail,
  settings,
  fetch,
}: {
  db: Db;
  alerts: AlertsConfig;
  mail: MailSend | null;
  settings: CapacityAlertSettingsDeps;
  fetch: FetchLike;
}): ExtraChannels {
  return async (names) => {
    const senders = new Map<string, ChannelSend>();
    if (alerts.alertmanager_url !== null && names.includes(CAPACITY_ALERTMANAGER_CHANNEL)) {
      const target = { url: alertmanagerAlertsUrl(alerts.alertmanager_url), headers: {} };
      senders.set(CAPACITY_ALERTMANAGER_CHANNEL, (payload, options) =>
        sendPayload(fetch, target, payload, options),
      );
    }
    if (!names.some((n) => n.startsWith('webhook:') || n.startsWith('email:'))) return senders;
    const stored = await readCapacityAlertSettingsEffective(db, settings);
    for (const webhook of stored.webhooks) {
      const target = { url: webhook.url, headers: {} };
      senders.set(webhookChannel(webhook), (payload, options) =>
        sendPayload(fetch, target, payload, options),
      );
    }
    const to = stored.notificationEmail;
    if (mail !== null && to !== null) {
      senders.set(emailChannel(to), (payload, { timeoutMs }) => mail(to, payload, { timeoutMs }));
    }
    return senders;
  };
}
