import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from '../../src/config/index.ts';
import { tempDir } from './helpers.ts';

describe('loadConfig precedence', () => {
  it('uses the defaults when nothing is set', () => {
    expect(loadConfig({ env: {} })).toEqual(defaultConfig());
  });

  it('ranks defaults < profile < file < VIGIL_CONFIG_JSON < aliases < VIGIL_* < flags', () => {
    const dir = tempDir({ 'vigil.yaml': 'port: 2\nsla:\n  thresholds:\n    uptime_pct: 92\n' });
    // Each source sets port and one key of its own, so each level is seen to win over the one below
    // and to leave the keys it does not set alone.
    const config = loadConfig({
      cwd: dir,
      configFile: 'vigil.yaml',
      profile: { port: 1, log_format: 'pretty', host: '0.0.0.0' },
      env: {
        VIGIL_CONFIG_JSON: '{"port": 3, "host": "10.0.0.1", "sla": {"thresholds": {"uptime_pct": 93}}}',
        LOG_LEVEL: 'debug',
        SLA_UPTIME_THRESHOLD: '94',
        VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '96',
        VIGIL_PORT: '4',
      },
      flags: { port: 5 },
    });
    expect(config.port).toBe(5);
    expect(config.sla.thresholds.uptime_pct).toBe(96);
    expect(config.host).toBe('10.0.0.1');
    expect(config.log_level).toBe('debug');
    expect(config.log_format).toBe('pretty');
  });

  it('lets each lower source show through when the ones above it are absent', () => {
    const dir = tempDir({ 'vigil.json': '{"port": 2}' });
    const base = { cwd: dir, configFile: 'vigil.json', profile: { port: 1 } };
    expect(loadConfig({ ...base, env: {} }).port).toBe(2);
    expect(loadConfig({ ...base, env: { VIGIL_CONFIG_JSON: '{"port": 3}' } }).port).toBe(3);
    expect(loadConfig({ profile: { port: 1 }, env: {} }).port).toBe(1);
  });

  it('ranks a VIGIL_* variable above its seed alias whichever is listed first', () => {
    const env = { VIGIL_BILLING__URL: 'https://billing.example', COORDINATOR_BILLING_URL: 'http://old:8011' };
    expect(loadConfig({ env }).billing.url).toBe('https://billing.example');
    expect(loadConfig({ env: { LOG_LEVEL: 'warn', VIGIL_LOG_LEVEL: 'error' } }).log_level).toBe('error');
  });

  it('merges objects deeply across sources', () => {
    const dir = tempDir({
      'vigil.yaml': [
        'sla:',
        '  thresholds:',
        '    uptime_pct: 99',
        '    response_time_ms: 500',
        '  slice_s: 60',
      ].join('\n'),
    });
    const config = loadConfig({
      cwd: dir,
      configFile: 'vigil.yaml',
      env: { VIGIL_SLA__THRESHOLDS__RESPONSE_TIME_MS: '750' },
      flags: { 'sla.thresholds.completion_rate_pct': 80 },
    });
    expect(config.sla.thresholds).toEqual({
      uptime_pct: 99,
      response_time_ms: 750,
      completion_rate_pct: 80,
      capacity_availability_pct: 80,
    });
    expect(config.sla.slice_s).toBe(60);
    expect(config.sla.collection_interval_s).toBe(300);
    expect(config.sla.severities).toEqual(defaultConfig().sla.severities);
  });

  it('replaces arrays instead of merging them item by item', () => {
    const dir = tempDir({
      'vigil.yaml': [
        'alerts:',
        '  webhooks:',
        '    - url: https://a.example/hook',
        '    - url: https://b.example/hook',
        'sla:',
        '  severities:',
        '    uptime_pct:',
        '      - { severity: critical, factor: 0.5 }',
        '      - { severity: high, factor: 0.8 }',
      ].join('\n'),
    });
    const config = loadConfig({
      cwd: dir,
      configFile: 'vigil.yaml',
      env: { VIGIL_ALERTS__WEBHOOKS: '[{"url": "https://c.example/hook", "format": "slack"}]' },
      flags: { 'sla.severities.uptime_pct': [{ severity: 'high', factor: 1 }] },
    });
    expect(config.alerts.webhooks).toEqual([{ url: 'https://c.example/hook', format: 'slack', headers: {} }]);
    expect(config.sla.severities.uptime_pct).toEqual([{ severity: 'high', factor: 1 }]);
  });

  it('lets a key inside a section win over the whole section given as JSON', () => {
    const env = {
      VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '97',
      VIGIL_SLA__THRESHOLDS: '{"uptime_pct": 50, "completion_rate_pct": 70}',
    };
    const config = loadConfig({ env });
    expect(config.sla.thresholds.uptime_pct).toBe(97);
    expect(config.sla.thresholds.completion_rate_pct).toBe(70);
  });

  it('accepts flags as strings and converts them to the type each key expects', () => {
    const config = loadConfig({
      env: {},
      flags: {
        port: '9000',
        'auth.require_key_for_reads': 'true',
        'sla.collection_interval_s': '10',
        host: '0.0.0.0',
        log_level: undefined,
      },
    });
    expect(config.port).toBe(9000);
    expect(config.auth.require_key_for_reads).toBe(true);
    expect(config.sla.collection_interval_s).toBe(10);
    expect(config.host).toBe('0.0.0.0');
    expect(config.log_level).toBe('info');
  });

  it('does not modify the profile or flags it is given', () => {
    const profile = {
      sla: { thresholds: { uptime_pct: 90 } },
      alerts: { webhooks: [{ url: 'https://x.example' }] },
    };
    const before = structuredClone(profile);
    const config = loadConfig({ env: { VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '91' }, profile });
    expect(config.sla.thresholds.uptime_pct).toBe(91);
    expect(profile).toEqual(before);
  });

  it('gives every load its own copies of the default lists', () => {
    const first = loadConfig({ env: {} });
    first.sla.severities.uptime_pct.push({ severity: 'high', factor: 5 });
    first.alerts.webhooks.push({ url: 'https://x.example', format: 'json', headers: {} });
    const second = loadConfig({ env: {} });
    expect(second.sla.severities.uptime_pct).toHaveLength(2);
    expect(second.alerts.webhooks).toEqual([]);
  });
});
