import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { configErrorOf, tempDir } from './helpers.ts';

describe('ConfigError', () => {
  it('names the key, the value, its source and what was expected', () => {
    const error = configErrorOf(() => loadConfig({ env: { VIGIL_SLA__THRESHOLDS__UPTIME_PCT: 'abc' } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      'invalid configuration: sla.thresholds.uptime_pct = "abc" (from env VIGIL_SLA__THRESHOLDS__UPTIME_PCT): expected a number',
    );
    expect(error.problems).toEqual([
      {
        key: 'sla.thresholds.uptime_pct',
        value: 'abc',
        origin: 'env VIGIL_SLA__THRESHOLDS__UPTIME_PCT',
        expected: 'expected a number',
      },
    ]);
  });

  it('lists every problem, one line each, from every kind of source', () => {
    const dir = tempDir({ 'vigil.yaml': 'log_level: loud\n' });
    const error = configErrorOf(() =>
      loadConfig({
        cwd: dir,
        configFile: 'vigil.yaml',
        env: { VIGIL_PORT: '70000', SLA_COMPLETION_RATE_THRESHOLD: '120' },
        flags: { 'sla.slice_s': '-5', 'capacity.interval_s': 1.5 },
        profile: { api: { body_limit_bytes: 0 } },
      }),
    );
    expect(error.message.split('\n').sort()).toEqual(
      [
        'invalid configuration: port = 70000 (from env VIGIL_PORT): expected a number <= 65535',
        'invalid configuration: log_level = "loud" (from file vigil.yaml): expected one of trace, debug, info, warn, error, fatal, silent',
        'invalid configuration: api.body_limit_bytes = 0 (from profile): expected a number > 0',
        'invalid configuration: sla.thresholds.completion_rate_pct = 120 (from env SLA_COMPLETION_RATE_THRESHOLD): expected a number <= 100',
        'invalid configuration: sla.slice_s = -5 (from flag sla.slice_s): expected a number > 0',
        'invalid configuration: capacity.interval_s = 1.5 (from flag capacity.interval_s): expected an integer',
      ].sort(),
    );
  });

  it('explains type, format and list problems plainly', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {},
        profile: {
          host: '',
          sla: { severities: { uptime_pct: [{ severity: 'low', factor: 1 }] } },
          alerts: { webhooks: [{ url: 'hooks.slack.com/x', format: 'json' }], alertmanager_url: 5 },
          billing: { url: 'ftp://billing.example' },
        },
      }),
    );
    expect(error.message.split('\n').sort()).toEqual(
      [
        'invalid configuration: host = "" (from profile): expected a non-empty string',
        'invalid configuration: sla.severities.uptime_pct.0.severity = "low" (from profile): expected one of critical, high',
        'invalid configuration: alerts.webhooks.0.url = "[redacted]" (from profile): expected an http:// or https:// URL',
        'invalid configuration: alerts.alertmanager_url = 5 (from profile): expected a string',
        'invalid configuration: billing.url = "ftp://billing.example" (from profile): expected an http:// or https:// URL',
      ].sort(),
    );
  });

  it('rejects severity bands that are not most severe first', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          VIGIL_SLA__SEVERITIES__UPTIME_PCT:
            '[{"severity":"high","factor":1},{"severity":"critical","factor":0.9}]',
        },
      }),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({
      key: 'sla.severities.uptime_pct',
      origin: 'env VIGIL_SLA__SEVERITIES__UPTIME_PCT',
      expected: 'expected each severity at most once, most severe first',
    });
  });

  it('checks rules across keys and shows the default of the key nobody set', () => {
    const retention = configErrorOf(() => loadConfig({ env: { VIGIL_RETENTION__RAW_DAYS: '500' } }));
    expect(retention.message).toBe(
      'invalid configuration: retention.rollup_days = 400 (from default): expected at least retention.raw_days (500)',
    );
    const backoff = configErrorOf(() => loadConfig({ env: {}, flags: { 'alerts.max_backoff_ms': 10 } }));
    expect(backoff.message).toBe(
      'invalid configuration: alerts.max_backoff_ms = 10 (from flag alerts.max_backoff_ms): expected at least alerts.initial_backoff_ms (1000)',
    );
  });

  it('rejects unknown flags and unknown keys in a profile', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {},
        flags: { 'sla.colection_interval_s': 5 },
        profile: { billing: { apikey: 'k' } },
      }),
    );
    expect(error.message.split('\n').sort()).toEqual(
      [
        'invalid configuration: sla.colection_interval_s = 5 (from flag sla.colection_interval_s): unknown key (did you mean sla.collection_interval_s?)',
        'invalid configuration: billing.apikey = "k" (from profile): unknown key (did you mean api_key?)',
      ].sort(),
    );
  });

  it('treats __proto__ in a file as an unknown key, not as a prototype', () => {
    const dir = tempDir({ 'proto.json': '{"__proto__": {"port": 1}, "sla": {"__proto__": {"x": 1}}}' });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'proto.json' }));
    expect(error.problems.map((p) => p.key).sort()).toEqual(['__proto__', 'sla.__proto__']);
    expect(({} as Record<string, unknown>).port).toBeUndefined();
  });

  it('never prints a secret it is reporting about', () => {
    const error = configErrorOf(() =>
      loadConfig({
        env: {
          VIGIL_ALERTS__WEBHOOKS:
            '[{"url":"https://hooks.slack.com/services/T0/B0/SECRET","headers":{"Authorization":7}}]',
        },
        profile: { billing: { api_key: 12_345_678 } },
      }),
    );
    expect(error.message).not.toMatch(/SECRET|12345678/);
    expect(error.message).toContain('alerts.webhooks.0.headers.Authorization = "[redacted]"');
    expect(error.message).toContain('billing.api_key = "[redacted]"');
  });
});
