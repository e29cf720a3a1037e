import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import { type CapacityAlertRow, listCapacityAlerts } from '../../store/repositories/capacity-alerts.ts';
import type { Store } from '../../store/store.ts';
import type { AlertsConfig } from '../alerts/config.ts';
import { problemResponses } from '../http/schemas.ts';
import {
  type CapacityAlertSettings,
  type CapacityAlertSettingsDeps,
  configureCapacityAlerts,
  emailDelivery,
  readCapacityAlertSettingsEffective,
  redactedWebhook,
  resolveBelowPct,
} from './alert-settings.ts';
import { AlertsQuery, CapacityAlertView, ConfigureBody, SettingsView } from './schemas.ts';

export interface CapacityAlertRouteDeps {
  store: Store;
  settings: CapacityAlertSettingsDeps;
  /** The configuration's channels, shown beside the API's. */
  alerts: Pick<AlertsConfig, 'webhooks' | 'alertmanager_url'>;
  now: () => number;
}

/** The capacity alert endpoints: the pool hub guide's `configure`, its read, and the alerts themselves. */
export function capacityAlertRoutes(app: FastifyInstance, deps: CapacityAlertRouteDeps): void {
  const { store, settings: settingsDeps, alerts, now } = deps;
  const view = (s: CapacityAlertSettings): Static<typeof SettingsView> => ({
    threshold_pct: s.thresholdPct,
    threshold_source: s.thresholdSource,
    configuration_threshold_pct: settingsDeps.configThresholdPct,
    resolve_below_pct: resolveBelowPct(s),
    notification_email: s.notificationEmail,
    email: emailDelivery(s, settingsDeps.smtp),
    webhooks: s.webhooks.map(redactedWebhook),
    configured_channels: { webhooks: alerts.webhooks.length, alertmanager: alerts.alertmanager_url !== null },
    updated_at: s.updatedAt === null ? null : toIso(s.updatedAt),
    updated_by: s.updatedBy,
  });

  app.get(
    '/sla/capacity/alerts/configure',
    {
      config: { access: 'read' },
      schema: {
        tags: ['capacity'],
        summary:
          'The capacity alert settings in effect, where each came from, and whether e-mail can be sent',
        response: { 200: SettingsView },
      },
    },
    async () => view(await readCapacityAlertSettingsEffective(store.db, settingsDeps)),
  );

  app.post(
    '/sla/capacity/alerts/configure',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['capacity'],
        summary:
          'Set the capacity alert threshold, e-mail address and webhooks (an absent field keeps its value)',
        body: ConfigureBody,
        response: { 200: SettingsView, ...problemResponses },
      },
    },
    async (request) => {
      const actor = request.actor;
      const by = actor === null ? null : `${actor.role} key ${actor.label ?? actor.prefix}`;
      const body = request.body as Static<typeof ConfigureBody>;
      return view(await configureCapacityAlerts(store, body, { ...settingsDeps, by, now: now() }));
    },
  );

  app.get(
    '/sla/capacity/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['capacity'],
        summary: 'Capacity alerts, newest first: the open ones, or with open=false the resolved ones too',
        querystring: AlertsQuery,
        response: { 200: Type.Array(CapacityAlertView) },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof AlertsQuery>;
      const rows = await listCapacityAlerts(store.db, { open: q.open ?? true, limit: q.limit ?? 100 });
      return rows.map(alertView);
    },
  );
}

function alertView(row: CapacityAlertRow): Static<typeof CapacityAlertView> {
  return {
    id: row.id,
    alert: row.kind,
    opened_at: toIso(row.opened_at),
    resolved_at: row.resolved_at === null ? null : toIso(row.resolved_at),
    threshold_pct: row.threshold_pct,
    value_pct: row.value_pct,
    worst_pct: row.worst_pct,
    last_value_pct: row.last_value_pct,
    forecast_at: row.forecast_at === null ? null : toIso(row.forecast_at),
  };
}
