import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, redactConfig } from '../../src/config/index.ts';
import { maskUrlPassword, shortenUrl } from '../../src/config/redact.ts';

describe('redactConfig', () => {
  it('hides the billing key, database password, webhook secrets and URL paths', () => {
    const config = loadConfig({
      env: {
        VIGIL_DATABASE_URL: 'postgresql://vigil:s3cr3t@db.internal:5432/vigil?sslmode=require',
        COORDINATOR_API_KEY: 'sk_live_abc',
        VIGIL_ALERTS__ALERTMANAGER_URL: 'http://alertmanager:9093/api/v2/alerts',
        VIGIL_ALERTS__SMTP__HOST: 'smtp.example',
        VIGIL_ALERTS__SMTP__USER: 'alerts',
        VIGIL_ALERTS__SMTP__PASSWORD: 'smtp-pa55',
        VIGIL_ALERTS__WEBHOOKS: JSON.stringify([
          { url: 'https://hooks.slack.com/services/T0/B0/XYZ', format: 'slack' },
          {
            url: 'https://ops.example:8443/hook?token=abc',
            headers: { Authorization: 'Bearer abc', 'X-Env': 'prod' },
          },
          { url: 'https://plain.example' },
        ]),
      },
    });
    const redacted = redactConfig(config) as ReturnType<typeof defaultConfig>;
    expect(redacted.database_url).toBe('postgresql://vigil:***@db.internal:5432/vigil?sslmode=require');
    expect(redacted.billing.api_key).toBe('[redacted]');
    expect(redacted.alerts.smtp).toMatchObject({
      host: 'smtp.example',
      user: 'alerts',
      password: '[redacted]',
    });
    expect(redacted.alerts.alertmanager_url).toBe('http://alertmanager:9093/…');
    expect(redacted.alerts.webhooks).toEqual([
      { url: 'https://hooks.slack.com/…', format: 'slack', headers: {} },
      {
        url: 'https://ops.example:8443/…',
        format: 'json',
        headers: { Authorization: '[redacted]', 'X-Env': '[redacted]' },
      },
      { url: 'https://plain.example', format: 'json', headers: {} },
    ]);
    expect(JSON.stringify(redacted)).not.toMatch(/s3cr3t|sk_live_abc|XYZ|token=abc|Bearer|smtp-pa55/);
  });

  it('leaves everything else as it is and does not touch the original', () => {
    const config = loadConfig({ env: { VIGIL_BILLING__API_KEY: 'k' } });
    const redacted = redactConfig(config) as Record<string, unknown>;
    expect({ ...redacted, billing: { ...config.billing, api_key: 'k' } }).toEqual(config);
    expect(config.billing.api_key).toBe('k');
  });

  it('keeps an unset key null and a SQLite path unchanged', () => {
    const redacted = redactConfig(defaultConfig()) as ReturnType<typeof defaultConfig>;
    expect(redacted.billing.api_key).toBeNull();
    expect(redacted.alerts.smtp.password).toBeNull();
    expect(redacted.alerts.alertmanager_url).toBeNull();
    expect(redacted.database_url).toBe('./data/vigil.db');
  });
});

describe('URL helpers', () => {
  it('masks only the password of a URL', () => {
    expect(maskUrlPassword('postgres://u:p%40ss@h/db')).toBe('postgres://u:***@h/db');
    expect(maskUrlPassword('postgres://u:p@ss@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(maskUrlPassword('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(maskUrlPassword('postgres://h/db?user=u&password=p&x=1')).toBe(
      'postgres://h/db?user=u&password=***&x=1',
    );
    expect(maskUrlPassword('/var/lib/vigil/vigil.db')).toBe('/var/lib/vigil/vigil.db');
  });

  it('shortens a URL to scheme, host and port, dropping user info', () => {
    expect(shortenUrl('https://user:pw@hooks.example:444/a?b=c')).toBe('https://hooks.example:444/…');
    expect(shortenUrl('http://am:9093/')).toBe('http://am:9093');
    expect(shortenUrl('http://am:9093?x=1')).toBe('http://am:9093/…');
    expect(shortenUrl('not a url')).toBe('[redacted]');
  });
});
