import { describe, expect, it } from 'vitest';
import { describeConfigKeys } from '../../src/config/describe.ts';
import {
  defaultConfig,
  type EffectiveSetting,
  effectiveSettings,
  loadConfigWithSources,
} from '../../src/config/index.ts';
import { tempDir } from './helpers.ts';

const byKey = (settings: EffectiveSetting[]) => new Map(settings.map((s) => [s.key, s]));

describe('effectiveSettings', () => {
  it('names the source of every value: default, profile, file, JSON env, env var, alias, flag', () => {
    const dir = tempDir({ 'vigil.yaml': 'port: 2\nhost: 10.0.0.2\nsla:\n  slice_s: 60\n' });
    const { config, sources } = loadConfigWithSources({
      cwd: dir,
      configFile: 'vigil.yaml',
      profile: { port: 1, log_format: 'pretty' },
      env: {
        VIGIL_CONFIG_JSON: '{"port": 3, "host": "10.0.0.3", "sla": {"thresholds": {"uptime_pct": 93}}}',
        LOG_LEVEL: 'debug',
        VIGIL_API__MAX_BATCH_SIZE: '50',
        VIGIL_PORT: '4',
      },
      flags: { port: 5 },
    });
    const settings = byKey(effectiveSettings(config, sources));
    const seen = (key: string) => {
      const s = settings.get(key);
      return s && { value: s.value, source: s.source, origin: s.origin };
    };
    expect(seen('port')).toEqual({ value: 5, source: 'flag', origin: 'flag port' });
    expect(seen('host')).toEqual({ value: '10.0.0.3', source: 'json_env', origin: 'env VIGIL_CONFIG_JSON' });
    expect(seen('sla.thresholds.uptime_pct')).toMatchObject({ value: 93, source: 'json_env' });
    expect(seen('sla.slice_s')).toEqual({ value: 60, source: 'file', origin: 'file vigil.yaml' });
    expect(seen('log_format')).toEqual({ value: 'pretty', source: 'profile', origin: 'profile' });
    expect(seen('log_level')).toEqual({ value: 'debug', source: 'env', origin: 'env LOG_LEVEL' });
    expect(seen('api.max_batch_size')).toEqual({
      value: 50,
      source: 'env',
      origin: 'env VIGIL_API__MAX_BATCH_SIZE',
    });
    expect(seen('sla.uptime_window_s')).toEqual({ value: 86_400, source: 'default', origin: 'default' });
    expect(settings.get('port')?.env).toBe('VIGIL_PORT');
  });

  it('lists every key `vigil config print --keys` lists, in the same order', () => {
    const { config, sources } = loadConfigWithSources({ env: {} });
    const settings = effectiveSettings(config, sources);
    expect(settings.map((s) => s.key)).toEqual(describeConfigKeys().map((k) => k.key));
    expect(settings.every((s) => s.source === 'default')).toBe(true);
  });

  it('redacts secrets as config print does', () => {
    const { config, sources } = loadConfigWithSources({
      env: {
        VIGIL_DATABASE_URL: 'postgres://vigil:hunter2@db.internal:5432/vigil',
        COORDINATOR_API_KEY: 'secret-key',
        VIGIL_ALERTS__WEBHOOKS: JSON.stringify([
          { url: 'https://hooks.slack.com/services/T0/B0/XYZ', headers: { authorization: 'Bearer tok' } },
        ]),
      },
    });
    const settings = effectiveSettings(config, sources);
    const text = JSON.stringify(settings);
    for (const secret of ['hunter2', 'secret-key', 'XYZ', 'tok']) expect(text).not.toContain(secret);
    const s = byKey(settings);
    expect(s.get('database_url')?.value).toBe('postgres://vigil:***@db.internal:5432/vigil');
    expect(s.get('billing.api_key')).toMatchObject({ value: '[redacted]', source: 'env' });
    expect(s.get('alerts.webhooks')?.value).toEqual([
      { url: 'https://hooks.slack.com/…', format: 'json', headers: { authorization: '[redacted]' } },
    ]);
  });

  it('without sources, calls a value equal to its default `default` and any other `unknown`', () => {
    const config = defaultConfig();
    config.port = 9999;
    const s = byKey(effectiveSettings(config));
    expect(s.get('port')).toMatchObject({ value: 9999, source: 'unknown', origin: 'unknown' });
    expect(s.get('host')).toMatchObject({ value: '127.0.0.1', source: 'default', origin: 'default' });
    expect(s.get('alerts.webhooks')).toMatchObject({ value: [], source: 'default' });
  });
});
