import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configErrorOf, tempDir } from './helpers.ts';

const yaml = `
# A production-like file.
port: 9100
database_url: postgres://vigil:secret@db:5432/vigil
log_format: pretty
sla:
  thresholds:
    uptime_pct: 99.9
  severities:
    response_time_ms:
      - severity: critical
        factor: 3
alerts:
  webhooks:
    - url: https://hooks.slack.com/services/T0/B0/XYZ
      format: slack
  alertmanager_url: http://alertmanager:9093
`;

describe('config files', () => {
  it('reads YAML', () => {
    const dir = tempDir({ 'vigil.yaml': yaml });
    const config = loadConfig({ env: {}, configFile: join(dir, 'vigil.yaml') });
    expect(config.port).toBe(9100);
    expect(config.database_url).toBe('postgres://vigil:secret@db:5432/vigil');
    expect(config.log_format).toBe('pretty');
    expect(config.sla.thresholds.uptime_pct).toBe(99.9);
    expect(config.sla.thresholds.response_time_ms).toBe(1000);
    expect(config.sla.severities.response_time_ms).toEqual([{ severity: 'critical', factor: 3 }]);
    expect(config.alerts.webhooks).toEqual([
      { url: 'https://hooks.slack.com/services/T0/B0/XYZ', format: 'slack', headers: {} },
    ]);
    expect(config.alerts.alertmanager_url).toBe('http://alertmanager:9093');
  });

  it('reads JSON, by extension or by content', () => {
    const dir = tempDir({
      'vigil.json': '{"port": 9200, "retention": {"raw_days": 7}}',
      'vigil.conf': '{"port": 9300}',
    });
    const fromJson = loadConfig({ env: {}, cwd: dir, configFile: 'vigil.json' });
    expect(fromJson.port).toBe(9200);
    expect(fromJson.retention).toEqual({ raw_days: 7, rollup_days: 400, prune_interval_s: 3600 });
    expect(loadConfig({ env: {}, cwd: dir, configFile: 'vigil.conf' }).port).toBe(9300);
  });

  it('takes the file from VIGIL_CONFIG_FILE, relative to cwd, unless configFile is given', () => {
    const dir = tempDir({ 'a.yml': 'port: 1111', 'b.yml': 'port: 2222' });
    expect(loadConfig({ cwd: dir, env: { VIGIL_CONFIG_FILE: 'a.yml' } }).port).toBe(1111);
    expect(loadConfig({ cwd: dir, env: { VIGIL_CONFIG_FILE: 'a.yml' }, configFile: 'b.yml' }).port).toBe(
      2222,
    );
  });

  it('treats an empty file as setting nothing', () => {
    const dir = tempDir({ 'empty.yaml': '# nothing yet\n' });
    expect(loadConfig({ env: {}, cwd: dir, configFile: 'empty.yaml' }).port).toBe(8080);
  });

  it('reports a missing file by name and by the variable that named it', () => {
    const dir = tempDir();
    const error = configErrorOf(() => loadConfig({ cwd: dir, env: { VIGIL_CONFIG_FILE: 'missing.yaml' } }));
    expect(error.problems).toHaveLength(1);
    expect(error.message).toMatch(
      /^invalid configuration: file missing\.yaml \(from env VIGIL_CONFIG_FILE\): cannot read the file: ENOENT: no such file or directory/,
    );
    expect(error.message).toContain(join(dir, 'missing.yaml'));
  });

  it('reports YAML that does not parse, on one line', () => {
    const dir = tempDir({ 'bad.yaml': 'port: 1\nsla:\n  thresholds: [unclosed\n' });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'bad.yaml' }));
    expect(error.message).toMatch(/^invalid configuration: file bad\.yaml: cannot parse YAML: .+$/);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('reports duplicate YAML keys instead of keeping the last', () => {
    const dir = tempDir({ 'dup.yaml': 'port: 1\nport: 2\n' });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'dup.yaml' }));
    expect(error.message).toMatch(/^invalid configuration: file dup\.yaml: cannot parse YAML: .*unique/i);
  });

  it('reports JSON that does not parse', () => {
    const dir = tempDir({ 'bad.json': '{"port": 1,}' });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'bad.json' }));
    expect(error.message).toMatch(/^invalid configuration: file bad\.json: cannot parse JSON: .+$/);
  });

  it('reports a file that is not a mapping of settings', () => {
    const dir = tempDir({ 'list.yaml': '- port: 1\n' });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'list.yaml' }));
    expect(error.message).toBe(
      'invalid configuration: file list.yaml: expected a mapping of settings at the top level',
    );
  });

  it('rejects unknown keys in a file, at any depth, naming the file', () => {
    const dir = tempDir({
      'typo.yaml': [
        'prot: 9000',
        'sla:',
        '  thresholds:',
        '    uptime: 90',
        'alerts:',
        '  webhooks:',
        '    - url: https://a.example',
        '      fromat: slack',
      ].join('\n'),
    });
    const error = configErrorOf(() => loadConfig({ env: {}, cwd: dir, configFile: 'typo.yaml' }));
    expect(error.message.split('\n').sort()).toEqual(
      [
        'invalid configuration: prot = 9000 (from file typo.yaml): unknown key (did you mean port?)',
        'invalid configuration: sla.thresholds.uptime = 90 (from file typo.yaml): unknown key (did you mean uptime_pct?)',
        'invalid configuration: alerts.webhooks.0.fromat = "slack" (from file typo.yaml): unknown key',
      ].sort(),
    );
  });

  it('reads VIGIL_CONFIG_JSON and reports one that is not a JSON object', () => {
    expect(
      loadConfig({ env: { VIGIL_CONFIG_JSON: '{"api": {"max_batch_size": 50}}' } }).api.max_batch_size,
    ).toBe(50);
    expect(configErrorOf(() => loadConfig({ env: { VIGIL_CONFIG_JSON: '[1]' } })).message).toBe(
      'invalid configuration: env VIGIL_CONFIG_JSON: expected a JSON object',
    );
    expect(configErrorOf(() => loadConfig({ env: { VIGIL_CONFIG_JSON: '{port: 1}' } })).message).toMatch(
      /^invalid configuration: env VIGIL_CONFIG_JSON: cannot parse JSON: .+$/,
    );
  });
});

describe('docs/configuration.md', () => {
  it('has a YAML example that loads', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const dir = tempDir({ 'vigil.yaml': example! });
    const config = loadConfig({ env: {}, cwd: dir, configFile: 'vigil.yaml' });
    expect(config.sla.thresholds.uptime_pct).toBe(99);
    expect(config.alerts.webhooks).toHaveLength(2);
  });
});
