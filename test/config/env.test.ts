import { describe, expect, it } from 'vitest';
import { type ConfigWarning, defaultConfig, formatWarning, loadConfig } from '../../src/config/index.ts';
import { configErrorOf } from './helpers.ts';

describe('environment variables', () => {
  it('maps VIGIL_ + upper-cased path segments joined by __ to keys', () => {
    const config = loadConfig({
      env: {
        VIGIL_PORT: '9001',
        VIGIL_DATABASE_URL: 'postgres://vigil@db:5432/vigil',
        VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '99.5',
        VIGIL_AUTH__REQUIRE_KEY_FOR_READS: 'TRUE',
        VIGIL_RETENTION__RAW_DAYS: '30',
      },
    });
    expect(config.port).toBe(9001);
    expect(config.database_url).toBe('postgres://vigil@db:5432/vigil');
    expect(config.sla.thresholds.uptime_pct).toBe(99.5);
    expect(config.auth.require_key_for_reads).toBe(true);
    expect(config.retention.raw_days).toBe(30);
  });

  it('parses JSON lists and objects where the key expects one', () => {
    const config = loadConfig({
      env: {
        VIGIL_ALERTS__WEBHOOKS:
          '[{"url":"https://hooks.slack.com/services/T/B/X","format":"slack"},{"url":"https://ops.example/h","headers":{"X-Token":"t"}}]',
        VIGIL_SLA__SEVERITIES__COMPLETION_RATE_PCT: '[{"severity":"high","factor":1}]',
      },
    });
    expect(config.alerts.webhooks).toEqual([
      { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', headers: {} },
      { url: 'https://ops.example/h', format: 'json', headers: { 'X-Token': 't' } },
    ]);
    expect(config.sla.severities.completion_rate_pct).toEqual([{ severity: 'high', factor: 1 }]);
  });

  it('keeps strings as strings where the key expects a string, even if they look like numbers or JSON', () => {
    const config = loadConfig({
      env: { VIGIL_BILLING__API_KEY: '00123', VIGIL_HOST: '1', VIGIL_DATABASE_URL: '[weird].db' },
    });
    expect(config.billing.api_key).toBe('00123');
    expect(config.host).toBe('1');
    expect(config.database_url).toBe('[weird].db');
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ env: { VIGIL_PORT: '', COORDINATOR_API_KEY: '', VIGIL_NO_SUCH_KEY: '' } });
    expect(config.port).toBe(8080);
    expect(config.billing.api_key).toBeNull();
  });

  it('accepts LOG_LEVEL and LOG_FORMAT', () => {
    const config = loadConfig({ env: { LOG_LEVEL: 'trace', LOG_FORMAT: 'pretty' } });
    expect(config.log_level).toBe('trace');
    expect(config.log_format).toBe('pretty');
  });

  it("accepts the seed guide's variable names", () => {
    const config = loadConfig({
      env: {
        COORDINATOR_BILLING_URL: 'http://coordinator:8011',
        COORDINATOR_API_KEY: 'your_api_key_here',
        SLA_UPTIME_THRESHOLD: '95.5',
        SLA_RESPONSE_TIME_THRESHOLD: '1500.0',
        SLA_COMPLETION_RATE_THRESHOLD: '85.0',
        SLA_CAPACITY_THRESHOLD: '70.0',
        CAPACITY_FORECAST_HOURS: '72',
        CAPACITY_ALERT_THRESHOLD_PCT: '75.0',
        BILLING_SYNC_INTERVAL_HOURS: '2',
        SLA_COLLECTION_INTERVAL_SECONDS: '120',
      },
    });
    expect(config.billing).toEqual({
      url: 'http://coordinator:8011',
      api_key: 'your_api_key_here',
      sync_interval_s: 7200,
    });
    expect(config.sla.thresholds).toEqual({
      uptime_pct: 95.5,
      response_time_ms: 1500,
      completion_rate_pct: 85,
      capacity_availability_pct: 70,
    });
    expect(config.capacity).toMatchObject({ forecast_horizon_h: 72, alert_threshold_pct: 75 });
    expect(config.sla.collection_interval_s).toBe(120);
  });

  it('converts BILLING_SYNC_INTERVAL_HOURS from hours to whole seconds', () => {
    expect(loadConfig({ env: { BILLING_SYNC_INTERVAL_HOURS: '1' } }).billing.sync_interval_s).toBe(3600);
    expect(loadConfig({ env: { BILLING_SYNC_INTERVAL_HOURS: '0.25' } }).billing.sync_interval_s).toBe(900);
    expect(loadConfig({ env: { BILLING_SYNC_INTERVAL_HOURS: '24' } }).billing.sync_interval_s).toBe(86_400);
  });

  it('reports a non-numeric BILLING_SYNC_INTERVAL_HOURS against the key it sets', () => {
    const error = configErrorOf(() => loadConfig({ env: { BILLING_SYNC_INTERVAL_HOURS: 'hourly' } }));
    expect(error.message).toBe(
      'invalid configuration: billing.sync_interval_s = "hourly" (from env BILLING_SYNC_INTERVAL_HOURS, hours × 3600): expected a number',
    );
  });

  it('warns about a VIGIL_* variable that maps to no key, suggesting the likely one, and loads the rest', () => {
    const warnings: ConfigWarning[] = [];
    const config = loadConfig({
      env: { VIGIL_SLA_THRESHOLDS__UPTIME_PCT: '90', VIGIL_PORT: '9001' },
      onWarning: (w) => warnings.push(w),
    });
    expect(config.port).toBe(9001);
    expect(config.sla.thresholds.uptime_pct).toBe(defaultConfig().sla.thresholds.uptime_pct);
    expect(warnings).toEqual([
      {
        origin: 'env VIGIL_SLA_THRESHOLDS__UPTIME_PCT',
        message:
          'names no configuration key and is ignored (did you mean VIGIL_SLA__THRESHOLDS__UPTIME_PCT?)',
      },
    ]);
    expect(warnings.map(formatWarning)).toEqual([
      'env VIGIL_SLA_THRESHOLDS__UPTIME_PCT names no configuration key and is ignored (did you mean VIGIL_SLA__THRESHOLDS__UPTIME_PCT?)',
    ]);
  });

  it('does not stop on a VIGIL_ variable kept for something else, such as VIGIL_URL for scripts', () => {
    const warnings: ConfigWarning[] = [];
    const config = loadConfig({
      env: { VIGIL_URL: 'http://127.0.0.1:8080', VIGIL_PORT__NUMBER: '1', VIGIL_ALERTS__WEBHOOKS__0: '{}' },
      onWarning: (w) => warnings.push(w),
    });
    expect(config.port).toBe(8080);
    expect(warnings.map((w) => w.origin)).toEqual([
      'env VIGIL_URL',
      'env VIGIL_PORT__NUMBER',
      'env VIGIL_ALERTS__WEBHOOKS__0',
    ]);
    // Nothing is close to VIGIL_URL, so the warning says where the names are instead of guessing.
    expect(warnings[0]!.message).toBe(
      'names no configuration key and is ignored (`vigil config print --keys` lists every key and its variable)',
    );
    expect(() => loadConfig({ env: { VIGIL_URL: 'http://127.0.0.1:8080' } })).not.toThrow();
  });

  it('still refuses a known VIGIL_* variable with a value its key does not accept, warning about the unknown ones', () => {
    const warnings: ConfigWarning[] = [];
    const error = configErrorOf(() =>
      loadConfig({ env: { VIGIL_PORT: 'abc', VIGIL_PROT: '1' }, onWarning: (w) => warnings.push(w) }),
    );
    expect(error.problems.map((p) => p.origin)).toEqual(['env VIGIL_PORT']);
    expect(warnings.map(formatWarning)).toEqual([
      'env VIGIL_PROT names no configuration key and is ignored (did you mean VIGIL_PORT?)',
    ]);
  });

  it('leaves VIGIL_ variables of other parts alone', () => {
    const config = loadConfig({
      env: {
        VIGIL_TEST_PG_URL: 'postgres://x',
        VIGIL_WORKER_TOPIC: 'render',
        VIGIL_AGENT_KEY_FILE: '/k',
        VIGIL_CONFIG_JSON: '{}',
        OTHER_PORT: '1',
      },
    });
    expect(config.port).toBe(8080);
  });

  it('reads a section of a reserved prefix when a double underscore follows it', () => {
    const config = loadConfig({ env: { VIGIL_AGENT__PORT: '9200', VIGIL_AGENT_KEY_FILE: '/k' } });
    expect(config.agent.port).toBe(9200);
  });

  it('reports a JSON list that does not parse', () => {
    const error = configErrorOf(() => loadConfig({ env: { VIGIL_ALERTS__WEBHOOKS: '[{"url":' } }));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(
      /^invalid configuration: alerts\.webhooks = "\[\{\\"url\\":" \(from env VIGIL_ALERTS__WEBHOOKS\): expected valid JSON \(.+\)$/,
    );
  });

  it('does not coerce where the value is not one the key accepts', () => {
    const error = configErrorOf(() =>
      loadConfig({ env: { VIGIL_AUTH__REQUIRE_KEY_FOR_READS: 'maybe', VIGIL_PORT: '0x1f' } }),
    );
    expect(error.message.split('\n')).toEqual([
      'invalid configuration: port = "0x1f" (from env VIGIL_PORT): expected a number',
      'invalid configuration: auth.require_key_for_reads = "maybe" (from env VIGIL_AUTH__REQUIRE_KEY_FOR_READS): expected true or false',
    ]);
  });
});
