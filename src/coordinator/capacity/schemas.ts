import { Type } from 'typebox';
import { CAPACITY_ALERT_KINDS } from '../../core/capacity/alerts.ts';
import { Iso, Nullable, StringEnum } from '../http/schemas.ts';

const WebhookFormat = StringEnum(
  ['json', 'slack'],
  'json: Vigil’s JSON body; slack: a Slack incoming-webhook message',
);

/** The pool hub guide's body, plus webhooks; every field optional, an absent one keeps its value. */
export const ConfigureBody = Type.Object(
  {
    threshold_pct: Type.Optional(
      Nullable(
        Type.Number({
          exclusiveMinimum: 0,
          maximum: 100,
          description:
            'Utilisation (busy share of live slots, %) that fires the alert; null: the configuration’s',
        }),
      ),
    ),
    notification_email: Type.Optional(
      Nullable(
        Type.String({ minLength: 3, maxLength: 254, description: 'Where alert e-mail goes; null: none' }),
      ),
    ),
    webhooks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            url: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 2048,
                description: 'A new webhook: http or https; stored, shown redacted',
              }),
            ),
            format: Type.Optional(WebhookFormat),
            id: Type.Optional(
              Type.String({
                minLength: 1,
                maxLength: 300,
                description: 'Instead of url: a webhook in effect, by the id GET shows, kept as it is',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 10,
          description:
            'Replaces the list: new ones by url, those in effect by id; [] removes every API webhook',
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const SettingsView = Type.Object({
  threshold_pct: Type.Number(),
  threshold_source: StringEnum(['api', 'configuration']),
  configuration_threshold_pct: Type.Number({ description: 'capacity.alert_threshold_pct' }),
  resolve_below_pct: Type.Number({
    description: 'An open utilisation alert resolves below this (hysteresis)',
  }),
  notification_email: Nullable(Type.String()),
  email: Type.Object({ deliverable: Type.Boolean(), reason: Nullable(Type.String()) }),
  webhooks: Type.Array(
    Type.Object({
      id: Type.String({ description: 'The outbox channel: host and a hash of format and full URL' }),
      url: Type.String({
        description: 'Scheme and host; the path and query (often the secret) are never shown',
      }),
      format: WebhookFormat,
    }),
  ),
  configured_channels: Type.Object(
    {
      webhooks: Type.Integer({ description: 'alerts.webhooks, which receive capacity alerts too' }),
      alertmanager: Type.Boolean(),
    },
    { description: 'The configuration’s alert channels, which capacity alerts also go to' },
  ),
  updated_at: Iso,
  updated_by: Nullable(Type.String()),
});

export const AlertsQuery = Type.Object(
  {
    open: Type.Optional(
      Type.Boolean({ description: 'true: only open alerts (default); false: resolved too' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const CapacityAlertView = Type.Object({
  id: Type.String(),
  alert: StringEnum(CAPACITY_ALERT_KINDS),
  opened_at: Type.String(),
  resolved_at: Iso,
  threshold_pct: Type.Number(),
  value_pct: Type.Number({ description: 'The reading that fired it' }),
  worst_pct: Type.Number(),
  last_value_pct: Nullable(Type.Number()),
  forecast_at: Iso,
});
