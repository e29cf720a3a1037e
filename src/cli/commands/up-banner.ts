import type { VigilConfig } from '../../config/schema.ts';

/** What `vigil up` tells its user once everything runs. */
export interface UpSummary {
  base: string;
  config: VigilConfig;
  dialect: string;
  nodes: number;
  adminKey: string;
  readKey: string;
  /** A one-time link that signs a browser in to the dashboard as admin. */
  signInUrl: string;
  dashboard: boolean;
}

/**
 * The banner's facts as flat fields of one JSON log line, named so that `jq .admin_key` or a
 * Loki `| json` finds them. The text banner below is written from these, so the two cannot
 * drift apart.
 */
export function upFields({
  base,
  config,
  dialect,
  nodes,
  adminKey,
  readKey,
  signInUrl,
  dashboard,
}: UpSummary) {
  return {
    dialect,
    database_url: config.database_url,
    nodes,
    slice_s: config.sla.slice_s,
    uptime_window_s: config.sla.uptime_window_s,
    collection_interval_s: config.sla.collection_interval_s,
    group_size: config.monitoring.group_size,
    epoch_length_s: config.epochs.length_s,
    report_window_s: config.epochs.report_window_s,
    topics: config.topics.map((t) => t.name),
    dashboard_url: dashboard ? `${base}/` : null,
    dashboard_sign_in_url: dashboard ? signInUrl : null,
    sign_in_link_ttl_s: config.dashboard.sign_in_link_ttl_s,
    api_url: base,
    docs_url: `${base}/docs`,
    sla_status_url: `${base}/sla/status`,
    violations_url: `${base}/sla/violations?resolved=false`,
    metrics_url: `${base}/metrics`,
    epoch_url: `${base}/epochs/current`,
    settlement_url: `${base}/epochs/<n>/settlement`,
    topics_url: `${base}/topics`,
    jobs_url: `${base}/jobs?limit=20`,
    node_url: `${base}/nodes/sim-${String(nodes).padStart(3, '0')}`,
    verify_command: `npm run vigil -- verify --epoch <n> --coordinator ${base}`,
    autoscaled: config.autoscaler.enabled
      ? config.autoscaler.targets.map(
          (t) =>
            `${t.name} (${t.topic ?? 'no topic'}, ${t.min_replicas}–${t.max_replicas} ${t.deployer.kind} replicas)`,
        )
      : [],
    autoscaler_url: `${base}/autoscaler/decisions?limit=20`,
    capacity_forecast_url: `${base}/sla/capacity/forecast`,
    capacity_recommendations_url: `${base}/sla/capacity/recommendations`,
    capacity_day_s: config.capacity.interval_s * (config.capacity.seasons[0] ?? 24),
    // The keys belong in the line: it is the only place this run shows them, and the next
    // run revokes them (decision 0060).
    read_key: readKey,
    admin_key: adminKey,
  };
}

/** The banner for a person at a terminal: where to look, and the keys. */
export function upBanner(summary: UpSummary): string {
  const f = upFields(summary);
  return [
    '',
    `Vigil is up: a coordinator on ${f.dialect} (${f.database_url}) and ${f.nodes} simulated nodes.`,
    `Time is compressed: ${f.slice_s} s slices, a ${f.uptime_window_s} s uptime window, a collection every ${f.collection_interval_s} s.`,
    'Some nodes flap, some are slow, some fail jobs: violations open and resolve within a few minutes.',
    `Each node runs an agent that audits ${f.group_size} peers; epochs last ${f.epoch_length_s} s and settle ${f.report_window_s} s after they end.`,
    `Each node runs workers on two of the topics ${f.topics.join(', ')}; tenants submit jobs in bursts,`,
    `on a day of ${f.capacity_day_s} s that capacity forecasts learn (the first after five such days).`,
    ...(f.autoscaled.length === 0
      ? []
      : [`The autoscaler sizes ${f.autoscaled.join(', ')} to each burst, and back.`]),
    '',
    ...(f.dashboard_url === null
      ? []
      : [
          `  Dashboard    ${f.dashboard_url}`,
          `  Sign in      ${f.dashboard_sign_in_url}`,
          `               (open once within ${Math.round(f.sign_in_link_ttl_s / 60)} min; later, sign in with the admin key below)`,
        ]),
    `  API          ${f.api_url}            (browse: ${f.docs_url})`,
    `  SLA status   ${f.sla_status_url}`,
    `  Violations   ${f.violations_url}`,
    `  Metrics      ${f.metrics_url}`,
    `  Epoch        ${f.epoch_url}   (settlement: ${f.settlement_url})`,
    `  Topics       ${f.topics_url}            (queues, depth and age)`,
    `  Jobs         ${f.jobs_url}     (a node's workers: ${f.node_url})`,
    `  Verify       ${f.verify_command}`,
    ...(f.autoscaled.length === 0 ? [] : [`  Autoscaler   ${f.autoscaler_url}`]),
    `  Capacity     ${f.capacity_forecast_url}   (what to add: ${f.capacity_recommendations_url})`,
    '',
    'Reads need a key (epochs, settlements and /docs do not):',
    `  curl -H "Authorization: Bearer ${f.read_key}" ${f.sla_status_url}`,
    `  Read key     ${f.read_key}`,
    `  Admin key    ${f.admin_key}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
