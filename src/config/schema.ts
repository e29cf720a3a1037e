import { z } from 'zod';
import { DEFAULT_BANDS } from '../core/sla/rules.ts';
import { agentSchema } from './agent-schema.ts';
import { autoscalerSchema } from './autoscaler-schema.ts';
import { epochsSchema, monitoringSchema, rewardsSchema } from './monitoring-schema.ts';
import { jobsSchema, queueSchema, topicsSchema } from './work-schema.ts';

// Every object is strict so that a misspelt key is an error rather than a silently ignored
// setting, and every nested object uses `prefault({})` so that its own defaults are applied
// when the whole section is absent. Array and object defaults are functions so no two parsed
// configurations share (and can mutate) the same default value.

export const SEVERITIES = ['critical', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const port = z.int().min(0).max(65535);
const pct = z.number().min(0).max(100);
const positiveInt = z.int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

const severityBand = z.strictObject({
  severity: z.enum(SEVERITIES),
  factor: z.number().positive(),
});

// The classifier takes the first band a value is beyond, so a less severe band listed first
// would hide the more severe one for ever; reject that instead of letting it go unnoticed.
function isMostSevereFirst(bands: ReadonlyArray<{ severity: Severity }>): boolean {
  const ranks = bands.map((band) => SEVERITIES.indexOf(band.severity));
  return ranks.every((rank, i) => i === 0 || rank > ranks[i - 1]!);
}

function severityBands(defaults: () => Array<z.input<typeof severityBand>>, description: string) {
  return z
    .array(severityBand)
    .refine(isMostSevereFirst, { message: 'expected each severity at most once, most severe first' })
    .default(defaults)
    .describe(description);
}

const dashboardSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe('Serve the dashboard (a browser app using only the public API) at /.'),
  session_ttl_s: positiveInt
    .default(43_200)
    .describe('How long a dashboard sign-in lasts, in seconds, before the browser must sign in again.'),
  sign_in_link_ttl_s: positiveInt
    .default(3_600)
    .describe('How long a one-time sign-in link (as vigil up prints one) stays usable, in seconds.'),
  secure_cookie: z
    .boolean()
    .default(false)
    .describe(
      'Mark the session cookie Secure; set it when the coordinator is reached over HTTPS (behind a TLS proxy).',
    ),
});

const authSchema = z.strictObject({
  require_key_for_reads: z
    .boolean()
    .default(true)
    .describe(
      'Reads (nodes, SLA, jobs, topics, pools, workers) need an API key of any role; false opens them to anyone who can reach the API. Epochs, settlements, health and the API description are public either way.',
    ),
  require_key_for_metrics: z
    .boolean()
    .default(true)
    .describe(
      'GET /metrics needs a read or operator key (Prometheus sends it as a bearer token); false opens it to anyone who can reach the API.',
    ),
  key_cache_ttl_s: z
    .int()
    .min(0)
    .default(30)
    .describe('How long a verified API key is cached, in seconds; 0 checks the store on every request.'),
  signed_request_window_s: positiveInt
    .default(300)
    .describe(
      'How far a node-signed request’s timestamp may be from the coordinator’s clock, in seconds; signatures are remembered as long, so a replay is refused.',
    ),
  signing_key_path: z
    .string()
    .min(1)
    .default('./data/coordinator.key')
    .describe(
      'The coordinator’s ed25519 key that signs settlements; created on first start (mode 0600), never overwritten.',
    ),
});

const apiSchema = z.strictObject({
  body_limit_bytes: positiveInt.default(1_048_576).describe('Largest accepted request body, in bytes.'),
  max_batch_size: positiveInt.default(1000).describe('Most items accepted in one batch request.'),
});

const thresholdsSchema = z.strictObject({
  uptime_pct: pct.default(95).describe('Uptime below this percentage is a violation.'),
  response_time_ms: z
    .number()
    .positive()
    .default(1000)
    .describe('Response time (the configured percentile) above this many ms is a violation.'),
  completion_rate_pct: pct.default(90).describe('Job completion rate below this percentage is a violation.'),
  capacity_availability_pct: pct
    .default(80)
    .describe('Share of capacity available below this percentage is a violation.'),
});

// The pool hub guide's bands live in core/ with the rules that use them; one source of truth.
const bandsOf = (metric: keyof typeof DEFAULT_BANDS) => () =>
  DEFAULT_BANDS[metric].map((band) => ({ ...band }));
const describeBands = (what: string) =>
  `Severity bands for ${what}, most severe first; a band bound is factor × threshold.`;

const severitiesSchema = z.strictObject({
  uptime_pct: severityBands(bandsOf('uptime_pct'), describeBands('uptime')),
  response_time_ms: severityBands(bandsOf('response_time_ms'), describeBands('response time')),
  completion_rate_pct: severityBands(bandsOf('completion_rate_pct'), describeBands('completion rate')),
  capacity_availability_pct: severityBands(
    bandsOf('capacity_availability_pct'),
    describeBands('capacity availability'),
  ),
});

const slaSchema = z.strictObject({
  thresholds: thresholdsSchema.prefault({}),
  severities: severitiesSchema.prefault({}),
  collection_interval_s: positiveInt
    .default(300)
    .describe('How often SLA metrics are evaluated, in seconds.'),
  slice_s: positiveInt
    .default(300)
    .describe('Length of one uptime time slice, in seconds; a slice is up when it has evidence of life.'),
  uptime_window_s: positiveInt.default(86_400).describe('Window uptime is measured over, in seconds.'),
  response_time_sample_size: positiveInt
    .default(100)
    .describe('Number of most recent results the response-time percentile is taken over.'),
  response_time_percentile: z
    .number()
    .positive()
    .max(100)
    .default(95)
    .describe('Percentile of response time compared with the threshold (95 means p95).'),
  completion_window_s: positiveInt
    .default(604_800)
    .describe('Window completion rate is measured over, in seconds.'),
  liveness_timeout_s: positiveInt
    .default(600)
    .describe('A node with no heartbeat or monitor verdict for this long counts as down, in seconds.'),
});

const capacitySchema = z
  .strictObject({
    forecast_horizon_h: z
      .number()
      .positive()
      .max(24 * 7 * 8)
      .default(168)
      .describe(
        'How far ahead capacity is forecast, in hours (fractions allowed: vigil up compresses time).',
      ),
    alert_threshold_pct: pct
      .default(80)
      .describe(
        'Capacity utilisation (busy share of live slots) at or above this percentage raises a capacity alert, and recommendations size for it; operators may override it through the API (docs/capacity.md).',
      ),
    interval_s: positiveInt
      .default(3600)
      .describe('The capacity series’ interval, in seconds: one forecast point per interval.'),
    sample_interval_s: positiveInt
      .default(60)
      .describe('How often supply, busy slots and queues are sampled into the capacity series, in seconds.'),
    history_h: positiveInt
      .default(24 * 365)
      .describe(
        'How much capacity history a forecast reads, in hours (retention.rollup_days decides how long it is kept).',
      ),
    seasons: z
      .array(z.int().min(2))
      .max(4)
      .default([])
      .describe(
        'Seasonal periods in intervals (e.g. [24, 168] for hourly: daily and weekly); empty: daily and weekly of interval_s.',
      ),
    risk_level: z
      .union([z.literal(0.8), z.literal(0.95)])
      .default(0.95)
      .describe('Which prediction interval recommendations size for: 0.8 or 0.95.'),
  })
  .superRefine((capacity, ctx) => {
    // One forecast per interval ahead: a year of hourly points is the most worth fitting.
    const steps = Math.ceil((capacity.forecast_horizon_h * 3600) / capacity.interval_s);
    if (steps > 24 * 365) {
      ctx.addIssue({
        code: 'custom',
        path: ['forecast_horizon_h'],
        message: `expected at most ${24 * 365} intervals of capacity.interval_s (${capacity.interval_s} s) ahead, got ${steps}`,
      });
    }
  });

const billingSchema = z.strictObject({
  url: httpUrl
    .default('http://localhost:8011')
    .describe('Base URL of the billing service usage is synced to.'),
  api_key: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('API key for the billing service (secret; redacted when printed).'),
  sync_interval_s: positiveInt.default(3600).describe('How often usage is synced to billing, in seconds.'),
});

/** Down to a minute, and no further than a century: a horizon settlement and pruning can take. */
const retentionDays = z
  .number()
  .min(1 / 1440)
  .max(36_500);

const retentionSchema = z
  .strictObject({
    // Fractions are allowed: `vigil up` compresses time about 700-fold and keeps hours, not days.
    raw_days: retentionDays
      .default(90)
      .describe('Days raw samples, metrics and outcomes are kept (fractions allowed: 0.5 is 12 hours).'),
    rollup_days: retentionDays.default(400).describe('Days aggregated rollups are kept; at least raw_days.'),
    prune_interval_s: positiveInt.default(3600).describe('How often expired data is pruned, in seconds.'),
  })
  .superRefine((retention, ctx) => {
    // Rollups are built from raw data; dropping them first would lose history for no gain.
    if (retention.rollup_days < retention.raw_days) {
      ctx.addIssue({
        code: 'custom',
        path: ['rollup_days'],
        message: `expected at least retention.raw_days (${retention.raw_days})`,
      });
    }
  });

const webhookSchema = z.strictObject({
  url: httpUrl,
  format: z.enum(['json', 'slack']).default('json'),
  headers: z.record(z.string(), z.string()).default(() => ({})),
});

const smtpSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('SMTP server capacity alert e-mail is sent through; null: no e-mail channel.'),
  port: port
    .default(587)
    .describe('SMTP server port (587 for submission with STARTTLS, 465 for implicit TLS).'),
  tls: z
    .enum(['starttls', 'implicit', 'none'])
    .default('starttls')
    .describe(
      'starttls: upgrade the connection and refuse a server that cannot; implicit: TLS from the first byte (port 465); none: plain text (a local relay).',
    ),
  user: z.string().min(1).nullable().default(null).describe('SMTP user name; null: no authentication.'),
  password: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe('SMTP password (secret; redacted when printed).'),
  from: z
    .string()
    .min(3)
    .default('vigil@localhost')
    .describe('Sender address of alert e-mail ("Vigil <vigil@example.com>" is allowed).'),
});

const alertsSchema = z
  .strictObject({
    webhooks: z
      .array(webhookSchema)
      .default(() => [])
      .describe('Webhooks alerts are posted to: a list of { url, format: json|slack, headers }.'),
    alertmanager_url: httpUrl
      .nullable()
      .default(null)
      .describe('Prometheus Alertmanager base URL alerts are also posted to; null to disable.'),
    timeout_ms: positiveInt.default(5000).describe('Timeout of one alert delivery attempt, in ms.'),
    max_attempts: positiveInt.default(10).describe('Delivery attempts before an alert is given up on.'),
    initial_backoff_ms: positiveInt
      .default(1000)
      .describe('Delay before the first retry, in ms; later retries back off up to max_backoff_ms.'),
    max_backoff_ms: positiveInt
      .default(300_000)
      .describe('Longest delay between retries, in ms; at least initial_backoff_ms.'),
    dispatch_interval_ms: positiveInt.default(1000).describe('How often the alert outbox is checked, in ms.'),
    smtp: smtpSchema.prefault({}),
  })
  .superRefine((alerts, ctx) => {
    if (alerts.max_backoff_ms < alerts.initial_backoff_ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_backoff_ms'],
        message: `expected at least alerts.initial_backoff_ms (${alerts.initial_backoff_ms})`,
      });
    }
  });

/** The whole configuration: every key has a default, so `{}` is a valid input. */
export const configSchema = z.strictObject({
  port: port.default(8080).describe('TCP port the coordinator API listens on; 0 picks a free one.'),
  host: z.string().min(1).default('127.0.0.1').describe('Address the coordinator API binds to.'),
  database_url: z
    .string()
    .min(1)
    .default('./data/vigil.db')
    .describe('postgres:// or postgresql:// URL selects PostgreSQL; anything else is a SQLite file path.'),
  log_level: z.enum(LOG_LEVELS).default('info').describe('Least severe log level written.'),
  log_format: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe('json for one JSON object per line, pretty for humans.'),
  auth: authSchema.prefault({}),
  api: apiSchema.prefault({}),
  dashboard: dashboardSchema.prefault({}),
  sla: slaSchema.prefault({}),
  capacity: capacitySchema.prefault({}),
  billing: billingSchema.prefault({}),
  retention: retentionSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  epochs: epochsSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  rewards: rewardsSchema.prefault({}),
  agent: agentSchema.prefault({}),
  queue: queueSchema.prefault({}),
  jobs: jobsSchema.prefault({}),
  topics: topicsSchema,
  autoscaler: autoscalerSchema.prefault({}),
});

export type VigilConfig = z.output<typeof configSchema>;
/** What a config file, `VIGIL_CONFIG_JSON` or a profile may hold: any subset of the keys. */
export type VigilConfigInput = z.input<typeof configSchema>;

/** The configuration with nothing set: every key at its default. */
export function defaultConfig(): VigilConfig {
  return configSchema.parse({});
}
