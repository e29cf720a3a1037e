import { shortenUrl } from '../../config/redact.ts';
import { utilizationResolveBelowPct } from '../../core/capacity/alerts.ts';
import type { Db, Tx } from '../../store/capabilities.ts';
import {
  type CapacityAlertSettingsRow,
  readCapacityAlertSettings,
  writeCapacityAlertSettings,
} from '../../store/repositories/capacity-alerts.ts';
import type { Store } from '../../store/store.ts';
import { type WebhookFormat, webhookChannel } from '../alerts/config.ts';
import { type SmtpConfig, smtpUnavailableReason } from '../alerts/smtp.ts';
import { badRequest } from '../errors.ts';

/** Most webhooks the API keeps: a list to alert, not a fan-out service. */
export const MAX_API_WEBHOOKS = 10;

/** A webhook set through the API. Its URL is the receiver's credential: stored, never shown. */
export interface ApiWebhook {
  url: string;
  format: WebhookFormat;
}

/** The settings capacity alerts are evaluated and sent with, whichever way each was set. */
export interface CapacityAlertSettings {
  thresholdPct: number;
  thresholdSource: 'api' | 'configuration';
  notificationEmail: string | null;
  webhooks: ApiWebhook[];
  updatedAt: number | null;
  updatedBy: string | null;
}

/** What the settings need of the configuration. */
export interface CapacityAlertSettingsDeps {
  /** `capacity.alert_threshold_pct`: the threshold until an operator sets one. */
  configThresholdPct: number;
  smtp: SmtpConfig;
}

/** A change from `POST /sla/capacity/alerts/configure`: an absent field keeps its value. */
export interface CapacityAlertChange {
  /** Null: back to the configuration's threshold. */
  threshold_pct?: number | null;
  /** Null: no e-mail. */
  notification_email?: string | null;
  /** Replaces the whole list: new ones by URL, those in effect by id (GET's); [] removes them all. */
  webhooks?: ReadonlyArray<{ url?: string; format?: WebhookFormat; id?: string }>;
}

function parseWebhooks(json: string): ApiWebhook[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as ApiWebhook[]) : [];
  } catch {
    return [];
  }
}

function fromRow(
  row: CapacityAlertSettingsRow | undefined,
  { configThresholdPct }: CapacityAlertSettingsDeps,
) {
  const stored = row?.threshold_pct ?? null;
  return {
    thresholdPct: stored ?? configThresholdPct,
    thresholdSource: stored === null ? 'configuration' : 'api',
    notificationEmail: row?.notification_email ?? null,
    webhooks: row === undefined ? [] : parseWebhooks(row.webhooks),
    updatedAt: row?.updated_at ?? null,
    updatedBy: row?.updated_by ?? null,
  } satisfies CapacityAlertSettings;
}

/** The effective settings: what operators stored over the configuration's defaults. */
export async function readCapacityAlertSettingsEffective(
  db: Db | Tx,
  deps: CapacityAlertSettingsDeps,
): Promise<CapacityAlertSettings> {
  return fromRow(await readCapacityAlertSettings(db), deps);
}

// The WHATWG form's e-mail syntax: what people type as an address, without RFC 5322's comments and quotes.
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function checkedEmail(value: string | null): string | null {
  if (value === null) return null;
  if (value.length > 254 || !EMAIL.test(value)) {
    throw badRequest(
      `body.notification_email ${JSON.stringify(value)} is not an e-mail address (name@domain)`,
    );
  }
  return value;
}

/**
 * The list a change sets: each new webhook checked, each one kept by id found among those in
 * effect (`stored`), none twice.
 */
function checkedWebhooks(
  list: NonNullable<CapacityAlertChange['webhooks']>,
  stored: readonly ApiWebhook[],
): ApiWebhook[] {
  if (list.length > MAX_API_WEBHOOKS)
    throw badRequest(`body.webhooks must NOT have more than ${MAX_API_WEBHOOKS} items`);
  const seen = new Map<string, number>();
  return list.map((item, i) => {
    let webhook: ApiWebhook;
    if (item.id !== undefined) {
      if (item.url !== undefined || item.format !== undefined)
        throw badRequest(`body.webhooks[${i}] keeps a webhook by id: it takes no url or format`);
      const found = stored.find((w) => webhookChannel(w) === item.id);
      if (found === undefined)
        throw badRequest(`body.webhooks[${i}].id ${JSON.stringify(item.id)} is not a webhook in effect`);
      webhook = found;
    } else {
      const { url, format = 'json' } = item;
      if (url === undefined) throw badRequest(`body.webhooks[${i}] is missing the required field "url"`);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw badRequest(`body.webhooks[${i}].url is not a URL`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw badRequest(
          `body.webhooks[${i}].url must be http or https, not ${parsed.protocol.slice(0, -1)}`,
        );
      }
      webhook = { url, format };
    }
    const channel = webhookChannel(webhook);
    const earlier = seen.get(channel);
    if (earlier !== undefined) throw badRequest(`body.webhooks[${i}] repeats body.webhooks[${earlier}]`);
    seen.set(channel, i);
    return webhook;
  });
}

/** Applies an operator's change and returns the settings in effect after it. */
export async function configureCapacityAlerts(
  store: Pick<Store, 'transaction'>,
  change: CapacityAlertChange,
  { by, now, ...deps }: CapacityAlertSettingsDeps & { by: string | null; now: number },
): Promise<CapacityAlertSettings> {
  // Checked before anything is written (a webhook kept by id against those stored), so a bad
  // body changes nothing.
  const email = change.notification_email === undefined ? undefined : checkedEmail(change.notification_email);
  return store.transaction(async (trx) => {
    const row = await readCapacityAlertSettings(trx);
    const webhooks =
      change.webhooks === undefined
        ? undefined
        : checkedWebhooks(change.webhooks, row === undefined ? [] : parseWebhooks(row.webhooks));
    const next = {
      threshold_pct: change.threshold_pct === undefined ? (row?.threshold_pct ?? null) : change.threshold_pct,
      notification_email: email === undefined ? (row?.notification_email ?? null) : email,
      webhooks: webhooks === undefined ? (row?.webhooks ?? '[]') : JSON.stringify(webhooks),
      updated_at: now,
      updated_by: by,
    };
    await writeCapacityAlertSettings(trx, next);
    return fromRow({ id: 1, ...next }, deps);
  });
}

/** A webhook as the API shows it: scheme and host, and the channel name whose hash tells URLs apart. */
export function redactedWebhook(webhook: ApiWebhook): { id: string; url: string; format: WebhookFormat } {
  return { id: webhookChannel(webhook), url: shortenUrl(webhook.url), format: webhook.format };
}

/** Whether alert e-mail can go out, and why not. */
export function emailDelivery(
  settings: Pick<CapacityAlertSettings, 'notificationEmail'>,
  smtp: SmtpConfig,
): { deliverable: boolean; reason: string | null } {
  if (settings.notificationEmail === null)
    return { deliverable: false, reason: 'no notification_email is set' };
  const reason = smtpUnavailableReason(smtp);
  return { deliverable: reason === null, reason };
}

/** Below what utilisation an open utilisation alert resolves, for the settings' threshold. */
export function resolveBelowPct(settings: Pick<CapacityAlertSettings, 'thresholdPct'>): number {
  return utilizationResolveBelowPct(settings.thresholdPct);
}
