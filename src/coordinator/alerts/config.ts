import { createHash } from 'node:crypto';

export type WebhookFormat = 'json' | 'slack';

export interface WebhookConfig {
  url: string;
  format: WebhookFormat;
  /** Sent with every request, e.g. `authorization`. Read from configuration at send time, never stored. */
  headers: Record<string, string>;
}

/** The `alerts` section of the coordinator's configuration. */
export interface AlertsConfig {
  webhooks: readonly WebhookConfig[];
  /** Base URL of an Alertmanager (`http://alertmanager:9093`); null: no Alertmanager channel. */
  alertmanager_url: string | null;
  timeout_ms: number;
  max_attempts: number;
  initial_backoff_ms: number;
  max_backoff_ms: number;
  dispatch_interval_ms: number;
}

export const ALERTMANAGER_CHANNEL = 'alertmanager';

/**
 * The stable name of a webhook's outbox channel: its host (readable in logs and metric
 * labels) and a hash of its format and full URL. Not its position in the list, so a
 * reordered configuration cannot send a pending row to another receiver; not the URL
 * itself, because webhook URLs (Slack's among them) often embed their secret.
 */
export function webhookChannel(webhook: Pick<WebhookConfig, 'url' | 'format'>): string {
  const hash = createHash('sha256').update(`${webhook.format} ${webhook.url}`).digest('hex').slice(0, 10);
  let host: string;
  try {
    host = new URL(webhook.url).host;
  } catch {
    host = 'invalid-url';
  }
  return `webhook:${host}:${hash}`;
}

/** Where a channel's rows go, as the configuration says now. */
export interface ChannelTarget {
  url: string;
  headers: Record<string, string>;
}

/** `/api/v2/alerts` under the configured base, tolerating a trailing slash. */
export function alertmanagerAlertsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
}

/**
 * Channel name → target, from the current configuration. Rows keep only their channel
 * name, so URLs and headers (which may hold secrets) stay out of the database and a
 * rotated token applies to rows already queued. A row whose channel has since been
 * removed from the configuration finds no target and is marked failed.
 */
export function channelTargets(config: AlertsConfig): ReadonlyMap<string, ChannelTarget> {
  const targets = new Map<string, ChannelTarget>();
  for (const webhook of config.webhooks) {
    const name = webhookChannel(webhook);
    if (!targets.has(name)) targets.set(name, { url: webhook.url, headers: { ...webhook.headers } });
  }
  if (config.alertmanager_url !== null) {
    targets.set(ALERTMANAGER_CHANNEL, { url: alertmanagerAlertsUrl(config.alertmanager_url), headers: {} });
  }
  return targets;
}
