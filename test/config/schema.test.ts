import { describe, expect, it } from 'vitest';
import { configSchema, defaultConfig, describeConfigKeys, ENV_ALIASES } from '../../src/config/index.ts';

describe('configSchema', () => {
  it('has the documented defaults', () => {
    expect(defaultConfig()).toEqual({
      port: 8080,
      host: '127.0.0.1',
      database_url: './data/vigil.db',
      log_level: 'info',
      log_format: 'json',
      auth: {
        require_key_for_reads: true,
        require_key_for_metrics: true,
        key_cache_ttl_s: 30,
        signed_request_window_s: 300,
        signing_key_path: './data/coordinator.key',
      },
      api: { body_limit_bytes: 1_048_576, max_batch_size: 1000 },
      sla: {
        thresholds: {
          uptime_pct: 95,
          response_time_ms: 1000,
          completion_rate_pct: 90,
          capacity_availability_pct: 80,
        },
        severities: {
          uptime_pct: [
            { severity: 'critical', factor: 0.9 },
            { severity: 'high', factor: 1 },
          ],
          response_time_ms: [
            { severity: 'critical', factor: 2 },
            { severity: 'high', factor: 1 },
          ],
          completion_rate_pct: [{ severity: 'critical', factor: 1 }],
          capacity_availability_pct: [{ severity: 'high', factor: 1 }],
        },
        collection_interval_s: 300,
        slice_s: 300,
        uptime_window_s: 86_400,
        response_time_sample_size: 100,
        response_time_percentile: 95,
        completion_window_s: 604_800,
        liveness_timeout_s: 600,
      },
      capacity: {
        forecast_horizon_h: 168,
        alert_threshold_pct: 80,
        interval_s: 3600,
        sample_interval_s: 60,
        history_h: 8760,
        seasons: [],
        risk_level: 0.95,
      },
      dashboard: { enabled: true, session_ttl_s: 43_200, sign_in_link_ttl_s: 3_600, secure_cookie: false },
      billing: { url: 'http://localhost:8011', api_key: null, sync_interval_s: 3600 },
      retention: { raw_days: 90, rollup_days: 400, prune_interval_s: 3600 },
      alerts: {
        webhooks: [],
        alertmanager_url: null,
        timeout_ms: 5000,
        max_attempts: 10,
        initial_backoff_ms: 1000,
        max_backoff_ms: 300_000,
        dispatch_interval_ms: 1000,
        smtp: { host: null, port: 587, tls: 'starttls', user: null, password: null, from: 'vigil@localhost' },
      },
      epochs: { genesis: '2026-01-01T00:00:00Z', first_epoch: 0, length_s: 2_592_000, report_window_s: 3600 },
      monitoring: {
        group_size: 24,
        quorum_fraction: 0.5,
        probe_interval_s: 300,
        probe_timeout_ms: 5000,
        interim_period_s: 900,
      },
      rewards: {
        pool_minor_units: '1000000000',
        downtime_allowance_fraction: 1 / 30,
        latency_allowance_ms: 150,
      },
      agent: {
        coordinator_url: 'http://127.0.0.1:8080',
        node_id: null,
        key_path: './data/node.key',
        data_dir: './data/agent',
        host: '127.0.0.1',
        port: 9100,
        reference_targets: [],
        probe_concurrency: 64,
        probe_jitter_fraction: 0.1,
        checks: [],
        docker_socket: '/var/run/docker.sock',
        outbox_max_backoff_s: 300,
        reports_kept: 12,
      },
      queue: {
        backend: 'database',
        redis_url: 'redis://127.0.0.1:6379',
        redis_prefix: 'vigil',
        lease_ms: 30_000,
        recover_interval_ms: 2000,
        reconcile_interval_s: 60,
        claim_max_wait_ms: 20_000,
      },
      jobs: { max_payload_bytes: 65_536, max_result_bytes: 262_144 },
      topics: [],
      autoscaler: {
        enabled: false,
        tick_interval_ms: 5_000,
        queue_poll_ms: 250,
        lease_ttl_ms: 15_000,
        stale_after_ms: 60_000,
        coordinator_url: 'http://127.0.0.1:8080',
        worker_api_key: null,
        dogstatsd: null,
        targets: [],
      },
    });
  });

  it('fills a topic’s defaults and refuses a topic declared twice', () => {
    const parsed = configSchema.parse({ topics: [{ name: 'hash' }] });
    expect(parsed.topics[0]).toMatchObject({
      name: 'hash',
      adapter: null,
      timeout_ms: 30_000,
      max_attempts: 3,
      backoff: { kind: 'exponential', initial_ms: 1000, max_ms: 60_000 },
      price_per_unit: '0',
    });
    const twice = configSchema.safeParse({ topics: [{ name: 'hash' }, { name: 'hash' }] });
    expect(twice.success).toBe(false);
    expect(configSchema.safeParse({ topics: [{ name: 'Bad Name' }] }).success).toBe(false);
    expect(configSchema.safeParse({ topics: [{ name: 'x', price_per_unit: 0.5 }] }).success).toBe(false);
  });

  it('rejects unknown keys at every level', () => {
    expect(configSchema.safeParse({ extra: 1 }).success).toBe(false);
    expect(configSchema.safeParse({ sla: { thresholds: { extra: 1 } } }).success).toBe(false);
    expect(
      configSchema.safeParse({ alerts: { webhooks: [{ url: 'https://a.example', extra: 1 }] } }).success,
    ).toBe(false);
    expect(
      configSchema.safeParse({ sla: { severities: { uptime_pct: [{ severity: 'high', factor: 1, x: 1 }] } } })
        .success,
    ).toBe(false);
  });

  it('accepts the edges of its ranges and rejects just beyond them', () => {
    const accepts = (input: unknown) => configSchema.safeParse(input).success;
    expect(accepts({ port: 0 })).toBe(true);
    expect(accepts({ port: 65535 })).toBe(true);
    expect(accepts({ port: -1 })).toBe(false);
    expect(accepts({ sla: { thresholds: { uptime_pct: 100 } } })).toBe(true);
    expect(accepts({ sla: { thresholds: { uptime_pct: 100.1 } } })).toBe(false);
    expect(accepts({ sla: { response_time_percentile: 0 } })).toBe(false);
    expect(accepts({ auth: { key_cache_ttl_s: 0 } })).toBe(true);
    expect(accepts({ sla: { collection_interval_s: 0 } })).toBe(false);
    expect(accepts({ billing: { api_key: '' } })).toBe(false);
  });
});

describe('describeConfigKeys', () => {
  const keys = describeConfigKeys();

  it('lists every leaf key once, with its variable, default and a description', () => {
    expect(keys).toHaveLength(104);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
    for (const key of keys) {
      expect(key.description, key.key).not.toBe('');
      expect(key.env).toBe(`VIGIL_${key.key.toUpperCase().split('.').join('__')}`);
    }
    expect(keys.find((k) => k.key === 'sla.thresholds.uptime_pct')).toEqual({
      key: 'sla.thresholds.uptime_pct',
      env: 'VIGIL_SLA__THRESHOLDS__UPTIME_PCT',
      default: 95,
      description: 'Uptime below this percentage is a violation.',
    });
    expect(keys.find((k) => k.key === 'alerts.webhooks')?.default).toEqual([]);
    expect(keys.find((k) => k.key === 'billing.api_key')?.default).toBeNull();
    // A key of a section that is null by default shows what it gets once the section is set.
    expect(keys.find((k) => k.key === 'autoscaler.dogstatsd.port')?.default).toBe(8125);
    expect(keys.find((k) => k.key === 'autoscaler.dogstatsd.tags')?.default).toEqual({});
  });

  it('points every seed alias at a real key', () => {
    const names = new Set(keys.map((k) => k.key));
    for (const alias of ENV_ALIASES) expect(names.has(alias.key), alias.env).toBe(true);
  });
});
